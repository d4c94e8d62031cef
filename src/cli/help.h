/*
 * help.h - what parley says about itself, printed from the rows of the
 * command table (table.h): `parley help` (the command list, one command's
 * help, its man page), `parley CMD --help`, the man pages the build installs,
 * and `parley version`.
 */
#ifndef PARLEY_CLI_HELP_H
#define PARLEY_CLI_HELP_H

#include <stdio.h>

#include "cli/table.h"

/* The full help of c (of the table t), as `parley help` prints it. */
void cli_help_print(FILE *f, const cli_table *t, const cli_cmd *c);

/* `parley help ...`: the command list, one command's help, --man, and for tests and the build
 * --flags CMD, --list and --man-dir DIR. Reads its own arguments (CLI_RAW_ARGS). */
int cmd_help(const cli_call *call);

/* `parley version`. */
int cmd_version(const cli_call *call);

#endif
