/*
 * help_impl.h - what the files of parley's help share; private to
 * src/cli/help.c, man.c and cmd_help.c (callers use help.h, which this header
 * does not change):
 *   cmd_help.c  `parley help` and `parley version`: which text to print;
 *   man.c       the man pages (roff), one per command and subcommand;
 *   help.c      the help text for a terminal, and what both print: the flags
 *               documented for a command, the exit statuses.
 * Each file uses only the ones below it.
 */
#ifndef PARLEY_CLI_HELP_IMPL_H
#define PARLEY_CLI_HELP_IMPL_H

#include "cli/help.h"

/* The exit statuses every command shares, one sentence without a final period. */
extern const char cli_help_exits[];

/* True if c takes the flag named flag (a value or a boolean flag). */
bool cli_help_accepts(const cli_cmd *c, const char *flag);

/* True if c reads settings from the environment and the configuration file. */
bool cli_help_uses_config(const cli_cmd *c);

/* Calls fn for every flag documented for c, in order: its own, then those of
 * the groups it documents (cli_cmd.docs) that it does not document itself. */
void cli_help_each_doc(const cli_cmd *c, void (*fn)(void *, const cli_optdoc *), void *ctx);

/* The command list, as `parley help` prints it (help.c). */
void cli_help_list(FILE *f, const cli_table *t);

/* The man page of c (man.c). */
void cli_man_page(FILE *f, const cli_table *t, const cli_cmd *c);

/* parley(1), the page of the executable (man.c). */
void cli_man_main(FILE *f, const cli_table *t);

/* Writes every page into dir (created if needed) (man.c). Returns the exit
 * status, EXIT_FAIL with the reason on stderr when a page cannot be written. */
int cli_man_dir(const cli_table *t, const char *dir);

#endif
