/*
 * entries.h - the statements of a log as a reader gets them: each entry
 * proven included in a checkpoint that opens under the reader's policy (the
 * log's signature and the witness quorum), then opened as a DSSE envelope
 * whose signature is checked under the key its author held when the entry
 * was admitted. Nothing the source says is trusted but the key history, which
 * is the registry's word (a server's, or the index of a local copy).
 *
 * The entries come from a pl_entries: a Parley server through its API
 * (pl_entries_api), or a local copy of the log, a server's directory or a
 * monitor's mirror, with its index (pl_entries_open_dir).
 */
#ifndef PARLEY_CLIENT_ENTRIES_H
#define PARLEY_CLIENT_ENTRIES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "client/api.h"
#include "statement/dsse.h"
#include "statement/party.h"
#include "statement/statement.h"
#include "tlog/checkpoint.h"
#include "workflow/index.h"

/* Where entries and keys come from. */
typedef struct pl_entries {
	/* Appends entry index to entry, proven included under pol: PL_EVERIFY when the proof does not
	 * check, PL_ENOKEY when the checkpoint lacks the log's signature or the quorum, PL_ERANGE for an
	 * entry past the log. */
	int (*fetch)(void *ctx, const pl_policy *pol, uint64_t index, pl_buf *entry, pl_diag *d);
	/* The signing key party held when entry index was admitted (PL_ENOTFOUND: none). */
	int (*key_at)(void *ctx, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d);
	void (*close)(void *ctx); /* frees ctx; NULL when there is nothing to free */
	void *ctx;
} pl_entries;

/* Entries from the server a talks to (proofs from /v1/proof/inclusion, keys from its registry).
 * Borrows a, which must outlive *out. */
void pl_entries_api(pl_api *a, pl_entries *out);

/*
 * Entries from the log in dir (its tiles, read directly), keys from the index
 * x of the same log (workflow/views.h: pl_view_key_at). Borrows x, which must
 * outlive *out. Release with pl_entries_close.
 */
int pl_entries_open_dir(const char *dir, pl_index *x, pl_entries *out, pl_diag *d) __attribute__((warn_unused_result));

/* Frees what pl_entries_open_dir opened; e may be zeroed or from pl_entries_api. */
void pl_entries_close(pl_entries *e);

/* What was checked of an entry: proven under the policy; signed by its author's key. */
typedef struct pl_entry_checks {
	bool proven;
	bool signature;
} pl_entry_checks;

/*
 * Entry index as a verified statement: fetched and proven (e->fetch), parsed,
 * of one of types (NULL-terminated; NULL for any: PL_EINVAL otherwise), by
 * author (NULL for anyone: PL_EVERIFY otherwise), and signed by the key
 * e->key_at names for its author at index (PL_EVERIFY otherwise; key_at's
 * error when it names none). The checks are made in that order and the
 * first failure is returned, with its sentence in d; checks (may be NULL)
 * says what held. env and st must be zeroed; they hold what was parsed, also
 * on failure: release both (pl_envelope_release, pl_stmt_release).
 */
int pl_entries_statement(const pl_entries *e, const pl_policy *pol, uint64_t index, const char *const *types,
			 const char *author, pl_envelope *env, pl_stmt *st, pl_entry_checks *checks, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * The current identity of party (its signing and encryption keys) as the
 * log itself establishes it, for sealing to it: x (the index of the copy e
 * reads) names the entry that set the party's current key (a charter, an
 * enroll or a key.rotate); that entry is fetched and verified like any
 * statement, and the identity it carries for party must hold that key.
 * PL_ENOTFOUND when party is not an active member (never one, or revoked);
 * PL_EVERIFY when the entry does not carry the identity the index says.
 */
int pl_entries_identity(const pl_entries *e, pl_index *x, const pl_policy *pol, const char *party, pl_identity *out,
			pl_diag *d) __attribute__((warn_unused_result));

#endif
