/* parley.c - the parley executable: dispatches to subcommands. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char USAGE[] =
	"usage: parley <command> [arguments]\n"
	"\n"
	"commands:\n"
	"  log init DIR --origin ORIGIN      create a log and its key\n"
	"  log add DIR                       append each line of stdin, in one batch\n"
	"  log prove DIR INDEX               write a tlog-proof file for an entry\n"
	"  log verify-proof FILE --vkey VKEY [--entry FILE]\n"
	"                                    verify a proof file offline\n"
	"  log audit DIR|URL --vkey VKEY     recompute and check the whole log\n"
	"  help [COMMAND]                    show help\n"
	"  version                           print the version\n"
	"\n"
	"Exit status: 0 success, 1 verification failed, 2 usage error, 3 other failure.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(USAGE, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "log") == 0)
		return cmd_log(argc - 2, argv + 2);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "log") == 0) {
			char help[] = "help";
			char *h[] = {help};
			return cmd_log(1, h);
		}
		fputs(USAGE, stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("parley %s\n", PARLEY_VERSION);
		return 0;
	}
	fprintf(stderr, "parley: unknown command \"%s\"\n\n%s", cmd, USAGE);
	return EXIT_USAGE;
}
