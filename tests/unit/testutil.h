/*
 * testutil.h - helpers shared by the unit tests: vector files, temporary
 * directories, and a naive RFC 6962 reference written straight from the
 * RFC's recursive definitions (independent of src/tlog/merkle.c).
 */
#ifndef PARLEY_TESTUTIL_H
#define PARLEY_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/buf.h"
#include "tlog/merkle.h"

/* Reads a whole file (aborts the test on failure). Caller frees. */
uint8_t *tu_read_file(const char *path, size_t *n);

/* Path of a vector file under tests/vectors. */
const char *tu_vector(const char *name);

/* Decodes hex into out (aborts on bad input); returns the length. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/* Creates a fresh temporary directory; returns a static path that stays valid until the next call. */
char *tu_tmpdir(void);

/* rm -rf path. */
void tu_rmrf(const char *path);

/* The naive reference tree over given leaf hashes, with memoised MTH. */
typedef struct tu_ref tu_ref;
tu_ref *tu_ref_new(const pl_hash *leaves, size_t n);
void tu_ref_free(tu_ref *r);
/* MTH(D[a:b]) by the RFC's recursion. */
void tu_ref_mth(tu_ref *r, uint64_t a, uint64_t b, pl_hash *out);
/* PATH(m, D[0:n]) and PROOF(m, D[0:n]) as in RFC 6962 section 2.1.1/2.1.2. */
size_t tu_ref_path(tu_ref *r, uint64_t m, uint64_t n, pl_hash *out);
size_t tu_ref_proof(tu_ref *r, uint64_t m, uint64_t n, pl_hash *out);
/* A pl_hash_reader answering complete subtrees from the reference. */
pl_hash_reader tu_ref_reader(tu_ref *r);

/* Leaf hash computed directly with OpenSSL (0x00 || data). */
void tu_leaf(const void *data, size_t n, pl_hash *out);

#endif
