/*
 * config.h - parley's configuration: each setting a command takes a flag for
 * (server, vkey, key, passphrase-file, witness-key, quorum) comes from the
 * command line, else from its PARLEY_* variable, else from one configuration
 * file (docs/cli.md, "Configuration"). The file is read into a cli_config that
 * main owns and hands every command (cli_call.config), at most once and only
 * when a setting is looked for there: a command that takes none, or is given
 * all of them, never reads it.
 */
#ifndef PARLEY_CLI_CONFIG_H
#define PARLEY_CLI_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"
#include "base/err.h"
#include "cli/table.h"

/* A setting: its flag, its variable, what it is (for the help), its source when it comes from the
 * variable, whether it repeats, and how a relative value in the file is read (path: 0 as it is,
 * 1 a file, 2 a key or else a file). */
typedef struct cli_setting {
	const char *flag, *env, *text, *src;
	bool list;
	int path;
} cli_setting;

#define CLI_NSETTINGS 6
extern const cli_setting cli_settings[CLI_NSETTINGS];

typedef struct cli_config {
	bool loaded;
	int rc;                  /* the outcome of reading the file */
	pl_diag d;               /* why it failed */
	char path[PATH_MAX];     /* the file read, or "" */
	char missing[PATH_MAX];  /* the default file looked for, when absent */
	pl_conf conf;
	char **src;              /* "file PATH:LINE" for each entry */
	char env[4096];          /* PARLEY_WITNESS_KEY split at its commas */
} cli_config;

/* An empty configuration, not read yet. */
void cli_config_init(cli_config *c);

/* Frees what reading the file allocated; c is empty again. */
void cli_config_release(cli_config *c);

/*
 * Reads the file if not read yet ($PARLEY_CONFIG, which must exist, else
 * $XDG_CONFIG_HOME/parley/config, else ~/.config/parley/config; a missing
 * default file is no configuration). Returns c->rc, with c->d saying why.
 */
int cli_config_load(cli_config *c);

/*
 * Adds to a each setting cmd takes a flag for and the command line did not
 * give: from its variable, else from the file (read then). The values added
 * point into c or the environment and live as long as both. PL_EINVAL (d says
 * why) for a bad file or value.
 */
int cli_config_apply(cli_config *c, const cli_cmd *cmd, cli_args *a, pl_diag *d);

/* `parley config`: each setting's value and where it comes from. */
int cmd_config(const cli_call *call);

#endif
