/*
 * view_source.h - where the views of inbox, cases, case show, norms, report
 * come from: always an index of a copy of the log on this machine. With --log
 * DIR, the index of that directory (a server's directory or a monitor's
 * mirror); otherwise the member's verified copy of the server's log
 * (cli/session.h: cli_session_copy), brought up to date and verified first.
 * Never the server's views. With --now, a fresh index of the log as it stood
 * then (workflow/index.h: pl_index_as_of). And the small readers of a view's
 * JSON the commands share.
 */
#ifndef PARLEY_CLI_VIEW_SOURCE_H
#define PARLEY_CLI_VIEW_SOURCE_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "workflow/index.h"
#include "workflow/views.h"

typedef struct cli_source {
	cli_session c;     /* server mode */
	bool session;      /* c is open */
	pl_index *own;     /* --log mode: the directory's index (owned) */
	pl_index *x;       /* the whole log's index (own, or the copy's) */
	pl_index *as_of;   /* with --now: the log as it stood then (owned) */
	pl_index *view;    /* what views are computed from: as_of, else x */
	const char *dir;   /* the copy's directory */
	pl_policy pol;     /* what the log's checkpoints must satisfy */
} cli_source;

/* Opens s as the flags say (--log, --now; otherwise a session and its verified copy), noting on stderr
 * the entries the rules refuse. On failure, close it all the same (cli_source_close). */
int cli_source_open(const cli_call *call, cli_source *s, pl_diag *d);
void cli_source_close(cli_source *s);

/* Says on stderr (naming cmd) that the log holds entries the rules refuse (they have no effect on any view). */
void cli_note_refused(pl_index *x, const char *cmd);

/* Closes s and returns the exit status for rc (cli_fail's with d, 0 for PL_OK). */
int cli_source_finish(const char *cmd, int rc, pl_diag *d, cli_source *s);

/* --limit, --offset and --now into pg and *now (the clock when no --now); false for a value they refuse. */
bool cli_page_flags(const cli_args *a, pl_page *pg, int64_t *now);

/* Prints v as indented JSON, its keys in order. */
void cli_view_json(const json_t *v);

/* o[key] as a string ("-" when it is not one); in its display form (base/safetext.h, kept in t); as an
 * integer (0 when it is not one). */
const char *cli_jstr(const json_t *o, const char *key);
const char *cli_jtxt(cli_texts *t, const json_t *o, const char *key);
long long cli_jnum(const json_t *o, const char *key);

/* True if h is a norm set's hash (64 lower-case hex digits). */
bool cli_is_norm_hash(const char *h);

#endif
