/*
 * client.h - what the commands that talk to a server share: the connection
 * (server URL, log key, witness policy, the party's key) and signing and
 * submitting one statement.
 */
#ifndef PARLEY_CLI_CLIENT_H
#define PARLEY_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "client/api.h"

typedef struct client {
	pl_api *api;
	pl_policy pol;
	pl_party_key *key; /* NULL unless needed */
} client;

/* Connects as the flags and environment say; loads the party's key if need_key. */
int client_open(const cli_args *a, bool need_key, client *c, pl_diag *d);
void client_close(client *c);

/*
 * Signs (body, refs) as the next statement of the key's party (or --seq) and
 * submits it (--wait, --receipt honoured); prints the outcome. Returns the
 * exit status. When index is not NULL it receives the accepted entry's index.
 * With --json (if the command has it) prints {"index", "type", "leaf", "in_checkpoint"}.
 */
int submit_statement(client *c, const cli_args *a, const char *type, const json_t *body, const pl_ref *refs,
		     size_t nrefs, const pl_party_key *second, const char *cmd, uint64_t *index);

/* A reference to entry index: its leaf hash, from a verified proof. */
int ref_to(client *c, uint64_t index, pl_ref *ref, pl_diag *d);

#endif
