/* conf.c - "name = value" configuration files (see conf.h). */
#include "base/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_conf_release(pl_conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].name);
		free(c->e[i].value);
	}
	free(c->e);
	c->e = NULL;
	c->n = 0;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* [p, p+n) without leading and trailing blanks. */
static void trim(const char **p, size_t *n)
{
	while (*n > 0 && blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && blank((*p)[*n - 1]))
		(*n)--;
}

static bool name_ok(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
			return false;
	return true;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

int pl_conf_parse(const char *text, size_t len, const char *path, const pl_conf_name *names, size_t nnames,
		  pl_conf *out, pl_diag *d)
{
	out->e = NULL;
	out->n = 0;
	int rc = PL_OK;
	if (len > PL_CONF_MAX_BYTES)
		return pl_diag_set(d, PL_ETOOBIG, "%s: the file is %zu bytes; the limit is %d", path, len,
				   PL_CONF_MAX_BYTES);
	if (memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		unsigned ln = 1;
		for (const char *p = text; p < z; p++)
			ln += *p == '\n';
		return pl_diag_set(d, PL_EFORMAT, "%s:%u: a NUL byte (not a text file)", path, ln);
	}
	out->e = calloc(PL_CONF_ENTRIES_MAX, sizeof *out->e);
	if (out->e == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	size_t off = 0;
	unsigned line = 0;
	while (rc == PL_OK && off < len) {
		line++;
		const char *p = text + off;
		const char *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		off += n + (nl ? 1 : 0);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > PL_CONF_LINE_MAX) {
			rc = pl_diag_set(d, PL_ETOOBIG, "%s:%u: the line is %zu bytes; the limit is %d", path, line, n,
					 PL_CONF_LINE_MAX);
			break;
		}
		trim(&p, &n);
		if (n == 0 || p[0] == '#')
			continue;
		const char *eq = memchr(p, '=', n);
		if (eq == NULL) {
			rc = pl_diag_set(d, PL_EFORMAT, "%s:%u: expected \"name = value\"", path, line);
			break;
		}
		const char *nm = p, *val = eq + 1;
		size_t nn = (size_t)(eq - p), vn = n - nn - 1;
		trim(&nm, &nn);
		trim(&val, &vn);
		if (!name_ok(nm, nn)) {
			rc = pl_diag_set(d, PL_EFORMAT, "%s:%u: expected \"name = value\" with a name like server", path,
					 line);
			break;
		}
		size_t k = 0;
		while (k < nnames && (strlen(names[k].name) != nn || memcmp(names[k].name, nm, nn) != 0))
			k++;
		if (k == nnames) {
			char known[512] = "";
			size_t kl = 0;
			for (size_t i = 0; i < nnames && kl < sizeof known; i++) {
				int w = snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "", names[i].name);
				kl = w < 0 ? sizeof known : kl + (size_t)w;
			}
			rc = pl_diag_set(d, PL_EFORMAT, "%s:%u: unknown setting \"%.*s\" (known: %s)", path, line, (int)nn,
					 nm, known);
			break;
		}
		if (vn == 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "%s:%u: %s has no value", path, line, names[k].name);
			break;
		}
		if (!names[k].repeat)
			for (size_t i = 0; i < out->n; i++)
				if (strcmp(out->e[i].name, names[k].name) == 0)
					rc = pl_diag_set(d, PL_EFORMAT, "%s:%u: %s is already set on line %u", path, line,
							 names[k].name, out->e[i].line);
		if (rc != PL_OK)
			break;
		if (out->n == PL_CONF_ENTRIES_MAX) {
			rc = pl_diag_set(d, PL_ETOOBIG, "%s:%u: more than %d settings", path, line, PL_CONF_ENTRIES_MAX);
			break;
		}
		pl_conf_entry *e = &out->e[out->n];
		e->name = dup_n(nm, nn);
		e->value = dup_n(val, vn);
		e->line = line;
		out->n++;
		if (e->name == NULL || e->value == NULL)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	if (rc != PL_OK)
		pl_conf_release(out);
	return rc;
}
