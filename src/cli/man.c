/* man.c - parley's man pages in roff: parley(1) and one page per command and
 * subcommand, from the rows of the command table, written by `parley help
 * --man` and by the build (`parley help --man-dir DIR`). */
#include "cli/help_impl.h"

#include "cli/cli.h"
#include "cli/config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void cli_man_page(FILE *f, const cli_table *t, const cli_cmd *c)
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
	cli_help_each_doc(c, man_opt, f);
	man_opt(f, &(cli_optdoc){"help", NULL, "Print the help and exit."});
	if (cli_help_uses_config(c)) {
		fprintf(f, ".SH ENVIRONMENT\n");
		for (size_t i = 0; i < CLI_NSETTINGS; i++) {
			if (!cli_help_accepts(c, cli_settings[i].flag))
				continue;
			fprintf(f, ".TP\n\\fB");
			roffs(f, cli_settings[i].env);
			fprintf(f, "\\fR\n\\fB\\-\\-");
			roff(f, cli_settings[i].flag, strlen(cli_settings[i].flag), false);
			fprintf(f, "\\fR: ");
			roff(f, cli_settings[i].text, strlen(cli_settings[i].text), false);
			fprintf(f, "\n");
		}
		if (cli_help_accepts(c, "passphrase-file") || cli_help_accepts(c, "key"))
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
	roffs(f, cli_help_exits);
	fprintf(f, ".\n");
	if (c->exits) {
		fprintf(f, ".PP\nHere: ");
		roff(f, c->exits, strlen(c->exits), false);
		fprintf(f, ".\n");
	}
	man_see_also(f, c);
}

void cli_man_main(FILE *f, const cli_table *t)
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
	roffs(f, cli_help_exits);
	fprintf(f, ".\n.SH SEE ALSO\n\\fBparley\\-config\\fR(1), \\fBparley\\-log\\fR(1)\n");
}

int cli_man_dir(const cli_table *t, const char *dir)
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
			cli_man_page(f, t, c);
		else
			cli_man_main(f, t);
		if (fclose(f) != 0) {
			fprintf(stderr, "parley help: cannot write %s: %s\n", path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	return 0;
}
