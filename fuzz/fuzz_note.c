/*
 * fuzz_note.c - signed notes and key strings.
 *
 * The input is opened as a signed note against two fixed verifiers (an
 * Ed25519 key and a cosignature/v1 key, see fuzz_common.h), and parsed as a
 * verifier key string and as a signer key string. Properties checked:
 *   - pl_note_open returns only its documented codes, and on PL_OK/PL_ENOKEY
 *     the spans it fills split the input exactly (text, blank line, signature
 *     block) and every verified signature is a distinct known key whose line
 *     lies in the signature block and names that key;
 *   - on PL_OK/PL_ENOKEY, independently: every signature line is well formed
 *     and every line by a known key (name and key id) verifies;
 *   - a verifier key that parses formats back to the same bytes;
 *   - a signer key that parses encodes back to the same bytes, and its public
 *     half is consistent (key id recomputes).
 */
#include "fuzz_common.h"

#include "base/codec.h"

#include <sodium.h>

static const char EMDASH_SP[] = "\xe2\x80\x94 "; /* the signature line prefix */

/*
 * An independent check of the opening rules on a note that pl_note_open
 * accepted (PL_OK or PL_ENOKEY): every signature line is well formed (its
 * base64 decodes to at least 5 bytes), and every line whose name and key id
 * are those of a known verifier carries a signature that verifies (checked
 * here with libsodium directly), since a single bad signature by a known key
 * must reject the note.
 */
static void check_sig_lines(pl_span text, pl_span sigs, const pl_verifier *vs, size_t nv)
{
	const uint8_t *p = sigs.p, *end = sigs.p + sigs.n;
	size_t pl = sizeof EMDASH_SP - 1;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		FZ_CHECK(nl != NULL);
		size_t n = (size_t)(nl - p);
		FZ_CHECK(n > pl && memcmp(p, EMDASH_SP, pl) == 0);
		const uint8_t *name = p + pl;
		const uint8_t *sp = memchr(name, ' ', (size_t)(nl - name));
		FZ_CHECK(sp != NULL);
		size_t namelen = (size_t)(sp - name);
		const uint8_t *b64 = sp + 1;
		size_t b64len = (size_t)(nl - b64);
		size_t cap = b64len / 4 * 3 + 1;
		uint8_t *sig = malloc(cap);
		FZ_CHECK(sig != NULL);
		size_t siglen = 0;
		FZ_CHECK(pl_b64_decode(b64, b64len, sig, cap, &siglen) == PL_OK); /* else malformed */
		FZ_CHECK(siglen >= 5);
		uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
		for (size_t vi = 0; vi < nv; vi++) {
			const pl_verifier *v = &vs[vi];
			if (v->id != id || strlen(v->name) != namelen || memcmp(v->name, name, namelen) != 0)
				continue;
			/* a known key: its signature must verify */
			const uint8_t *s = sig + 4;
			size_t sl = siglen - 4;
			char prefix[64];
			int pn = 0;
			if (v->type == PL_SIGTYPE_COSIG) {
				FZ_CHECK(sl == 8 + PL_ED25519_SIG_SIZE);
				uint64_t t = 0;
				for (int i = 0; i < 8; i++)
					t = t << 8 | s[i];
				FZ_CHECK(t <= PL_COSIG_TIME_MAX);
				pn = snprintf(prefix, sizeof prefix, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
				s += 8;
				sl -= 8;
			}
			FZ_CHECK(sl == PL_ED25519_SIG_SIZE);
			uint8_t *msg = malloc((size_t)pn + text.n);
			FZ_CHECK(msg != NULL);
			memcpy(msg, prefix, (size_t)pn);
			memcpy(msg + pn, text.p, text.n);
			FZ_CHECK(crypto_sign_verify_detached(s, msg, (size_t)pn + text.n, v->pk) == 0);
			free(msg);
			break;
		}
		free(sig);
		p = nl + 1;
	}
}

static void fuzz_open(const uint8_t *data, size_t size)
{
	const fz_keys *k = fz_get_keys();
	const pl_verifier vs[2] = {k->v[FZ_KEY_LOG], k->v[FZ_KEY_WITNESS]};
	pl_note note;
	int rc = pl_note_open(data, size, vs, 2, &note);
	FZ_CHECK(rc == PL_OK || rc == PL_ETOOBIG || rc == PL_EFORMAT || rc == PL_EVERIFY || rc == PL_ENOKEY);
	if (size > PL_NOTE_MAX)
		FZ_CHECK(rc == PL_ETOOBIG);
	if (rc != PL_OK && rc != PL_ENOKEY)
		return;

	/* text (ending in its newline), the blank line, the signature block */
	FZ_CHECK(note.text.p == data && note.text.n >= 1 && data[note.text.n - 1] == '\n');
	FZ_CHECK(note.sigs.p == data + note.text.n + 1 && data[note.text.n] == '\n');
	FZ_CHECK(note.text.n + 1 + note.sigs.n == size);
	FZ_CHECK(note.sigs.n > 0 && data[size - 1] == '\n');
	FZ_CHECK(note.nsigs >= 1 && note.nsigs <= PL_NOTE_SIGS_MAX);
	FZ_CHECK(note.nverified <= 2 && note.nverified <= note.nsigs);
	FZ_CHECK((rc == PL_OK) == (note.nverified > 0));
	for (size_t i = 0; i < note.nverified; i++) {
		const pl_note_sig *s = &note.verified[i];
		FZ_CHECK(s->verifier < 2);
		FZ_CHECK(pl_note_signed_by(&note, s->verifier));
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(note.verified[j].verifier != s->verifier);
		const pl_verifier *v = &vs[s->verifier];
		if (v->type == PL_SIGTYPE_COSIG)
			FZ_CHECK(s->timestamp <= PL_COSIG_TIME_MAX);
		else
			FZ_CHECK(s->timestamp == 0);
		FZ_CHECK(s->line.p >= note.sigs.p && s->line.p + s->line.n < note.sigs.p + note.sigs.n);
		FZ_CHECK(s->line.p[s->line.n] == '\n');
		size_t nl = strlen(v->name), pl = sizeof EMDASH_SP - 1;
		FZ_CHECK(s->line.n > pl + nl + 1);
		FZ_CHECK(memcmp(s->line.p, EMDASH_SP, pl) == 0 && memcmp(s->line.p + pl, v->name, nl) == 0 &&
			 s->line.p[pl + nl] == ' ');
	}
	check_sig_lines(note.text, note.sigs, vs, 2);
}

static void fuzz_verifier(const uint8_t *data, size_t size)
{
	pl_verifier v;
	if (pl_verifier_parse((const char *)data, size, &v) != PL_OK)
		return;
	FZ_CHECK(v.type == PL_SIGTYPE_ED25519 || v.type == PL_SIGTYPE_COSIG);
	FZ_CHECK(v.id == pl_key_id(v.name, strlen(v.name), v.type, v.pk));
	pl_buf b;
	pl_buf_init(&b, PL_VKEY_MAX + 1);
	FZ_CHECK(pl_verifier_format(&v, &b) == PL_OK);
	FZ_CHECK(fz_same(&b, data, size)); /* canonical: formats back byte for byte */
	pl_buf_release(&b);
}

static void fuzz_signer(const uint8_t *data, size_t size)
{
	pl_signer *s = NULL;
	int rc = pl_signer_parse(data, size, &s);
	if (rc != PL_OK) {
		FZ_CHECK(s == NULL);
		return;
	}
	FZ_CHECK(s != NULL);
	FZ_CHECK(s->v.id == pl_key_id(s->v.name, strlen(s->v.name), s->v.type, s->v.pk));
	uint8_t *enc = NULL;
	size_t n = 0;
	FZ_CHECK(pl_signer_encode(s, &enc, &n) == PL_OK);
	FZ_CHECK(n == size && memcmp(enc, data, n) == 0); /* canonical */
	sodium_memzero(enc, n);
	sodium_free(enc);
	pl_signer_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_open(data, size);
	fuzz_verifier(data, size);
	fuzz_signer(data, size);
	return 0;
}
