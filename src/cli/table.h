/*
 * table.h - what a row of parley's command table holds, and what the rest of
 * the executable reads off rows. The table itself (commands.c) has one row per
 * command and subcommand: its name, the function that runs it, the flags it
 * accepts, what it needs, and its documentation. The dispatcher (parley.c)
 * finds the row once, parses the arguments with its flag lists and calls the
 * function with the result (a cli_call); `parley help`, usage errors and the
 * man pages (help.h) are printed from the same rows, and
 * tests/e2e/help_test.py checks that the documented flags are exactly the
 * accepted ones.
 *
 * Dependencies go one way: table.c and cli.c at the bottom, then config.c,
 * help.c, session.c and the commands (cmd_*.c), then the table (commands.c),
 * then the dispatcher. A command never looks a row up by its own name: it has
 * its row in call->cmd.
 */
#ifndef PARLEY_CLI_TABLE_H
#define PARLEY_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

/* One documented flag: --flag ARG (arg NULL for a flag without a value). */
typedef struct cli_optdoc {
	const char *flag;
	const char *arg;
	const char *text;
} cli_optdoc;

/* Groups of flags documented once and shared (cli_cmd.docs). */
enum {
	DOC_CONN = 1u << 0,   /* --server --vkey --key --passphrase-file --witness-key --quorum */
	DOC_SIGN = 1u << 1,   /* --seq --receipt --wait */
	DOC_JSON = 1u << 2,   /* --json */
	DOC_LOCAL = 1u << 3,  /* --log DIR */
	DOC_NOW = 1u << 4,    /* --now TIME */
	DOC_PAGE = 1u << 5,   /* --limit --offset */
	DOC_POLICY = 1u << 6, /* --witness-key --quorum alone (offline verification) */
};

/* What a command needs (cli_cmd.needs). */
enum {
	/* the settings it takes a flag for (server, vkey, key, passphrase-file, witness-key, quorum) come,
	 * when not on the command line, from their PARLEY_* variable, else from the configuration file
	 * (config.h); its help says so */
	CLI_NEEDS_CONFIG = 1u << 0,
	/* it talks to a Parley server: it may open a session (session.h) */
	CLI_NEEDS_SERVER = 1u << 1,
	/* it reads its arguments itself (call->argc, call->argv): no flag parsing, no --help, no configuration */
	CLI_RAW_ARGS = 1u << 2,
};

struct cli_call;
struct cli_config;

typedef struct cli_cmd {
	const char *name;        /* "log audit"; a group ("log") has no synopsis and no run */
	int (*run)(const struct cli_call *call); /* runs it; returns the exit status */
	unsigned needs;          /* CLI_NEEDS_* */
	const char *summary;     /* one line, lower case, no final stop */
	const char *synopsis;    /* invocations without the leading "parley ", one per line */
	const char *description; /* paragraphs separated by blank lines */
	const char *const *vf;   /* flags taking a value */
	const char *const *bf;   /* flags without one */
	const cli_optdoc *opts;  /* documentation of the command's own flags, {NULL}-terminated */
	unsigned docs;           /* DOC_* groups documented for it */
	const char *examples;    /* command lines, one per line */
	const char *exits;       /* what statuses 1 and 4 mean for it, if anything special */
	const char *section;     /* heading in `parley help` */
} cli_cmd;

/* Every row, groups first and each group's subcommands after it. */
typedef struct cli_table {
	const cli_cmd *cmds;
	size_t n;
} cli_table;

/* What the dispatcher hands a command. */
typedef struct cli_call {
	const cli_cmd *cmd;         /* its row */
	const cli_table *table;     /* every row (for help, and a command that speaks of another) */
	struct cli_config *config;  /* the configuration, loaded when first needed (config.h) */
	cli_args args;              /* the arguments parsed with the row's flags, configuration applied */
	int argc;                   /* the arguments after the command's name, as given */
	char **argv;
} cli_call;

/* The row named name ("log audit", "inbox"), or NULL. */
const cli_cmd *cli_table_find(const cli_table *t, const char *name);

/* True if c is a group of subcommands ("log", "norms"). */
bool cli_cmd_is_group(const cli_cmd *c);

/* True if c is a subcommand of the group g. */
bool cli_cmd_in_group(const cli_cmd *g, const cli_cmd *c);

/*
 * The usage lines of c, each with "parley ", for usage errors: its synopsis,
 * or for a group those of all its subcommands; then where to read more.
 * Written into buf (truncated to cap).
 */
#define CLI_SYNOPSIS_MAX 8192
void cli_synopsis(const cli_table *t, const cli_cmd *c, char *buf, size_t cap);

/* Prints a usage error with the usage lines of c; returns EXIT_USAGE. */
int cli_usage_of(const cli_table *t, const cli_cmd *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same for the command called. */
int cli_usage_call(const cli_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
