/*
 * party.h - parties: their names, their keys, their public identities.
 *
 * A party (a CERT, a point of contact) has a name such as "cert.example-a"
 * (1-64 bytes of a-z, 0-9, '.', '-', starting and ending with a letter or
 * digit), an Ed25519 key that signs its statements, and an X25519 key others
 * encrypt to.
 *
 * Secret key file (mode 0600; text, read into sodium_malloc memory):
 *   parley-secret-key/v1
 *   party <name>
 *   secret <base64(ed25519 seed(32) || x25519 secret(32))>
 * or, protected by a passphrase (Argon2id through crypto_pwhash, then
 * XSalsa20-Poly1305 secretbox):
 *   parley-secret-key/v1
 *   party <name>
 *   argon2id <opslimit> <memlimit> <base64 salt(16)>
 *   sealed <base64(nonce(24) || secretbox(seed || x25519 secret))>
 *
 * Public identity file (JSON, handed to others):
 *   {"parley":"identity/v1","party":NAME,"sign":B64(ed25519 pk),
 *    "box":B64(x25519 pk),"proof":B64(sig)}
 * where proof is the Ed25519 signature, by the sign key, of
 *   "parley identity v1\n" NAME "\n" B64(sign) "\n" B64(box) "\n"
 * (proof that the party holds the key it names).
 */
#ifndef PARLEY_STATEMENT_PARTY_H
#define PARLEY_STATEMENT_PARTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/refusal.h"
#include "base/sizes.h"

#define PL_PARTY_MAX 64
#define PL_SECRET_FILE_MAX 1024
#define PL_IDENTITY_MAX 1024

typedef struct pl_identity {
	char party[PL_PARTY_MAX + 1];        /* the party's name */
	uint8_t sign_pk[PL_ED25519_PK_SIZE]; /* Ed25519 public key */
	uint8_t box_pk[PL_X25519_PK_SIZE];   /* X25519 public key */
	uint8_t proof[PL_ED25519_SIG_SIZE];  /* self-signature (see above) */
} pl_identity;

typedef struct pl_party_key {
	pl_identity id;   /* the public half */
	uint8_t *secret;  /* sodium_malloc: ed25519 sk (PL_ED25519_SK_SIZE) || x25519 sk (PL_X25519_SK_SIZE) */
} pl_party_key;

/* Where the X25519 secret key starts in a pl_party_key's secret. */
#define PL_PARTY_BOX_SK PL_ED25519_SK_SIZE

/*
 * The secret keys a party may open sealed material with (evidence blobs,
 * statement bodies): its current key and the keys it had before rotations
 * (material is sealed to the X25519 key the party had when it was sealed).
 * All keys name the same party; the keys are borrowed.
 */
#define PL_KEYRING_MAX 16
typedef struct pl_keyring {
	const pl_party_key *keys[PL_KEYRING_MAX];
	size_t n;
} pl_keyring;

/* True if name is a valid party name. */
bool pl_party_name_valid(const char *name, size_t n);

/*
 * The skeleton of a party name, what a reader might take it for: ASCII case
 * folded, '.', '-' and '_' removed, the look-alikes 0 -> o, 1 and i -> l,
 * 5 -> s, 2 -> z, then "rn" -> m and "vv" -> w (left to right). Two names
 * with the same skeleton are confusable ("cert-a", "cert.a", "certa";
 * "cert.b1" and "cert.bl"; "corn" and "com"). Writes at most
 * PL_PARTY_MAX bytes and a NUL into out (a longer name is cut).
 */
void pl_party_skeleton(const char *name, char out[PL_PARTY_MAX + 1]);

/* True if a and b are different names with the same skeleton. */
bool pl_party_confusable(const char *a, const char *b);

/* Creates a new party key with fresh random keys. Free with pl_party_key_free. */
int pl_party_key_generate(const char *party, pl_party_key **out, pl_diag *d) __attribute__((warn_unused_result));

/* Creates a party key from an Ed25519 seed and an X25519 secret key (tests and known-answer vectors). */
int pl_party_key_from_seeds(const char *party, const uint8_t sign_seed[PL_ED25519_SEED_SIZE],
			    const uint8_t box_secret[PL_X25519_SK_SIZE], pl_party_key **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* Wipes and frees; NULL is fine. */
void pl_party_key_free(pl_party_key *k);

/*
 * Writes k's secret key file at path (must not exist; mode 0600). With a
 * non-NULL passphrase the secret is sealed under Argon2id (moderate limits).
 */
int pl_party_key_save(const pl_party_key *k, const char *path, const char *passphrase, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Loads a secret key file (refused when group/other can read it, PL_EPERM).
 * passphrase is needed for a sealed file (PL_ENOKEY when missing or wrong).
 */
int pl_party_key_load(const char *path, const char *passphrase, pl_party_key **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* True if a key file at path is sealed with a passphrase. */
bool pl_party_key_is_sealed(const char *path);

/* Signs msg with the party's Ed25519 key. */
int pl_party_sign(const pl_party_key *k, const uint8_t *msg, size_t n, uint8_t sig[PL_ED25519_SIG_SIZE])
	__attribute__((warn_unused_result));

/* Appends the identity as JSON (the public identity file). */
int pl_identity_format(const pl_identity *id, pl_buf *out) __attribute__((warn_unused_result));

/* Parses and checks an identity document (fields, sizes, name, self-signature).
 * PL_EFORMAT if malformed, PL_EVERIFY if the proof does not verify. */
int pl_identity_parse(const uint8_t *p, size_t n, pl_identity *out, pl_diag *d) __attribute__((warn_unused_result));

/* The same from an already parsed JSON object. */
int pl_identity_from_json(const json_t *v, pl_identity *out, pl_diag *d) __attribute__((warn_unused_result));

/* Checks the proof of an identity built from parts. PL_OK or PL_EVERIFY. */
int pl_identity_check(const pl_identity *id) __attribute__((warn_unused_result));

/*
 * The message a party signs to read or write a blob of the log named origin
 * (docs/api.md):
 *   "parley.blob/v2\n" ORIGIN "\n" METHOD "\n" SHA256HEX "\n" TIME "\n"
 * appended to out. The origin binds the signature to one log: a request
 * signed for one log does not verify on another (version 1, without it, is
 * no longer accepted).
 */
int pl_blob_auth_message(const char *origin, const char *method, const char *hex, const char *time, pl_buf *out)
	__attribute__((warn_unused_result));

/* How far a signed blob request's Parley-Time may be from the server's clock, in seconds. */
#define PL_BLOB_AUTH_SKEW 300

/*
 * Checks a members-only blob request to the log named origin: party signed
 * pl_blob_auth_message(origin, method, hex, time) with sig64 (base64 of 64 bytes)
 * under pk, its current key (NULL when party is not an active member), at a
 * time within PL_BLOB_AUTH_SKEW of now. PL_OK, or PL_EREFUSED with r filled
 * (unauthenticated: a header is missing or the time is off; not_member;
 * bad_signature), or PL_ENOMEM. Any of party, time, sig64 may be NULL
 * (missing).
 */
int pl_blob_auth_check(const char *origin, const char *method, const char *hex, const char *party, const char *time,
		       const char *sig64, const uint8_t *pk, int64_t now, pl_refusal *r) __attribute__((warn_unused_result));

/* Loads an identity file. */
int pl_identity_load(const char *path, pl_identity *out, pl_diag *d) __attribute__((warn_unused_result));

#endif
