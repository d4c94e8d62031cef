/* help.c - `parley help`, `parley CMD --help`, the man pages and `parley
 * version`, all printed from the rows of the command table (commands.c). */
#include "cli/help.h"

#include "cli/cli.h"
#include "cli/config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The flags documented once for many commands (cli_cmd.docs). */
static const struct {
	unsigned group;
	cli_optdoc doc;
} COMMON[] = {
	{DOC_CONN, {"server", "URL", "the log server's URL (PARLEY_SERVER)"}},
	{DOC_CONN, {"vkey", "LOGKEY", "the log's verifier key, or a file holding it (PARLEY_VKEY)"}},
	{DOC_CONN, {"key", "FILE", "your party's secret key file (PARLEY_KEY)"}},
	{DOC_CONN, {"passphrase-file", "FILE", "the passphrase of a sealed key (PARLEY_PASSPHRASE_FILE)"}},
	{DOC_CONN | DOC_POLICY,
	 {"witness-key", "WKEY", "a witness's key, or a file holding it (repeatable; PARLEY_WITNESS_KEY)"}},
	{DOC_CONN | DOC_POLICY, {"quorum", "K", "checkpoints need K cosignatures of those witnesses (PARLEY_QUORUM)"}},
	{DOC_SIGN, {"seq", "N", "sign with sequence number N instead of the next one the server names"}},
	{DOC_SIGN, {"wait", NULL, "wait until the statement is in a checkpoint (its receipt)"}},
	{DOC_SIGN, {"receipt", "FILE", "with --wait: write the receipt to FILE"}},
	{DOC_LOCAL, {"log", "DIR", "read a local copy of the log (a server's directory or a monitor's mirror)"}},
	{DOC_NOW, {"now", "TIME", "judge deadlines at TIME (like 2026-12-31T12:00:00Z) instead of now"}},
	{DOC_PAGE, {"limit", "N", "at most N items"}},
	{DOC_PAGE, {"offset", "N", "skip the first N items"}},
	{DOC_JSON, {"json", NULL, "print JSON instead of text"}},
};

static const char EXITS[] = "0 success; 1 verification failed; 2 usage error; 3 any other failure; "
			    "4 refused by the server";

static bool in(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static bool accepts(const cli_cmd *c, const char *flag)
{
	return in(c->vf, flag) || in(c->bf, flag);
}

/* Prints text wrapped at width, each line indented by ind spaces. */
static void wrap(FILE *f, const char *text, int ind, int width)
{
	const char *p = text;
	while (*p) {
		if (*p == '\n') { /* a blank line: a paragraph break */
			fputc('\n', f);
			p++;
			continue;
		}
		int col = ind;
		fprintf(f, "%*s", ind, "");
		bool first = true;
		while (*p && *p != '\n') {
			size_t n = strcspn(p, " \n");
			if (!first && col + 1 + (int)n > width)
				break;
			fprintf(f, "%s%.*s", first ? "" : " ", (int)n, p);
			col += (first ? 0 : 1) + (int)n;
			first = false;
			p += n;
			while (*p == ' ')
				p++;
		}
		fputc('\n', f);
		if (*p == '\n' && p[1] != '\n')
			p++;
	}
}

/* Calls fn for every flag documented for c, in order: its own, then the groups'. */
static void each_doc(const cli_cmd *c, void (*fn)(void *, const cli_optdoc *), void *ctx)
{
	for (const cli_optdoc *o = c->opts; o != NULL && o->flag != NULL; o++)
		fn(ctx, o);
	for (size_t i = 0; i < sizeof COMMON / sizeof COMMON[0]; i++) {
		if ((COMMON[i].group & c->docs) == 0)
			continue;
		bool own = false;
		for (const cli_optdoc *o = c->opts; o != NULL && o->flag != NULL; o++)
			own = own || strcmp(o->flag, COMMON[i].doc.flag) == 0;
		if (!own)
			fn(ctx, &COMMON[i].doc);
	}
}

static void print_opt(void *ctx, const cli_optdoc *o)
{
	FILE *f = ctx;
	char head[64];
	snprintf(head, sizeof head, "--%s%s%s", o->flag, o->arg ? " " : "", o->arg ? o->arg : "");
	if (strlen(head) <= 24)
		fprintf(f, "  %-24s  %s\n", head, o->text);
	else
		fprintf(f, "  %s\n  %-24s  %s\n", head, "", o->text);
}

static bool uses_config(const cli_cmd *c)
{
	return (c->needs & CLI_NEEDS_CONFIG) != 0;
}

static void print_group(FILE *f, const cli_table *t, const cli_cmd *g)
{
	char usage[CLI_SYNOPSIS_MAX];
	cli_synopsis(t, g, usage, sizeof usage);
	fprintf(f, "parley %s - %s\n\nusage: %s\n\n", g->name, g->summary, usage);
	if (g->description != NULL) {
		wrap(f, g->description, 0, 78);
		fputc('\n', f);
	}
	fprintf(f, "subcommands:\n");
	for (size_t i = 0; i < t->n; i++)
		if (cli_cmd_in_group(g, &t->cmds[i]))
			fprintf(f, "  %-24s  %s\n", t->cmds[i].name, t->cmds[i].summary);
	fprintf(f, "\n`parley help %s SUBCOMMAND` (or `parley %s SUBCOMMAND --help`) describes each.\n", g->name,
		g->name);
}

void cli_help_print(FILE *f, const cli_table *t, const cli_cmd *c)
{
	if (cli_cmd_is_group(c)) {
		print_group(f, t, c);
		return;
	}
	fprintf(f, "parley %s - %s\n\nusage: ", c->name, c->summary);
	for (const char *p = c->synopsis; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "%sparley %.*s\n", p == c->synopsis ? "" : "       ", (int)n, p);
		p += n + (p[n] == '\n');
	}
	fputc('\n', f);
	wrap(f, c->description, 0, 78);
	fprintf(f, "\noptions:\n");
	each_doc(c, print_opt, f);
	fprintf(f, "  %-24s  %s\n", "--help", "print this help");
	if (uses_config(c)) {
		fprintf(f, "\nenvironment and configuration (a flag overrides the environment, which overrides the file):\n");
		for (size_t i = 0; i < CLI_NSETTINGS; i++)
			if (accepts(c, cli_settings[i].flag))
				fprintf(f, "  %-24s  --%s: %s\n", cli_settings[i].env, cli_settings[i].flag, cli_settings[i].text);
		if (accepts(c, "passphrase-file") || accepts(c, "key"))
			fprintf(f, "  %-24s  the passphrase itself (after --passphrase-file)\n", "PARLEY_PASSPHRASE");
		fprintf(f, "  %-24s  the configuration file (default $XDG_CONFIG_HOME/parley/config,\n"
			   "  %-24s  else ~/.config/parley/config); `parley config` shows what applies\n",
			"PARLEY_CONFIG", "");
	}
	if (c->examples != NULL) {
		fprintf(f, "\nexamples:\n");
		for (const char *p = c->examples; *p;) {
			size_t n = strcspn(p, "\n");
			fprintf(f, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	fprintf(f, "\nexit status: %s", EXITS);
	if (c->exits != NULL)
		fprintf(f, ".\n  here: %s", c->exits);
	fprintf(f, "\n");
}

/* ---- the command list ---- */

static void print_list(FILE *f, const cli_table *t)
{
	fprintf(f, "usage: parley COMMAND [ARGUMENTS] [--help]\n\n"
		   "A verifiable log for cyber-incident consultations.\n");
	const char *section = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const cli_cmd *c = &t->cmds[i];
		if (strchr(c->name, ' ') != NULL)
			continue;
		if (section == NULL || strcmp(section, c->section) != 0) {
			section = c->section;
			fprintf(f, "\n%s:\n", section);
		}
		fprintf(f, "  %-14s  %s\n", c->name, c->summary);
	}
	fprintf(f, "\n`parley help COMMAND` or `parley COMMAND --help` describes one; docs/cli.md all of them.\n"
		   "Configuration: flags, then PARLEY_* variables, then $PARLEY_CONFIG or ~/.config/parley/config\n"
		   "(`parley help config`).\n"
		   "Exit status: %s.\n",
		EXITS);
}

/* ---- man pages ---- */

/* Writes s escaped for roff running text (no leading dot or quote, backslashes and dashes escaped). */
static void roff(FILE *f, const char *s, size_t n, bool line_start)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (line_start && (ch == '.' || ch == '\''))
			fputs("\\&", f);
		line_start = false;
		if (ch == '\\')
			fputs("\\e", f);
		else if (ch == '-')
			fputs("\\-", f);
		else if (ch == '\n') {
			fputc('\n', f);
			line_start = true;
		} else
			fputc(ch, f);
	}
}

static void roffs(FILE *f, const char *s)
{
	roff(f, s, strlen(s), true);
}

static void page_name(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "parley%s%s", name[0] ? "-" : "", name);
	for (char *p = out; *p; p++)
		if (*p == ' ')
			*p = '-';
}

static void man_head(FILE *f, const char *page, const char *summary)
{
	char up[128];
	size_t i = 0;
	for (; page[i] && i + 1 < sizeof up; i++)
		up[i] = (char)(page[i] >= 'a' && page[i] <= 'z' ? page[i] - 'a' + 'A' : page[i]);
	up[i] = '\0';
	fprintf(f, ".TH ");
	roffs(f, up);
	fprintf(f, " 1 \"\" \"parley %s\" \"Parley manual\"\n.SH NAME\n", PARLEY_VERSION);
	roffs(f, page);
	fprintf(f, " \\- ");
	roffs(f, summary);
	fprintf(f, "\n");
}

static void man_para(FILE *f, const char *text)
{
	fprintf(f, ".PP\n");
	roffs(f, text);
	fprintf(f, "\n");
}

static void man_opt(void *ctx, const cli_optdoc *o)
{
	FILE *f = ctx;
	fprintf(f, ".TP\n\\fB\\-\\-");
	roff(f, o->flag, strlen(o->flag), false);
	fprintf(f, "\\fR");
	if (o->arg) {
		fprintf(f, " \\fI");
		roff(f, o->arg, strlen(o->arg), false);
		fprintf(f, "\\fR");
	}
	fprintf(f, "\n");
	roffs(f, o->text);
	fprintf(f, "\n");
}

static void man_lines(FILE *f, const char *lines, const char *prefix)
{
	fprintf(f, ".PP\n.nf\n");
	for (const char *p = lines; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "%s", prefix);
		roff(f, p, n, prefix[0] == '\0');
		fprintf(f, "\n");
		p += n + (p[n] == '\n');
	}
	fprintf(f, ".fi\n");
}

static void man_see_also(FILE *f, const cli_cmd *c)
{
	fprintf(f, ".SH SEE ALSO\n\\fBparley\\fR(1)");
	if (c != NULL && strchr(c->name, ' ') != NULL) {
		char group[64], page[128];
		snprintf(group, sizeof group, "%.*s", (int)strcspn(c->name, " "), c->name);
		page_name(group, page, sizeof page);
		fprintf(f, ", \\fB");
		roffs(f, page);
		fprintf(f, "\\fR(1)");
	}
	fprintf(f, "\n");
}

static void man_page(FILE *f, const cli_table *t, const cli_cmd *c)
{
	char page[128];
	page_name(c->name, page, sizeof page);
	man_head(f, page, c->summary);
	fprintf(f, ".SH SYNOPSIS\n");
	if (cli_cmd_is_group(c)) {
		fprintf(f, ".nf\n");
		for (size_t i = 0; i < t->n; i++)
			if (cli_cmd_in_group(c, &t->cmds[i]))
				for (const char *p = t->cmds[i].synopsis; *p;) {
					size_t n = strcspn(p, "\n");
					fprintf(f, "\\fBparley\\fR ");
					roff(f, p, n, false);
					fprintf(f, "\n");
					p += n + (p[n] == '\n');
				}
		fprintf(f, ".fi\n.SH DESCRIPTION\n");
		if (c->description)
			man_para(f, c->description);
		fprintf(f, ".PP\nSubcommands, each with its own page:\n");
		for (size_t i = 0; i < t->n; i++) {
			if (!cli_cmd_in_group(c, &t->cmds[i]))
				continue;
			char sp[128];
			page_name(t->cmds[i].name, sp, sizeof sp);
			fprintf(f, ".TP\n\\fB");
			roffs(f, sp);
			fprintf(f, "\\fR(1)\n");
			roffs(f, t->cmds[i].summary);
			fprintf(f, "\n");
		}
		man_see_also(f, NULL);
		return;
	}
	man_lines(f, c->synopsis, "parley ");
	fprintf(f, ".SH DESCRIPTION\n");
	man_para(f, c->description);
	fprintf(f, ".SH OPTIONS\n");
	each_doc(c, man_opt, f);
	man_opt(f, &(cli_optdoc){"help", NULL, "Print the help and exit."});
	if (uses_config(c)) {
		fprintf(f, ".SH ENVIRONMENT\n");
		for (size_t i = 0; i < CLI_NSETTINGS; i++) {
			if (!accepts(c, cli_settings[i].flag))
				continue;
			fprintf(f, ".TP\n\\fB");
			roffs(f, cli_settings[i].env);
			fprintf(f, "\\fR\n\\fB\\-\\-");
			roff(f, cli_settings[i].flag, strlen(cli_settings[i].flag), false);
			fprintf(f, "\\fR: ");
			roff(f, cli_settings[i].text, strlen(cli_settings[i].text), false);
			fprintf(f, "\n");
		}
		if (accepts(c, "passphrase-file") || accepts(c, "key"))
			fprintf(f, ".TP\n\\fBPARLEY_PASSPHRASE\\fR\nthe passphrase itself (after \\fB\\-\\-passphrase\\-file\\fR)\n");
		fprintf(f, ".TP\n\\fBPARLEY_CONFIG\\fR\nthe configuration file (default \\fI$XDG_CONFIG_HOME/parley/config\\fR, "
			   "else \\fI~/.config/parley/config\\fR).\nA flag overrides the environment, which overrides the "
			   "file; see \\fBparley\\-config\\fR(1).\n");
	}
	if (c->examples) {
		fprintf(f, ".SH EXAMPLES\n");
		man_lines(f, c->examples, "");
	}
	fprintf(f, ".SH EXIT STATUS\n");
	roffs(f, EXITS);
	fprintf(f, ".\n");
	if (c->exits) {
		fprintf(f, ".PP\nHere: ");
		roff(f, c->exits, strlen(c->exits), false);
		fprintf(f, ".\n");
	}
	man_see_also(f, c);
}

static void man_main(FILE *f, const cli_table *t)
{
	man_head(f, "parley", "a verifiable log for cyber-incident consultations");
	fprintf(f, ".SH SYNOPSIS\n\\fBparley\\fR \\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fB\\-\\-help\\fR]\n"
		   ".SH DESCRIPTION\n");
	man_para(f, "Every message is a signed statement appended to an append-only Merkle log whose checkpoints "
		    "are signed notes; anyone can audit the whole log, and anyone holding a proof file can verify "
		    "it offline. parley is the one executable: each command below has its own page.");
	fprintf(f, ".SH COMMANDS\n");
	for (size_t i = 0; i < t->n; i++) {
		const cli_cmd *c = &t->cmds[i];
		if (strchr(c->name, ' ') != NULL)
			continue;
		char page[128];
		page_name(c->name, page, sizeof page);
		fprintf(f, ".TP\n\\fB");
		roffs(f, page);
		fprintf(f, "\\fR(1)\n");
		roffs(f, c->summary);
		fprintf(f, "\n");
	}
	fprintf(f, ".SH CONFIGURATION\n");
	man_para(f, "Settings come from flags, then environment variables, then one configuration file, in that "
		    "order of precedence; each applies only to the commands that take that flag. See "
		    "parley-config(1).");
	fprintf(f, ".SH EXIT STATUS\n");
	roffs(f, EXITS);
	fprintf(f, ".\n.SH SEE ALSO\n\\fBparley\\-config\\fR(1), \\fBparley\\-log\\fR(1)\n");
}

/* Writes every page into dir (created if needed). */
static int man_dir(const cli_table *t, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "parley help: cannot create %s: %s\n", dir, strerror(errno));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i <= t->n; i++) {
		const cli_cmd *c = i < t->n ? &t->cmds[i] : NULL;
		if (c != NULL && (strcmp(c->name, "help") == 0 || strcmp(c->name, "version") == 0))
			continue;
		char page[128], path[PATH_MAX];
		page_name(c ? c->name : "", page, sizeof page);
		snprintf(path, sizeof path, "%s/%s.1", dir, page);
		FILE *f = fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, "parley help: cannot write %s: %s\n", path, strerror(errno));
			return EXIT_FAIL;
		}
		if (c)
			man_page(f, t, c);
		else
			man_main(f, t);
		if (fclose(f) != 0) {
			fprintf(stderr, "parley help: cannot write %s: %s\n", path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	return 0;
}

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
			return man_dir(t, argv[1]);
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
			man_main(stdout, t);
		else
			print_list(stdout, t);
		return 0;
	}
	const cli_cmd *c = cli_table_find(t, name);
	if (c == NULL)
		return cli_usage_call(call, "no command \"%s\" (`parley help` lists them)", name);
	if (man)
		man_page(stdout, t, c);
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
