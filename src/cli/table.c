/* table.c - reading rows of the command table (table.h). */
#include "cli/table.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const cli_cmd *cli_table_find(const cli_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->cmds[i].name, name) == 0)
			return &t->cmds[i];
	return NULL;
}

bool cli_cmd_is_group(const cli_cmd *c)
{
	return c->synopsis == NULL;
}

bool cli_cmd_in_group(const cli_cmd *g, const cli_cmd *c)
{
	size_t n = strlen(g->name);
	return strncmp(c->name, g->name, n) == 0 && c->name[n] == ' ';
}

void cli_synopsis(const cli_table *t, const cli_cmd *c, char *buf, size_t cap)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n && off < cap; i++) {
		const cli_cmd *s = &t->cmds[i];
		if (s != c && !(cli_cmd_is_group(c) && cli_cmd_in_group(c, s)))
			continue;
		if (s->synopsis == NULL)
			continue;
		for (const char *p = s->synopsis; *p && off < cap;) {
			size_t n = strcspn(p, "\n");
			int w = snprintf(buf + off, cap - off, "%sparley %.*s", off ? "\n       " : "", (int)n, p);
			off = w < 0 ? cap : off + (size_t)w;
			p += n + (p[n] == '\n');
		}
	}
	if (off < cap)
		snprintf(buf + off, cap - off, "\n       (`parley help %s` for more)", c->name);
}

static int usage_v(const cli_table *t, const cli_cmd *c, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static int usage_v(const cli_table *t, const cli_cmd *c, const char *fmt, va_list ap)
{
	char usage[CLI_SYNOPSIS_MAX];
	cli_synopsis(t, c, usage, sizeof usage);
	fputs("parley: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return EXIT_USAGE;
}

int cli_usage_of(const cli_table *t, const cli_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int st = usage_v(t, c, fmt, ap);
	va_end(ap);
	return st;
}

int cli_usage_call(const cli_call *call, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int st = usage_v(call->table, call->cmd, fmt, ap);
	va_end(ap);
	return st;
}
