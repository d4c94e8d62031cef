/*
 * fuzz_common.h - shared by the libFuzzer targets in this directory: the
 * entry-point prototype, a check macro that aborts (so libFuzzer and the
 * replay driver both report it as a crash), and fixed, read-only keys.
 *
 * Keys are derived from fixed seeds (seed = SHA-256 of a label) so that the
 * committed corpus can carry real signatures (see make_corpus.py):
 *
 *   FZ_KEY_LOG      example.org/cert-log    Ed25519  SHA-256("log seed")      (tests/vectors)
 *   FZ_KEY_WITNESS  witness.example.org/w1  cosig/v1 SHA-256("witness seed")  (tests/vectors)
 *   FZ_KEY_FUZZLOG  example.org/fuzz        Ed25519  SHA-256("fuzz log seed") (corpus proof files)
 *
 * The only global state is the lazily initialised key table: it is written
 * once, on the first call, and only read afterwards. Only the public halves
 * are kept; the signers are freed at once, so nothing is left allocated.
 */
#ifndef PARLEY_FUZZ_COMMON_H
#define PARLEY_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/sha256.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated property: report and abort (a crash for libFuzzer and for replay). */
#define FZ_CHECK(cond)                                                                          \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                \
		}                                                                               \
	} while (0)

/* True if the buffer holds exactly the bytes p[0..n). */
static inline bool fz_same(const pl_buf *b, const uint8_t *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

enum { FZ_KEY_LOG, FZ_KEY_WITNESS, FZ_KEY_FUZZLOG, FZ_NKEYS };

typedef struct fz_keys {
	pl_verifier v[FZ_NKEYS];
	pl_policy cert_log;  /* FZ_KEY_LOG, witness FZ_KEY_WITNESS, quorum 1 */
	pl_policy cert_log0; /* FZ_KEY_LOG, witness FZ_KEY_WITNESS, quorum 0 */
	pl_policy fuzz_log;  /* FZ_KEY_FUZZLOG, witness FZ_KEY_WITNESS, quorum 0 */
} fz_keys;

static inline void fz_make_key(pl_verifier *out, const char *name, uint8_t type, const char *label)
{
	uint8_t seed[PL_ED25519_SEED_SIZE];
	pl_sha256(label, strlen(label), seed);
	pl_signer *s = NULL;
	if (pl_signer_new(name, type, seed, &s) != PL_OK) {
		fprintf(stderr, "fuzz: cannot create the fixed key %s\n", name);
		abort();
	}
	*out = s->v;
	pl_signer_free(s);
}

static inline const fz_keys *fz_get_keys(void)
{
	static fz_keys k;
	static bool ready;
	if (!ready) {
		fz_make_key(&k.v[FZ_KEY_LOG], "example.org/cert-log", PL_SIGTYPE_ED25519, "log seed");
		fz_make_key(&k.v[FZ_KEY_WITNESS], "witness.example.org/w1", PL_SIGTYPE_COSIG, "witness seed");
		fz_make_key(&k.v[FZ_KEY_FUZZLOG], "example.org/fuzz", PL_SIGTYPE_ED25519, "fuzz log seed");
		pl_policy_init(&k.cert_log, &k.v[FZ_KEY_LOG]);
		pl_policy_init(&k.cert_log0, &k.v[FZ_KEY_LOG]);
		pl_policy_init(&k.fuzz_log, &k.v[FZ_KEY_FUZZLOG]);
		if (pl_policy_add_witness(&k.cert_log, &k.v[FZ_KEY_WITNESS]) != PL_OK ||
		    pl_policy_add_witness(&k.cert_log0, &k.v[FZ_KEY_WITNESS]) != PL_OK ||
		    pl_policy_add_witness(&k.fuzz_log, &k.v[FZ_KEY_WITNESS]) != PL_OK)
			abort();
		k.cert_log.quorum = 1;
		ready = true;
	}
	return &k;
}

#endif
