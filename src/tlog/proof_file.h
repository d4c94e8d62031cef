/*
 * proof_file.h - C2SP tlog-proof files (c2sp.org/tlog-proof@v1).
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64>          (optional; Parley puts the entry itself here)
 *   index <i>
 *   <base64 hash>           (0..63 inclusion proof lines, leaf sibling first)
 *   <empty line>
 *   <signed checkpoint, verbatim>
 *
 * Parsing is canonical: the magic line, "extra" only when non-empty, a
 * canonical index, canonical 32-byte hashes, at most PL_PROOF_MAX of them.
 */
#ifndef PARLEY_TLOG_PROOF_FILE_H
#define PARLEY_TLOG_PROOF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"

#define PL_PROOF_EXTRA_MAX 65535
#define PL_PROOF_FILE_MAX (PL_NOTE_MAX + 96 * 1024 + 64 * 48)

typedef struct pl_proof_file {
	bool has_extra;
	uint8_t *extra;       /* decoded extra data (heap; pl_proof_file_release frees) */
	size_t extra_len;
	uint64_t index;       /* entry index */
	pl_hash proof[PL_PROOF_MAX];
	size_t proof_len;
	pl_span checkpoint;   /* the signed checkpoint, pointing into the parsed input */
} pl_proof_file;

/* Parses p[0..n). On success the caller releases out with
 * pl_proof_file_release; on failure nothing needs releasing. */
int pl_proof_file_parse(const uint8_t *p, size_t n, pl_proof_file *out) __attribute__((warn_unused_result));

void pl_proof_file_release(pl_proof_file *pf);

/* Appends a proof file to out. extra may be NULL (no extra line). */
int pl_proof_file_write(uint64_t index, const pl_hash *proof, size_t len, const uint8_t *extra, size_t extra_len,
			const uint8_t *checkpoint, size_t checkpoint_len, pl_buf *out)
	__attribute__((warn_unused_result));

/*
 * Verifies a parsed proof: the checkpoint opens under the policy and the leaf
 * hash is included at pf->index. cp (may be NULL) receives the checkpoint.
 * PL_EVERIFY for a failed inclusion proof, or pl_checkpoint_open's errors.
 */
int pl_proof_file_verify(const pl_proof_file *pf, const pl_policy *pol, const pl_hash *leaf, pl_checkpoint *cp)
	__attribute__((warn_unused_result));

/*
 * Checks a proof file offline, as `parley log verify-proof` does: entry
 * (NULL for the entry the file carries) is included at the
 * file's index in a checkpoint that opens under pol. When the file carries an
 * entry and one is given too they must be the same bytes. name and what name
 * the file and the entry in d's sentences (what: the given entry's file, or
 * when entry is NULL how to give one, like "--entry FILE"). On PL_OK *index
 * and *cp (either may be NULL) say where the entry is.
 * PL_EFORMAT (or another code of pl_proof_file_parse): not a well-formed file;
 * PL_EINVAL: no entry given and the file carries none;
 * PL_EVERIFY: the file carries another entry, or the entry is not included,
 * or the checkpoint's signature is bad; PL_ENOKEY: the checkpoint is not
 * signed by the log's key (or lacks the quorum); another code of
 * pl_checkpoint_open: a malformed checkpoint.
 */
int pl_proof_file_check(const uint8_t *file, size_t n, const char *name, const pl_span *entry, const char *what,
			const pl_policy *pol, uint64_t *index, pl_checkpoint *cp, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
