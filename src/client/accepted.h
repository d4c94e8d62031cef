/*
 * accepted.h - an acceptance a member keeps (docs/cli.md, "Kept
 * acceptances"; docs/api.md, "Acceptances"): the log's signed word that it
 * took one statement, as the server answered it or as read back from a
 * file, checked against the log's key, kept as a file, and later checked
 * against the log itself.
 *
 * The server's answer and the kept file are the same JSON object (the file
 * has no receipt; other fields are ignored):
 *   {"index": I, "leaf": B64, "acceptance": NOTE, "acceptance_path": [B64...]}
 * NOTE is either form of tlog/acceptance.h; acceptance_path is absent or
 * empty for a single acceptance (and for a batch of one).
 */
#ifndef PARLEY_CLIENT_ACCEPTED_H
#define PARLEY_CLIENT_ACCEPTED_H

#include <jansson.h>
#include <limits.h>

#include "base/buf.h"
#include "base/err.h"
#include "client/api.h"
#include "store/source.h"
#include "tlog/checkpoint.h"

/* Bytes in a kept acceptance file (the note, a path of PL_PROOF_MAX hashes, JSON around them). */
#define PL_ACCEPTED_FILE_MAX (PL_NOTE_MAX + 8192)

/*
 * Reads index, leaf, the note and its path from v (the server's answer or a
 * kept file) into r (pl_api_accept_init'ed; the note replaces r->acceptance).
 * Nothing is checked but the fields' forms: PL_EFORMAT (or PL_ETOOBIG for a
 * path over PL_PROOF_MAX hashes) with d saying which field.
 */
int pl_accepted_from_json(const json_t *v, pl_api_accept *r, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Checks r's note against the log key log: signed by it, naming it, and
 * binding r->leaf to r->index (either form; the path for a batch). Fills
 * r->acc. PL_EVERIFY (d says why), PL_ENOMEM.
 */
int pl_accepted_check(const pl_verifier *log, pl_api_accept *r, pl_diag *d) __attribute__((warn_unused_result));

/* pl_accepted_from_json then pl_accepted_check on the JSON text p[0..n) (a kept file). */
int pl_accepted_read(const uint8_t *p, size_t n, const pl_verifier *log, pl_api_accept *r, pl_diag *d)
	__attribute__((warn_unused_result));

/* Appends r as a kept file's JSON (one line) to out. PL_EINVAL for an empty note, PL_ENOMEM; out unchanged on failure. */
int pl_accepted_format(const pl_api_accept *r, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Keeps r (already checked) in the directory dir, made if missing: as
 * dir/INDEX.json, durably (base/fsio.h: pl_fs_replace's crash states). If
 * that file already holds an acceptance of another leaf at the same index,
 * it is left as it is and r is kept as dir/INDEX-HEX.json (HEX: the first 16
 * hex digits of r's leaf) and *conflict is set: the log accepted two
 * statements at one index. path receives the file written. PL_EIO and the
 * errors of pl_fs_replace.
 */
int pl_accepted_keep(const char *dir, const pl_api_accept *r, char path[PATH_MAX], bool *conflict, pl_diag *d)
	__attribute__((warn_unused_result));

typedef enum pl_accepted_verdict {
	PL_ACCEPTED_HELD = 1,   /* the log's entry at the index has the accepted leaf */
	PL_ACCEPTED_PENDING,    /* the log's checkpoint does not reach the index yet */
	PL_ACCEPTED_BROKEN,     /* the log's entry at the index has another leaf: misbehaviour */
} pl_accepted_verdict;

/*
 * Checks r (already checked) against the log read through s: its checkpoint
 * opened under pol (into cp) and, when it covers r->index, the entry there
 * with an inclusion proof against it, whose leaf hash goes to *found. On
 * PL_OK *v says what the log shows; with PL_ACCEPTED_BROKEN, proof (if not
 * NULL) receives the log's tlog-proof of the entry it holds at the index:
 * with the acceptance, evidence anyone can check. Errors: those of
 * pl_published_checkpoint and pl_published_prove (a checkpoint that does not
 * open, a log that cannot be read).
 */
int pl_accepted_against(pl_source *s, const pl_policy *pol, const pl_api_accept *r, pl_accepted_verdict *v,
			pl_checkpoint *cp, pl_hash *found, pl_buf *proof, pl_diag *d) __attribute__((warn_unused_result));

#endif
