/* parley.c - the parley executable: finds the command's row in the command
 * table (commands.c) once, parses its arguments with the row's flags, applies
 * the configuration when the row needs it, and runs it. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/help.h"
#include "cli/table.h"

#include <stdio.h>
#include <string.h>

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* Parses call->argv for the row, prints its help for --help, applies the configuration, runs it. */
static int run(cli_call *call)
{
	const cli_cmd *c = call->cmd;
	if ((c->needs & CLI_RAW_ARGS) == 0) {
		char usage[CLI_SYNOPSIS_MAX];
		cli_synopsis(call->table, c, usage, sizeof usage);
		if (!cli_parse(call->argc, call->argv, c->vf, c->bf, &call->args, usage))
			return EXIT_USAGE;
		if (call->args.help) {
			cli_help_print(stdout, call->table, c);
			return 0;
		}
		pl_diag d = {0};
		if ((c->needs & CLI_NEEDS_CONFIG) != 0 && cli_config_apply(call->config, c, &call->args, &d) != PL_OK) {
			cli_texts t = {0};
			fprintf(stderr, "parley %s: %s\n", c->name, cli_text(&t, pl_diag_text(&d, PL_EINVAL)));
			cli_texts_release(&t);
			return EXIT_USAGE;
		}
	}
	return c->run(call);
}

int main(int argc, char **argv)
{
	const cli_table *t = &cli_commands;
	if (argc < 2)
		return cli_usage_of(t, cli_table_find(t, "help"), "give a command (`parley help` lists them)");
	const char *name = argv[1];
	if (is_help(name))
		name = "help";
	if (strcmp(name, "--version") == 0)
		name = "version";
	const cli_cmd *c = strchr(name, ' ') == NULL ? cli_table_find(t, name) : NULL;
	if (c == NULL) {
		fprintf(stderr, "parley: unknown command \"%s\" (`parley help` lists them)\n", name);
		return EXIT_USAGE;
	}
	int next = 2;
	if (cli_cmd_is_group(c)) { /* `parley log`, `parley log --help`, `parley log audit ...` */
		if (argc < 3)
			return cli_usage_of(t, c, "%s needs a subcommand", name);
		if (is_help(argv[2]) || strcmp(argv[2], "help") == 0) {
			cli_help_print(stdout, t, c);
			return 0;
		}
		char sub[128];
		snprintf(sub, sizeof sub, "%s %s", name, argv[2]);
		const cli_cmd *s = cli_table_find(t, sub);
		if (s == NULL || !cli_cmd_in_group(c, s))
			return cli_usage_of(t, c, "unknown %s subcommand \"%s\"", name, argv[2]);
		c = s;
		next = 3;
	}
	cli_config config;
	cli_config_init(&config);
	cli_call call = {.cmd = c, .table = t, .config = &config, .argc = argc - next, .argv = argv + next};
	int status = run(&call);
	cli_config_release(&config);
	return status;
}
