/* help.c - the help parley prints for a terminal (`parley help CMD`, `parley
 * CMD --help`, the command list), from the rows of the command table
 * (commands.c); and what the man pages (man.c) print too: the flags
 * documented for a command, the exit statuses. */
#include "cli/help_impl.h"

#include "cli/cli.h"
#include "cli/config.h"

#include <string.h>

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

const char cli_help_exits[] = "0 success; 1 verification failed; 2 usage error; 3 any other failure; "
			      "4 refused by the server";

static bool in(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

bool cli_help_accepts(const cli_cmd *c, const char *flag)
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

void cli_help_each_doc(const cli_cmd *c, void (*fn)(void *, const cli_optdoc *), void *ctx)
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

bool cli_help_uses_config(const cli_cmd *c)
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
	cli_help_each_doc(c, print_opt, f);
	fprintf(f, "  %-24s  %s\n", "--help", "print this help");
	if (cli_help_uses_config(c)) {
		fprintf(f, "\nenvironment and configuration (a flag overrides the environment, which overrides the file):\n");
		for (size_t i = 0; i < CLI_NSETTINGS; i++)
			if (cli_help_accepts(c, cli_settings[i].flag))
				fprintf(f, "  %-24s  --%s: %s\n", cli_settings[i].env, cli_settings[i].flag, cli_settings[i].text);
		if (cli_help_accepts(c, "passphrase-file") || cli_help_accepts(c, "key"))
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
	fprintf(f, "\nexit status: %s", cli_help_exits);
	if (c->exits != NULL)
		fprintf(f, ".\n  here: %s", c->exits);
	fprintf(f, "\n");
}

/* ---- the command list ---- */

void cli_help_list(FILE *f, const cli_table *t)
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
		cli_help_exits);
}
