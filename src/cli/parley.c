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
	"  keygen --party NAME --out PREFIX  make a party's keys (secret file + public identity)\n"
	"  init DIR --origin O --key K       create a log whose entry 0 is the charter\n"
	"  serve DIR [--listen HOST:PORT]    run the log server\n"
	"  submit --type T [--body F]        sign and submit a statement (--wait for the receipt)\n"
	"  get INDEX | proof INDEX           fetch and verify a statement, or its proof file\n"
	"  verify-proof FILE --vkey K --identity ID   verify a statement's proof offline\n"
	"  enroll ID.json | key rotate|revoke | contact   membership statements\n"
	"  blob put FILE | blob get SHA256   members' content-addressed blobs\n"
	"  witness init|add-log|serve DIR    run a witness that cosigns a log's checkpoints\n"
	"  verify-fork FILE [--vkey K]       check a proof that a log forked\n"
	"  monitor URL --vkey K --dir D      follow a log, verify everything, keep a mirror, catch forks\n"
	"\n"
	"consultations (docs/workflow.md):\n"
	"  concern raise                     raise a concern: a new case (asks for missing fields)\n"
	"  request CASE --kind K --to P      ask for information, evidence, assistance, mitigation,\n"
	"                                    preservation or consultation, with a deadline\n"
	"  ack REQ | respond REQ --status S  acknowledge, answer (granted, partly_granted, postponed, refused)\n"
	"  status REQ --query|--update T     ask where a request stands, or report progress\n"
	"  withdraw REQ | close CASE         no longer required; close your case with its outcome\n"
	"  ping [--to P] | pong PING         communication checks\n"
	"  norms list|show|subscribe|withdraw|publish   norm sets (the 2015 UN GGE norms by default)\n"
	"  inbox                             what awaits your answer, overdue first\n"
	"  cases | case show ID              cases, and one thread with every statement verified\n"
	"  report                            who answers and who does not, derived from the log\n"
	"  reindex DIR                       rebuild the workflow index from the log\n"
	"\n"
	"evidence (docs/evidence.md):\n"
	"  evidence add CASE DIR --tlp L --to P   seal a package to its recipients, upload it, record it\n"
	"  evidence fetch EVIDENCE --out DIR      download, open and check a package\n"
	"  reproduce DIR --files D --pcap F       run a package's indicators and rules on your own data\n"
	"  finding EVIDENCE --result R ...        record what reproducing showed\n"
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
	};
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
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
