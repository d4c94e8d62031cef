/* cmd_help.c - `parley help` (the command list, one command's help or man
 * page, and the hidden --list, --flags and --man-dir) and `parley version`. */
#include "cli/help_impl.h"

#include "cli/cli.h"

#include <string.h>

/*
 * parley help [--man] [COMMAND [SUB]]
 * Hidden, for tests and the build: --list (every command, one per line),
 * --flags CMD ("value NAME" / "bool NAME" lines), --man-dir DIR (every page).
 */
int cmd_help(const cli_call *call)
{
	const cli_table *t = call->table;
	int argc = call->argc;
	char **argv = call->argv;
	bool man = false;
	char name[128] = "";
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0 && argc == 1) {
			for (size_t k = 0; k < t->n; k++)
				printf("%s\n", t->cmds[k].name);
			return 0;
		}
		if (strcmp(argv[i], "--man-dir") == 0 && argc == 2 && i == 0)
			return cli_man_dir(t, argv[1]);
		if (strcmp(argv[i], "--flags") == 0 && i == 0) {
			for (int k = 1; k < argc; k++) {
				size_t n = strlen(name);
				snprintf(name + n, sizeof name - n, "%s%s", n ? " " : "", argv[k]);
			}
			const cli_cmd *c = cli_table_find(t, name);
			if (c == NULL)
				return cli_usage_call(call, "no command \"%s\"", name);
			for (const char *const *p = c->vf; p && *p; p++)
				printf("value %s\n", *p);
			for (const char *const *p = c->bf; p && *p; p++)
				printf("bool %s\n", *p);
			return 0;
		}
		if (strcmp(argv[i], "--man") == 0) {
			man = true;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_help_print(stdout, t, call->cmd);
			return 0;
		}
		if (argv[i][0] == '-')
			return cli_usage_call(call, "unknown flag %s", argv[i]);
		size_t n = strlen(name);
		snprintf(name + n, sizeof name - n, "%s%s", n ? " " : "", argv[i]);
	}
	if (name[0] == '\0') {
		if (man)
			cli_man_main(stdout, t);
		else
			cli_help_list(stdout, t);
		return 0;
	}
	const cli_cmd *c = cli_table_find(t, name);
	if (c == NULL)
		return cli_usage_call(call, "no command \"%s\" (`parley help` lists them)", name);
	if (man)
		cli_man_page(stdout, t, c);
	else
		cli_help_print(stdout, t, c);
	return 0;
}

int cmd_version(const cli_call *call)
{
	if (call->args.npos != 0)
		return cli_usage_call(call, "version takes no arguments");
	printf("parley %s\n", PARLEY_VERSION);
	return 0;
}
