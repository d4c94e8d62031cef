/* note.c - C2SP signed notes and cosignature/v1 lines. */
#include "tlog/note.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"
#include "base/sha256.h"
#include "base/utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key in a key string: its type byte, then the public key (verifier) or the seed (signer). */
#define KEY_BYTES (1 + PL_ED25519_PK_SIZE)
_Static_assert(PL_ED25519_SEED_SIZE == PL_ED25519_PK_SIZE, "a seed takes the place of a key");

static const char EMDASH_SP[] = "\xe2\x80\x94 "; /* U+2014 and a space */

uint32_t pl_key_id(const char *name, size_t name_len, uint8_t type, const uint8_t pk[PL_ED25519_PK_SIZE])
{
	pl_sha256_ctx c;
	uint8_t sep[2] = {'\n', type};
	uint8_t h[PL_SHA256_SIZE];
	pl_sha256_init(&c);
	pl_sha256_update(&c, name, name_len);
	pl_sha256_update(&c, sep, 2);
	pl_sha256_update(&c, pk, PL_ED25519_PK_SIZE);
	pl_sha256_final(&c, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static bool type_supported(uint8_t t)
{
	return t == PL_SIGTYPE_ED25519 || t == PL_SIGTYPE_COSIG;
}

int pl_verifier_init(pl_verifier *v, const char *name, uint8_t type, const uint8_t pk[PL_ED25519_PK_SIZE])
{
	size_t n = strlen(name);
	if (n > PL_KEYNAME_MAX || !pl_keyname_valid((const uint8_t *)name, n) || !type_supported(type))
		return PL_EFORMAT;
	memcpy(v->name, name, n + 1);
	v->type = type;
	memcpy(v->pk, pk, PL_ED25519_PK_SIZE);
	v->id = pl_key_id(name, n, type, pk);
	return PL_OK;
}

/* Splits "name+hex8+b64" into its parts (name cannot hold '+', b64 can). */
static int split_key(const uint8_t *s, size_t n, pl_span *name, pl_span *hex, pl_span *b64)
{
	const uint8_t *p1 = memchr(s, '+', n);
	if (p1 == NULL)
		return PL_EFORMAT;
	const uint8_t *rest = p1 + 1;
	size_t rn = n - (size_t)(rest - s);
	const uint8_t *p2 = memchr(rest, '+', rn);
	if (p2 == NULL)
		return PL_EFORMAT;
	name->p = s;
	name->n = (size_t)(p1 - s);
	hex->p = rest;
	hex->n = (size_t)(p2 - rest);
	b64->p = p2 + 1;
	b64->n = n - (size_t)(p2 + 1 - s);
	return PL_OK;
}

static int parse_id(pl_span hex, uint32_t *id)
{
	uint8_t b[4];
	if (pl_hex_decode(hex.p, hex.n, b, 4) != PL_OK)
		return PL_EFORMAT;
	*id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return PL_OK;
}

int pl_verifier_parse(const char *vkey, size_t n, pl_verifier *out)
{
	pl_span name, hex, b64;
	if (n > PL_VKEY_MAX || split_key((const uint8_t *)vkey, n, &name, &hex, &b64) != PL_OK)
		return PL_EFORMAT;
	if (name.n > PL_KEYNAME_MAX || !pl_keyname_valid(name.p, name.n))
		return PL_EFORMAT;
	uint32_t id;
	uint8_t key[KEY_BYTES];
	if (parse_id(hex, &id) != PL_OK || pl_b64_decode_exact(b64.p, b64.n, key, KEY_BYTES) != PL_OK)
		return PL_EFORMAT;
	if (!type_supported(key[0]))
		return PL_EFORMAT;
	char nm[PL_KEYNAME_MAX + 1];
	memcpy(nm, name.p, name.n);
	nm[name.n] = '\0';
	pl_verifier v;
	if (pl_verifier_init(&v, nm, key[0], key + 1) != PL_OK || v.id != id)
		return PL_EFORMAT;
	*out = v;
	return PL_OK;
}

int pl_verifier_format(const pl_verifier *v, pl_buf *out)
{
	uint8_t key[KEY_BYTES];
	key[0] = v->type;
	memcpy(key + 1, v->pk, PL_ED25519_PK_SIZE);
	size_t start = out->len;
	int rc = pl_buf_printf(out, "%s+%08x+", v->name, (unsigned)v->id);
	if (rc == PL_OK)
		rc = pl_b64_append(out, key, KEY_BYTES);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_signer_new(const char *name, uint8_t type, const uint8_t *seed, pl_signer **out)
{
	*out = NULL;
	if (sodium_init() < 0)
		return PL_ECRYPTO;
	pl_signer *s = calloc(1, sizeof *s);
	if (s == NULL)
		return PL_ENOMEM;
	s->sk = sodium_malloc(PL_ED25519_SK_SIZE);
	if (s->sk == NULL) {
		free(s);
		return PL_ENOMEM;
	}
	uint8_t pk[PL_ED25519_PK_SIZE];
	int rc;
	if (seed != NULL)
		rc = crypto_sign_seed_keypair(pk, s->sk, seed);
	else
		rc = crypto_sign_keypair(pk, s->sk);
	if (rc != 0) {
		pl_signer_free(s);
		return PL_ECRYPTO;
	}
	rc = pl_verifier_init(&s->v, name, type, pk);
	if (rc != PL_OK) {
		pl_signer_free(s);
		return rc;
	}
	*out = s;
	return PL_OK;
}

int pl_signer_parse(const uint8_t *skey, size_t n, pl_signer **out)
{
	*out = NULL;
	static const char PFX[] = "PRIVATE+KEY+";
	size_t pl = sizeof PFX - 1;
	if (n < pl || n > PL_VKEY_MAX + pl || memcmp(skey, PFX, pl) != 0)
		return PL_EFORMAT;
	pl_span name, hex, b64;
	if (split_key(skey + pl, n - pl, &name, &hex, &b64) != PL_OK)
		return PL_EFORMAT;
	if (name.n > PL_KEYNAME_MAX || !pl_keyname_valid(name.p, name.n))
		return PL_EFORMAT;
	uint32_t id;
	if (parse_id(hex, &id) != PL_OK)
		return PL_EFORMAT;
	uint8_t *key = sodium_malloc(KEY_BYTES);
	if (key == NULL)
		return PL_ENOMEM;
	int rc = pl_b64_decode_exact(b64.p, b64.n, key, KEY_BYTES);
	if (rc == PL_OK && !type_supported(key[0]))
		rc = PL_EFORMAT;
	char nm[PL_KEYNAME_MAX + 1];
	memcpy(nm, name.p, name.n);
	nm[name.n] = '\0';
	pl_signer *s = NULL;
	if (rc == PL_OK)
		rc = pl_signer_new(nm, key[0], key + 1, &s);
	if (rc == PL_OK && s->v.id != id) {
		pl_signer_free(s);
		s = NULL;
		rc = PL_EFORMAT;
	}
	sodium_memzero(key, KEY_BYTES);
	sodium_free(key);
	*out = s;
	return rc;
}

int pl_signer_encode(const pl_signer *s, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	size_t namelen = strlen(s->v.name);
	size_t cap = 12 + namelen + 1 + 8 + 1 + pl_b64_len(KEY_BYTES) + 1;
	uint8_t *key = sodium_malloc(KEY_BYTES);
	char *buf = sodium_malloc(cap);
	if (key == NULL || buf == NULL) {
		if (key)
			sodium_free(key);
		if (buf)
			sodium_free(buf);
		return PL_ENOMEM;
	}
	key[0] = s->v.type;
	memcpy(key + 1, s->sk, PL_ED25519_SEED_SIZE); /* libsodium's secret key starts with the seed */
	int w = snprintf(buf, cap, "PRIVATE+KEY+%s+%08x+", s->v.name, (unsigned)s->v.id);
	pl_b64_encode(key, KEY_BYTES, buf + w);
	sodium_memzero(key, KEY_BYTES);
	sodium_free(key);
	*out = (uint8_t *)buf;
	*outlen = strlen(buf);
	return PL_OK;
}

void pl_signer_free(pl_signer *s)
{
	if (s == NULL)
		return;
	if (s->sk != NULL)
		sodium_free(s->sk); /* sodium_free wipes before unmapping */
	free(s);
}

/* The message a signature of this type covers, written into msg. */
static int signed_message(uint8_t type, const uint8_t *text, size_t n, uint64_t timestamp, pl_buf *msg)
{
	if (type == PL_SIGTYPE_COSIG) {
		int rc = pl_buf_printf(msg, "cosignature/v1\ntime %llu\n", (unsigned long long)timestamp);
		if (rc != PL_OK)
			return rc;
	}
	return pl_buf_append(msg, text, n);
}

int pl_note_sign_line(const pl_signer *s, const uint8_t *text, size_t n, uint64_t timestamp, pl_buf *out)
{
	if (n == 0 || text[n - 1] != '\n' || n > PL_NOTE_MAX)
		return PL_EINVAL;
	if (s->v.type == PL_SIGTYPE_COSIG && timestamp > PL_COSIG_TIME_MAX)
		return PL_EINVAL;
	pl_buf msg;
	pl_buf_init(&msg, PL_NOTE_MAX + 64);
	uint8_t sig[4 + 8 + PL_ED25519_SIG_SIZE]; /* key id, timestamp (cosignatures only), signature */
	size_t off = 0;
	int rc = signed_message(s->v.type, text, n, timestamp, &msg);
	if (rc != PL_OK)
		goto out;
	sig[off++] = (uint8_t)(s->v.id >> 24);
	sig[off++] = (uint8_t)(s->v.id >> 16);
	sig[off++] = (uint8_t)(s->v.id >> 8);
	sig[off++] = (uint8_t)s->v.id;
	if (s->v.type == PL_SIGTYPE_COSIG) {
		for (int i = 7; i >= 0; i--)
			sig[off++] = (uint8_t)(timestamp >> (8 * i));
	}
	if (crypto_sign_detached(sig + off, NULL, msg.data, msg.len, s->sk) != 0) {
		rc = PL_ECRYPTO;
		goto out;
	}
	off += PL_ED25519_SIG_SIZE;
	size_t start = out->len;
	rc = pl_buf_puts(out, EMDASH_SP);
	if (rc == PL_OK)
		rc = pl_buf_puts(out, s->v.name);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, ' ');
	if (rc == PL_OK)
		rc = pl_b64_append(out, sig, off);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
out:
	pl_buf_release(&msg);
	return rc;
}

int pl_note_sign(const pl_signer *s, const uint8_t *text, size_t n, pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_append(out, text, n);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc == PL_OK)
		rc = pl_note_sign_line(s, text, n, 0, out);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

/* Finds the last "\n\n" in msg; returns its offset or -1. */
static long last_blank(const uint8_t *msg, size_t n)
{
	for (size_t i = n; i >= 2; i--)
		if (msg[i - 1] == '\n' && msg[i - 2] == '\n')
			return (long)(i - 2);
	return -1;
}

static int verify_sig(const pl_verifier *v, const uint8_t *text, size_t n, const uint8_t *sig, size_t siglen,
		      uint64_t *timestamp)
{
	*timestamp = 0;
	if (v->type == PL_SIGTYPE_COSIG) {
		if (siglen != 8 + PL_ED25519_SIG_SIZE)
			return PL_EVERIFY;
		uint64_t t = 0;
		for (int i = 0; i < 8; i++)
			t = t << 8 | sig[i];
		if (t > PL_COSIG_TIME_MAX)
			return PL_EVERIFY;
		*timestamp = t;
		sig += 8;
		siglen -= 8;
	}
	if (siglen != PL_ED25519_SIG_SIZE)
		return PL_EVERIFY;
	pl_buf msg;
	pl_buf_init(&msg, PL_NOTE_MAX + 64);
	int rc = signed_message(v->type, text, n, *timestamp, &msg);
	if (rc == PL_OK && crypto_sign_verify_detached(sig, msg.data, msg.len, v->pk) != 0)
		rc = PL_EVERIFY;
	pl_buf_release(&msg);
	return rc;
}

int pl_note_open(const uint8_t *msg, size_t n, const pl_verifier *vs, size_t nv, pl_note *out)
{
	memset(out, 0, sizeof *out);
	if (n > PL_NOTE_MAX)
		return PL_ETOOBIG;
	/* valid UTF-8, no control characters but newline */
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = pl_utf8_decode(msg + i, n - i, &cp);
		if (k == 0 || (cp < 0x20 && cp != '\n') || cp == 0x7f)
			return PL_EFORMAT;
		i += k;
	}
	long split = last_blank(msg, n);
	if (split < 0)
		return PL_EFORMAT;
	out->text.p = msg;
	out->text.n = (size_t)split + 1;
	out->sigs.p = msg + split + 2;
	out->sigs.n = n - (size_t)split - 2;
	if (out->sigs.n == 0)
		return PL_EFORMAT;

	pl_cursor c = pl_cursor_of(out->sigs);
	bool failed = false;
	while (!pl_cursor_done(&c)) {
		pl_span line, rest;
		if (pl_cursor_line(&c, &line) != PL_OK)
			return PL_EFORMAT;
		if (!pl_span_cut_prefix(line, EMDASH_SP, &rest))
			return PL_EFORMAT;
		const uint8_t *sp = memchr(rest.p, ' ', rest.n);
		if (sp == NULL)
			return PL_EFORMAT;
		size_t namelen = (size_t)(sp - rest.p);
		const uint8_t *b64 = sp + 1;
		size_t b64len = rest.n - namelen - 1;
		if (namelen > PL_KEYNAME_MAX || !pl_keyname_valid(rest.p, namelen))
			return PL_EFORMAT;
		if (++out->nsigs > PL_NOTE_SIGS_MAX)
			return PL_ETOOBIG;
		/* Any signature, of any type and size, must be canonical base64. */
		size_t siglen;
		uint8_t *sig = malloc(b64len / 4 * 3 + 1);
		if (sig == NULL)
			return PL_ENOMEM;
		int rc = pl_b64_decode(b64, b64len, sig, b64len / 4 * 3, &siglen);
		if (rc != PL_OK || siglen < 5) {
			free(sig);
			return PL_EFORMAT;
		}
		uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
		for (size_t vi = 0; vi < nv; vi++) {
			const pl_verifier *v = &vs[vi];
			if (v->id != id || strlen(v->name) != namelen || memcmp(v->name, rest.p, namelen) != 0)
				continue;
			uint64_t ts;
			/* a known key's signature of the wrong size fails to verify; running
			 * out of memory building the signed message is not a bad signature */
			int vrc = verify_sig(v, out->text.p, out->text.n, sig + 4, siglen - 4, &ts);
			if (vrc == PL_ENOMEM) {
				free(sig);
				return PL_ENOMEM;
			}
			if (vrc != PL_OK) {
				failed = true;
				break;
			}
			if (!pl_note_signed_by(out, vi)) {
				pl_note_sig *s = &out->verified[out->nverified++];
				s->verifier = vi;
				s->timestamp = ts;
				s->line = line;
			}
			break;
		}
		free(sig);
	}
	if (failed)
		return PL_EVERIFY;
	if (out->nverified == 0)
		return PL_ENOKEY;
	return PL_OK;
}

bool pl_note_signed_by(const pl_note *note, size_t vi)
{
	for (size_t i = 0; i < note->nverified; i++)
		if (note->verified[i].verifier == vi)
			return true;
	return false;
}
