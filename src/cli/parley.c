/* parley.c - the parley executable: dispatches to subcommands. The commands,
 * their flags and their help are in the table of help_table.c. */
#include "cli/cli.h"
#include "cli/help.h"

#include <stdio.h>
#include <string.h>

static int cmd_version(int argc, char **argv)
{
	cli_args a;
	int st;
	if (!cli_parse_cmd(argc, argv, "version", &a, &st))
		return st;
	if (a.npos != 0)
		return cli_usage_cmd("version", "version takes no arguments");
	printf("parley %s\n", PARLEY_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"log", cmd_log},         {"keygen", cmd_keygen}, {"init", cmd_init},       {"serve", cmd_serve},
		{"submit", cmd_submit},   {"get", cmd_get},       {"proof", cmd_proof},     {"verify-proof", cmd_verify_proof},
		{"enroll", cmd_enroll},   {"key", cmd_key},       {"contact", cmd_contact}, {"blob", cmd_blob},
		{"witness", cmd_witness}, {"verify-fork", cmd_verify_fork}, {"monitor", cmd_monitor},
		{"ping", cmd_ping},       {"pong", cmd_pong},     {"concern", cmd_concern}, {"request", cmd_request},
		{"ack", cmd_ack},         {"respond", cmd_respond}, {"status", cmd_status}, {"withdraw", cmd_withdraw},
		{"close", cmd_close},     {"norms", cmd_norms},   {"inbox", cmd_inbox},     {"cases", cmd_cases},
		{"case", cmd_case},       {"report", cmd_report}, {"reindex", cmd_reindex},
		{"evidence", cmd_evidence}, {"finding", cmd_finding}, {"reproduce", cmd_reproduce},
		{"config", cmd_config},   {"help", cmd_help},     {"version", cmd_version},
	};
	if (argc < 2) {
		cli_usage_cmd("help", "give a command (`parley help` lists them)");
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		cmd = "help";
	if (strcmp(cmd, "--version") == 0)
		cmd = "version";
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		if (strcmp(cmd, cmds[i].name) != 0)
			continue;
		/* a group of subcommands: `parley log`, `parley log --help` */
		const cli_cmd *c = cli_cmd_find(cmd);
		if (c != NULL && cli_cmd_is_group(c)) {
			if (argc < 3)
				return cli_usage_cmd(cmd, "%s needs a subcommand", cmd);
			if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "help") == 0) {
				cli_help_print(stdout, c);
				return 0;
			}
			char sub[128];
			snprintf(sub, sizeof sub, "%s %s", cmd, argv[2]);
			if (cli_cmd_find(sub) == NULL)
				return cli_usage_cmd(cmd, "unknown %s subcommand \"%s\"", cmd, argv[2]);
		}
		return cmds[i].fn(argc - 2, argv + 2);
	}
	fprintf(stderr, "parley: unknown command \"%s\" (`parley help` lists them)\n", cmd);
	return EXIT_USAGE;
}
