/*
 * session.h - the session a command opens with a Parley server (its row says
 * CLI_NEEDS_SERVER): the server's URL, the log's key and the witness policy
 * every answer is checked under, and the party's key when it signs; and what
 * commands do with one: sign and submit a statement, refer to an entry.
 */
#ifndef PARLEY_CLI_SESSION_H
#define PARLEY_CLI_SESSION_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "client/api.h"
#include "client/entries.h"

struct cli_session;
/* Seals a statement's sealed fields into body (a copy of the one given) once its seq is known, before
 * it is signed (seq is part of what is sealed: statement/sealed.h). cli/sealing.h has the one there is. */
typedef int (*cli_seal_fn)(void *ctx, struct cli_session *s, uint64_t seq, json_t *body, pl_diag *d);
/* What must be in the log before a statement is sealed (a members' key for TLP:GREEN), run by
 * cli_session_submit before the statement's seq is taken. */
typedef int (*cli_prepare_fn)(void *ctx, struct cli_session *s, pl_diag *d);

typedef struct cli_session {
	pl_api *api;
	pl_policy pol;
	pl_party_key *key; /* NULL unless needed */
	char server[2048]; /* the server's URL (its tiles are under it) */
	struct pl_copy *copy; /* the member's verified copy, once cli_session_copy opened it */
	int64_t not_before;   /* the latest time of an entry referred to (cli_session_ref): a statement is
				 dated no earlier, so it is never dated before what it answers */
	cli_seal_fn seal;     /* when set, cli_session_submit seals with it (seal_ctx its context) */
	cli_prepare_fn prepare; /* when set, run first (with seal_ctx) */
	void *seal_ctx;
	bool quiet;           /* cli_session_report keeps the acceptance and prints nothing (a statement the
				 client submits on its own, before the one asked for) */
} cli_session;

/*
 * Connects as the flags and the configuration say (--server, --vkey,
 * --witness-key, --quorum); loads the party's key (--key) if need_key. On
 * failure nothing is left open. A command whose row lacks CLI_NEEDS_SERVER
 * is a bug (abort).
 */
int cli_session_open(const cli_call *call, bool need_key, cli_session *s, pl_diag *d);
void cli_session_close(cli_session *s);

/*
 * Signs (body, refs) as the next statement of the key's party (or --seq) and
 * submits it (--wait, --receipt honoured); prints the outcome. Returns the
 * exit status. When index is not NULL it receives the accepted entry's index.
 * With --json (if the command has it) prints {"index", "type", "leaf", "in_checkpoint", "receipt",
 * "acceptance"} (the last two: the files written, when they were).
 * second, when not NULL, signs too (a key rotation). cmd names the command in messages.
 * When s->seal is set, it seals a copy of body once the seq is known, and that copy is signed;
 * a sealing that fails is said (cmd: the sentence) and nothing is submitted.
 */
int cli_session_submit(cli_session *s, const cli_args *a, const char *type, const json_t *body, const pl_ref *refs,
		       size_t nrefs, const pl_party_key *second, const char *cmd, uint64_t *index);

/*
 * Says what the server accepted (text, or with --json one line of JSON),
 * keeps the acceptance in $PARLEY_DATA_DIR/acceptances/ORIGIN-KEYID/INDEX.json
 * (docs/cli.md, "Kept acceptances"; one that cannot be kept is a warning:
 * the statement is accepted) and writes the receipt to --receipt FILE when
 * there is one. A receipt asked for and not written is a failure (returned),
 * not a message.
 */
int cli_session_report(const cli_session *s, const pl_api_accept *r, const char *type, const cli_args *a,
		       pl_diag *d);

/*
 * The member's verified copy of the session's log (monitor/copy.h), opened
 * and brought up to date (verified) at the first call, closed with the
 * session. It lives in $PARLEY_DATA_DIR/copies/ORIGIN-KEYID (by default
 * $XDG_DATA_HOME/parley, else ~/.local/share/parley): one per log key.
 * Everything a member is shown comes from it. PL_ENOKEY when the log's
 * checkpoint lacks the witness quorum, PL_EVERIFY when the log shows a fork
 * or another history (the sentence says which; a fork proof is kept).
 */
struct pl_copy;
int cli_session_copy(const cli_call *call, cli_session *s, struct pl_copy **out, pl_diag *d);

/* Entries and keys from the member's verified copy (client/entries.h); release with pl_entries_close. */
int cli_session_entries(const cli_call *call, cli_session *s, pl_entries *out, pl_diag *d);

/* party's current identity, from the member's verified copy (pl_entries_identity), to seal to it. */
int cli_session_identity(const cli_call *call, cli_session *s, const char *party, pl_identity *out, pl_diag *d);

/*
 * A reference to entry index: its leaf hash, from the member's verified copy
 * (so a statement only ever refers to an entry of the history the copy
 * verified, never to one the server shows only now). An error, saying
 * that the entry does not exist, when it is not in the copy's checkpoint.
 */
int cli_session_ref(const cli_call *call, cli_session *s, uint64_t index, pl_ref *ref, pl_diag *d);

/*
 * Opens a session with the member's key (--key), signs body as a statement of type about entry target
 * (listed in refs with its leaf hash from the member's verified copy; UINT64_MAX for none), sealed by
 * seal with ctx when seal is not NULL (cli/sealing.h; prepare first, may be NULL), submits it and
 * reports the acceptance (cli_session_submit); *index (may be NULL) is its entry. Takes body. Returns
 * the exit status, errors said on stderr naming cmd.
 */
int cli_session_sign_send(const cli_call *call, const char *type, json_t *body, uint64_t target, const char *cmd,
			  uint64_t *index, cli_seal_fn seal, cli_prepare_fn prepare, void *ctx);

/* The same with targets[0..ntargets) in refs (at most CLI_REFS_MAX, PL_EINVAL beyond). */
#define CLI_REFS_MAX PL_REFS_MAX
int cli_session_sign_send_refs(const cli_call *call, const char *type, json_t *body, const uint64_t *targets,
			       size_t ntargets, const char *cmd, uint64_t *index, cli_seal_fn seal, cli_prepare_fn prepare,
			       void *ctx);

#endif
