/* party.c - party keys, secret key files and identity documents. */
#include "statement/party.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/fsio.h"
#include "base/json.h"
#include "base/timefmt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_BYTES (PL_PARTY_BOX_SK + PL_X25519_SK_SIZE)     /* k->secret: ed25519 sk || x25519 sk */
#define SEED_BYTES (PL_ED25519_SEED_SIZE + PL_X25519_SK_SIZE) /* what the file stores: ed25519 seed || x25519 secret */

bool pl_party_name_valid(const char *name, size_t n)
{
	if (n == 0 || n > PL_PARTY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !((c == '.' || c == '-') && i > 0 && i < n - 1))
			return false;
	}
	return true;
}

void pl_party_skeleton(const char *name, char out[PL_PARTY_MAX + 1])
{
	char folded[PL_PARTY_MAX + 1];
	size_t n = 0;
	for (const char *c = name; *c && n < PL_PARTY_MAX; c++) {
		char x = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
		if (x == '.' || x == '-' || x == '_')
			continue;
		static const char from[] = "01i52", to[] = "ollsz";
		const char *f = strchr(from, x);
		folded[n++] = f != NULL ? to[f - from] : x;
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && ((folded[i] == 'r' && folded[i + 1] == 'n') || (folded[i] == 'v' && folded[i + 1] == 'v'))) {
			out[w++] = folded[i] == 'r' ? 'm' : 'w';
			i++;
		} else {
			out[w++] = folded[i];
		}
	}
	out[w] = '\0';
}

bool pl_party_confusable(const char *a, const char *b)
{
	char sa[PL_PARTY_MAX + 1], sb[PL_PARTY_MAX + 1];
	if (strcmp(a, b) == 0)
		return false;
	pl_party_skeleton(a, sa);
	pl_party_skeleton(b, sb);
	return strcmp(sa, sb) == 0;
}

static void identity_message(const pl_identity *id, pl_buf *msg, int *rc)
{
	char s[PL_ED25519_PK_B64_LEN + 1], b[PL_X25519_PK_B64_LEN + 1];
	pl_b64_encode(id->sign_pk, PL_ED25519_PK_SIZE, s);
	pl_b64_encode(id->box_pk, PL_X25519_PK_SIZE, b);
	*rc = pl_buf_printf(msg, "parley identity v1\n%s\n%s\n%s\n", id->party, s, b);
}

static int make_key(const char *party, const uint8_t *seed64, pl_party_key **out, pl_diag *d)
{
	*out = NULL;
	size_t n = strlen(party);
	if (!pl_party_name_valid(party, n))
		return pl_diag_set(d, PL_EINVAL,
				   "\"%s\" is not a valid party name: 1-64 of a-z 0-9 . - (not at either end)", party);
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	pl_party_key *k = calloc(1, sizeof *k);
	if (k == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	k->secret = sodium_malloc(SECRET_BYTES);
	if (k->secret == NULL) {
		free(k);
		return pl_diag_set(d, PL_ENOMEM, "out of secure memory");
	}
	memcpy(k->id.party, party, n + 1);
	crypto_sign_seed_keypair(k->id.sign_pk, k->secret, seed64);
	memcpy(k->secret + PL_PARTY_BOX_SK, seed64 + PL_ED25519_SEED_SIZE, PL_X25519_SK_SIZE);
	crypto_scalarmult_base(k->id.box_pk, k->secret + PL_PARTY_BOX_SK);
	pl_buf msg;
	pl_buf_init(&msg, 512);
	int rc;
	identity_message(&k->id, &msg, &rc);
	if (rc == PL_OK)
		crypto_sign_detached(k->id.proof, NULL, msg.data, msg.len, k->secret);
	pl_buf_release(&msg);
	if (rc != PL_OK) {
		pl_party_key_free(k);
		return pl_diag_set(d, rc, "out of memory");
	}
	*out = k;
	return PL_OK;
}

int pl_party_key_generate(const char *party, pl_party_key **out, pl_diag *d)
{
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	uint8_t *seed = sodium_malloc(SEED_BYTES);
	if (seed == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of secure memory");
	randombytes_buf(seed, SEED_BYTES);
	int rc = make_key(party, seed, out, d);
	sodium_free(seed);
	return rc;
}

int pl_party_key_from_seeds(const char *party, const uint8_t sign_seed[PL_ED25519_SEED_SIZE],
			    const uint8_t box_secret[PL_X25519_SK_SIZE], pl_party_key **out, pl_diag *d)
{
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	uint8_t *seed = sodium_malloc(SEED_BYTES);
	if (seed == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of secure memory");
	memcpy(seed, sign_seed, PL_ED25519_SEED_SIZE);
	memcpy(seed + PL_ED25519_SEED_SIZE, box_secret, PL_X25519_SK_SIZE);
	int rc = make_key(party, seed, out, d);
	sodium_free(seed);
	return rc;
}

void pl_party_key_free(pl_party_key *k)
{
	if (k == NULL)
		return;
	if (k->secret)
		sodium_free(k->secret);
	free(k);
}

/* The SEED_BYTES a key file protects: ed25519 seed || x25519 secret. */
static void seed_of(const pl_party_key *k, uint8_t *seed64)
{
	memcpy(seed64, k->secret, PL_ED25519_SEED_SIZE); /* libsodium's ed25519 sk starts with the seed */
	memcpy(seed64 + PL_ED25519_SEED_SIZE, k->secret + PL_PARTY_BOX_SK, PL_X25519_SK_SIZE);
}

int pl_party_key_save(const pl_party_key *k, const char *path, const char *passphrase, pl_diag *d)
{
	size_t cap = 512;
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	char *text = sodium_malloc(cap);
	uint8_t *seed = sodium_malloc(SEED_BYTES);
	uint8_t *key = sodium_malloc(crypto_secretbox_KEYBYTES);
	uint8_t *sealed = sodium_malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SEED_BYTES);
	char *b64 = sodium_malloc(256);
	int rc = PL_OK;
	if (!text || !seed || !key || !sealed || !b64) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of secure memory");
		goto out;
	}
	seed_of(k, seed);
	int w;
	if (passphrase == NULL) {
		pl_b64_encode(seed, SEED_BYTES, b64);
		w = snprintf(text, cap, "parley-secret-key/v1\nparty %s\nsecret %s\n", k->id.party, b64);
	} else {
		uint8_t salt[crypto_pwhash_SALTBYTES];
		unsigned long long ops = crypto_pwhash_OPSLIMIT_MODERATE;
		size_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
		randombytes_buf(salt, sizeof salt);
		if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase, strlen(passphrase), salt, ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			rc = pl_diag_set(d, PL_ENOMEM, "Argon2id needs %zu MiB of memory", mem >> 20);
			goto out;
		}
		randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
		crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, seed, SEED_BYTES, sealed, key);
		char saltb64[32];
		pl_b64_encode(salt, sizeof salt, saltb64);
		pl_b64_encode(sealed, crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SEED_BYTES, b64);
		w = snprintf(text, cap, "parley-secret-key/v1\nparty %s\nargon2id %llu %zu %s\nsealed %s\n",
			     k->id.party, ops, mem, saltb64, b64);
	}
	if (w < 0 || (size_t)w >= cap) {
		rc = pl_diag_set(d, PL_EINVAL, "key file too long");
		goto out;
	}
	rc = pl_fs_write_secret(path, text, (size_t)w, d);
out:
	if (text)
		sodium_free(text);
	if (seed)
		sodium_free(seed);
	if (key)
		sodium_free(key);
	if (sealed)
		sodium_free(sealed);
	if (b64)
		sodium_free(b64);
	return rc;
}

/* Splits "word rest" lines of the key file. */
static bool field(pl_cursor *c, const char *word, pl_span *rest)
{
	pl_span line;
	char pfx[32];
	snprintf(pfx, sizeof pfx, "%s ", word);
	return pl_cursor_line(c, &line) == PL_OK && pl_span_cut_prefix(line, pfx, rest) && rest->n > 0;
}

int pl_party_key_load(const char *path, const char *passphrase, pl_party_key **out, pl_diag *d)
{
	*out = NULL;
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	uint8_t *file = NULL, *seed = NULL, *key = NULL, *sealed = NULL;
	size_t n = 0;
	int rc = pl_fs_read_secret(path, PL_SECRET_FILE_MAX, &file, &n, d);
	if (rc != PL_OK)
		return rc;
	seed = sodium_malloc(SEED_BYTES);
	key = sodium_malloc(crypto_secretbox_KEYBYTES);
	sealed = sodium_malloc(256);
	if (!seed || !key || !sealed) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of secure memory");
		goto out;
	}
	pl_span all = {file, n}, line, party, rest;
	pl_cursor c = pl_cursor_of(all);
	if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_eq(line, "parley-secret-key/v1") ||
	    !field(&c, "party", &party) || !pl_party_name_valid((const char *)party.p, party.n))
		goto bad;
	char name[PL_PARTY_MAX + 1];
	memcpy(name, party.p, party.n);
	name[party.n] = '\0';
	pl_cursor save = c;
	if (field(&c, "secret", &rest)) {
		if (pl_b64_decode_exact(rest.p, rest.n, seed, SEED_BYTES) != PL_OK || !pl_cursor_done(&c))
			goto bad;
	} else {
		c = save;
		if (!field(&c, "argon2id", &rest))
			goto bad;
		unsigned long long ops;
		size_t mem;
		char saltb64[32];
		char params[128];
		if (rest.n >= sizeof params)
			goto bad;
		memcpy(params, rest.p, rest.n);
		params[rest.n] = '\0';
		uint8_t salt[crypto_pwhash_SALTBYTES];
		if (sscanf(params, "%llu %zu %31s", &ops, &mem, saltb64) != 3 ||
		    pl_b64_decode_exact((const uint8_t *)saltb64, strlen(saltb64), salt, sizeof salt) != PL_OK ||
		    ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
		    mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
			goto bad;
		size_t sealed_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SEED_BYTES;
		if (!field(&c, "sealed", &rest) || pl_b64_decode_exact(rest.p, rest.n, sealed, sealed_len) != PL_OK ||
		    !pl_cursor_done(&c))
			goto bad;
		if (passphrase == NULL) {
			rc = pl_diag_set(d, PL_ENOKEY, "%s is protected by a passphrase", path);
			goto out;
		}
		if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase, strlen(passphrase), salt, ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			rc = pl_diag_set(d, PL_ENOMEM, "Argon2id needs %zu MiB of memory", mem >> 20);
			goto out;
		}
		if (crypto_secretbox_open_easy(seed, sealed + crypto_secretbox_NONCEBYTES,
					       sealed_len - crypto_secretbox_NONCEBYTES, sealed, key) != 0) {
			rc = pl_diag_set(d, PL_ENOKEY, "wrong passphrase for %s", path);
			goto out;
		}
	}
	rc = make_key(name, seed, out, d);
	goto out;
bad:
	rc = pl_diag_set(d, PL_EFORMAT, "%s is not a Parley secret key file", path);
out:
	sodium_free(file);
	if (seed)
		sodium_free(seed);
	if (key)
		sodium_free(key);
	if (sealed)
		sodium_free(sealed);
	return rc;
}

bool pl_party_key_is_sealed(const char *path)
{
	uint8_t *file = NULL;
	size_t n = 0;
	if (pl_fs_read_secret(path, PL_SECRET_FILE_MAX, &file, &n, NULL) != PL_OK)
		return false;
	pl_span s = {file, n};
	bool sealed = false;
	for (size_t i = 0; i + 9 <= s.n; i++)
		if (memcmp(s.p + i, "\nargon2id", 9) == 0)
			sealed = true;
	sodium_free(file);
	return sealed;
}

int pl_party_sign(const pl_party_key *k, const uint8_t *msg, size_t n, uint8_t sig[PL_ED25519_SIG_SIZE])
{
	return crypto_sign_detached(sig, NULL, msg, n, k->secret) == 0 ? PL_OK : PL_ECRYPTO;
}

int pl_identity_format(const pl_identity *id, pl_buf *out)
{
	char s[PL_ED25519_PK_B64_LEN + 1], b[PL_X25519_PK_B64_LEN + 1], p[PL_ED25519_SIG_B64_LEN + 1];
	pl_b64_encode(id->sign_pk, PL_ED25519_PK_SIZE, s);
	pl_b64_encode(id->box_pk, PL_X25519_PK_SIZE, b);
	pl_b64_encode(id->proof, PL_ED25519_SIG_SIZE, p);
	return pl_buf_printf(out,
			     "{\"parley\":\"identity/v1\",\"party\":\"%s\",\"sign\":\"%s\",\"box\":\"%s\",\"proof\":\"%s\"}\n",
			     id->party, s, b, p);
}

int pl_identity_check(const pl_identity *id)
{
	if (sodium_init() < 0)
		return PL_ECRYPTO;
	pl_buf msg;
	pl_buf_init(&msg, 512);
	int rc;
	identity_message(id, &msg, &rc);
	if (rc == PL_OK && crypto_sign_verify_detached(id->proof, msg.data, msg.len, id->sign_pk) != 0)
		rc = PL_EVERIFY;
	pl_buf_release(&msg);
	return rc;
}

int pl_identity_from_json(const json_t *v, pl_identity *out, pl_diag *d)
{
	static const char *const keys[] = {"parley", "party", "sign", "box", "proof", NULL};
	const char *magic, *party;
	pl_identity id;
	memset(&id, 0, sizeof id);
	int rc;
	if ((rc = pl_json_keys(v, keys, keys, "identity", d)) != PL_OK ||
	    (rc = pl_json_str(v, "parley", 32, &magic, d)) != PL_OK ||
	    (rc = pl_json_str(v, "party", PL_PARTY_MAX, &party, d)) != PL_OK ||
	    (rc = pl_json_b64(v, "sign", id.sign_pk, PL_ED25519_PK_SIZE, d)) != PL_OK ||
	    (rc = pl_json_b64(v, "box", id.box_pk, PL_X25519_PK_SIZE, d)) != PL_OK ||
	    (rc = pl_json_b64(v, "proof", id.proof, PL_ED25519_SIG_SIZE, d)) != PL_OK)
		return rc;
	if (strcmp(magic, "identity/v1") != 0)
		return pl_diag_set(d, PL_EFORMAT, "not a Parley identity/v1 document");
	if (!pl_party_name_valid(party, strlen(party)))
		return pl_diag_set(d, PL_EFORMAT, "\"%s\" is not a valid party name", party);
	strcpy(id.party, party);
	int crc = pl_identity_check(&id);
	if (crc == PL_ENOMEM || crc == PL_ECRYPTO)
		return pl_diag_set(d, crc, "checking the identity of %s: %s", party, pl_strerror(crc));
	if (crc != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the identity of %s has a proof that does not verify: it was not "
				   "made with the key it names", party);
	*out = id;
	return PL_OK;
}

int pl_identity_parse(const uint8_t *p, size_t n, pl_identity *out, pl_diag *d)
{
	json_t *v = NULL;
	int rc = pl_json_parse(p, n, PL_IDENTITY_MAX, &v, d);
	if (rc == PL_OK)
		rc = pl_identity_from_json(v, out, d);
	json_decref(v);
	return rc;
}

int pl_identity_load(const char *path, pl_identity *out, pl_diag *d)
{
	pl_buf b;
	pl_buf_init(&b, PL_IDENTITY_MAX);
	int rc = pl_fs_read(path, PL_IDENTITY_MAX, &b, d);
	if (rc == PL_OK)
		rc = pl_identity_parse(b.data, b.len, out, d);
	pl_buf_release(&b);
	return rc;
}

int pl_blob_auth_message(const char *origin, const char *method, const char *hex, const char *time, pl_buf *out)
{
	return pl_buf_printf(out, "parley.blob/v2\n%s\n%s\n%s\n%s\n", origin, method, hex, time);
}

int pl_blob_auth_check(const char *origin, const char *method, const char *hex, const char *party, const char *time,
		       const char *sig64, const uint8_t *pk, int64_t now, pl_refusal *r)
{
	if (party == NULL || time == NULL || sig64 == NULL)
		return pl_refuse(r, PL_R_UNAUTHENTICATED,
				 "blobs are for members: sign the request (Parley-Party, Parley-Time, Parley-Signature)");
	int64_t when;
	if (pl_time_parse(time, strlen(time), &when) != PL_OK || when - now > PL_BLOB_AUTH_SKEW ||
	    now - when > PL_BLOB_AUTH_SKEW)
		return pl_refuse(r, PL_R_UNAUTHENTICATED, "Parley-Time must be the current UTC time to the second");
	if (pk == NULL)
		return pl_refuse(r, PL_R_NOT_MEMBER, "%.64s is not an active member", party);
	uint8_t sig[PL_ED25519_SIG_SIZE];
	pl_buf m;
	pl_buf_init(&m, 512);
	int rc = pl_blob_auth_message(origin, method, hex, time, &m);
	if (rc == PL_OK && (pl_b64_decode_exact((const uint8_t *)sig64, strlen(sig64), sig, sizeof sig) != PL_OK ||
			    crypto_sign_verify_detached(sig, m.data, m.len, pk) != 0))
		rc = pl_refuse(r, PL_R_REQUEST_BAD_SIGNATURE,
			       "the request signature does not verify under %.64s's key (parley.blob/v2 for the log %.128s)",
			       party, origin);
	pl_buf_release(&m);
	return rc;
}
