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

typedef struct cli_session {
	pl_api *api;
	pl_policy pol;
	pl_party_key *key; /* NULL unless needed */
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
 * With --json (if the command has it) prints {"index", "type", "leaf", "in_checkpoint"}.
 * second, when not NULL, signs too (a key rotation). cmd names the command in messages.
 */
int cli_session_submit(cli_session *s, const cli_args *a, const char *type, const json_t *body, const pl_ref *refs,
		       size_t nrefs, const pl_party_key *second, const char *cmd, uint64_t *index);

/*
 * Says what the server accepted (text, or with --json one line of JSON) and
 * writes the receipt to --receipt FILE when there is one. A receipt asked for
 * and not written is a failure (returned), not a message.
 */
int cli_session_report(const pl_api_accept *r, const char *type, const cli_args *a, pl_diag *d);

/* A reference to entry index: its leaf hash, from a verified proof. */
int cli_session_ref(cli_session *s, uint64_t index, pl_ref *ref, pl_diag *d);

#endif
