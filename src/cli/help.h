/*
 * help.h - the one table of parley's commands: for each command and
 * subcommand its synopsis, description, the flags it accepts (the lists
 * cli_parse_cmd parses with) and the documentation of each flag. `parley help`,
 * `parley CMD --help`, usage errors and the man pages are all printed from it,
 * and tests/e2e/help_test.py checks that the documented flags are exactly the
 * accepted ones.
 */
#ifndef PARLEY_CLI_HELP_H
#define PARLEY_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

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

typedef struct cli_cmd {
	const char *name;        /* "log audit"; a group ("log") has no synopsis */
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

extern const cli_cmd cli_cmds[];
extern const unsigned cli_ncmds;

/* The entry named name ("log audit", "inbox"), or NULL. */
const cli_cmd *cli_cmd_find(const char *name);

/* True if c is a group of subcommands ("log", "norms"). */
bool cli_cmd_is_group(const cli_cmd *c);

/* First synopsis line of name, with "parley " (for usage errors). */
const char *cli_synopsis(const char *name);

/* The full help of c, as `parley help` prints it. */
void cli_help_print(FILE *f, const cli_cmd *c);

/* `parley help ...`: the command list, one command's help, --man, --flags, --list. */
int cmd_help(int argc, char **argv);

#endif
