/*
 * note.h - C2SP signed notes with Ed25519 (type 0x01) and timestamped
 * Ed25519 cosignatures (type 0x04, C2SP tlog-cosignature, cosignature/v1).
 *
 * Keys: a verifier key string is "name+hex8(key id)+base64(type || pk)"; a
 * signer key string is "PRIVATE+KEY+name+hex8+base64(type || seed)" (the same
 * encodings as Go's golang.org/x/mod/sumdb/note). The key id is
 * SHA-256(name || 0x0A || type || pk)[:4], big-endian.
 *
 * Opening a note (pl_note_open) follows the spec: at most PL_NOTE_SIGS_MAX
 * signatures (the spec asks for at least 16), signatures by unknown keys are
 * ignored, every signature by a known key is verified and a single bad one
 * rejects the whole note, and at least one known signature must verify.
 * Secret keys live in sodium_malloc memory and are wiped on free.
 */
#ifndef PARLEY_TLOG_NOTE_H
#define PARLEY_TLOG_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/sizes.h"

#define PL_NOTE_MAX (128 * 1024) /* bytes in a whole signed note */
#define PL_NOTE_SIGS_MAX 100     /* signature lines in one note */
#define PL_KEYNAME_MAX 255       /* bytes in a key name */
#define PL_SIGTYPE_ED25519 0x01
#define PL_SIGTYPE_COSIG 0x04
#define PL_VKEY_MAX (PL_KEYNAME_MAX + 64) /* longest verifier key string */
#define PL_COSIG_TIME_MAX ((uint64_t)INT64_MAX)

typedef struct pl_verifier {
	char name[PL_KEYNAME_MAX + 1]; /* key name, NUL-terminated */
	uint32_t id;                   /* key id as computed from name, type and pk */
	uint8_t type;                  /* PL_SIGTYPE_ED25519 or PL_SIGTYPE_COSIG */
	uint8_t pk[PL_ED25519_PK_SIZE]; /* Ed25519 public key */
} pl_verifier;

typedef struct pl_signer {
	pl_verifier v; /* the public half */
	uint8_t *sk;   /* libsodium secret key (seed || pk), sodium_malloc'd */
} pl_signer;

/* SHA-256(name || 0x0A || type || pk)[:4] as a big-endian integer. */
uint32_t pl_key_id(const char *name, size_t name_len, uint8_t type, const uint8_t pk[PL_ED25519_PK_SIZE]);

/* Fills v from its parts, computing the key id. PL_EFORMAT for a bad name. */
int pl_verifier_init(pl_verifier *v, const char *name, uint8_t type, const uint8_t pk[PL_ED25519_PK_SIZE])
	__attribute__((warn_unused_result));

/* Parses a verifier key string. PL_EFORMAT if malformed, non-canonical, of an
 * unsupported type, or if the key id does not match the key. */
int pl_verifier_parse(const char *vkey, size_t n, pl_verifier *out) __attribute__((warn_unused_result));

/* Appends the verifier key string of v to out. */
int pl_verifier_format(const pl_verifier *v, pl_buf *out) __attribute__((warn_unused_result));

/* Creates a signer from a seed of PL_ED25519_SEED_SIZE bytes, or a random one when seed is NULL.
 * The caller frees it with pl_signer_free. */
int pl_signer_new(const char *name, uint8_t type, const uint8_t *seed, pl_signer **out)
	__attribute__((warn_unused_result));

/* Parses a "PRIVATE+KEY+..." string into a new signer. PL_EFORMAT if malformed. */
int pl_signer_parse(const uint8_t *skey, size_t n, pl_signer **out) __attribute__((warn_unused_result));

/* Encodes the signer key string into sodium_malloc memory (*out, NUL-terminated,
 * length *outlen). The caller wipes and frees it with sodium_free. */
int pl_signer_encode(const pl_signer *s, uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));

/* Wipes and frees a signer; NULL is fine. */
void pl_signer_free(pl_signer *s);

/*
 * Appends the signature line "— name base64(...)\n" of s over the note text
 * text[0..n) to out. For a cosigner (type 0x04) the line carries timestamp and
 * signs "cosignature/v1\ntime <timestamp>\n" || text; otherwise timestamp is
 * ignored. The text must end in a newline.
 */
int pl_note_sign_line(const pl_signer *s, const uint8_t *text, size_t n, uint64_t timestamp, pl_buf *out)
	__attribute__((warn_unused_result));

/* Appends a complete signed note (text, blank line, one signature) to out. */
int pl_note_sign(const pl_signer *s, const uint8_t *text, size_t n, pl_buf *out)
	__attribute__((warn_unused_result));

typedef struct pl_note_sig {
	size_t verifier;    /* index into the verifiers given to pl_note_open */
	uint64_t timestamp; /* cosignature time for type 0x04, else 0 */
	pl_span line;       /* the signature line, without its newline */
} pl_note_sig;

typedef struct pl_note {
	pl_span text;                           /* note text including its final newline */
	pl_span sigs;                           /* the signature block (every line) */
	size_t nsigs;                           /* signature lines in total */
	pl_note_sig verified[PL_NOTE_SIGS_MAX]; /* verified signatures by known keys */
	size_t nverified;
} pl_note;

/*
 * Opens the signed note msg[0..n) against the verifiers vs[0..nv). On PL_OK,
 * out describes the note (spans point into msg) and at least one known
 * signature verified. Errors: PL_ETOOBIG (over PL_NOTE_MAX or too many
 * signatures), PL_EFORMAT (malformed), PL_EVERIFY (a known key's signature is
 * bad), PL_ENOKEY (no signature by a known key; out is still filled).
 */
int pl_note_open(const uint8_t *msg, size_t n, const pl_verifier *vs, size_t nv, pl_note *out)
	__attribute__((warn_unused_result));

/* True if some verified signature in note came from verifier index vi. */
bool pl_note_signed_by(const pl_note *note, size_t vi);

#endif
