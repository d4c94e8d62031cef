/*
 * commands.h - the command table of parley (commands.c): one row per command
 * and subcommand, groups first and each group's subcommands after it. Only
 * the dispatcher (parley.c) reads it; the commands get their own row, and the
 * table, in their cli_call.
 */
#ifndef PARLEY_CLI_COMMANDS_H
#define PARLEY_CLI_COMMANDS_H

#include "cli/table.h"

extern const cli_table cli_commands;

#endif
