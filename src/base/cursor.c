/* cursor.c - line cursor over spans. */
#include "base/cursor.h"

#include "base/err.h"

#include <string.h>

pl_cursor pl_cursor_of(pl_span s)
{
	pl_cursor c = {s.p, s.n};
	return c;
}

int pl_cursor_line(pl_cursor *c, pl_span *line)
{
	if (c->n == 0)
		return PL_EFORMAT;
	const uint8_t *nl = memchr(c->p, '\n', c->n);
	if (nl == NULL)
		return PL_EFORMAT;
	size_t len = (size_t)(nl - c->p);
	line->p = c->p;
	line->n = len;
	c->p += len + 1;
	c->n -= len + 1;
	return PL_OK;
}

bool pl_cursor_done(const pl_cursor *c)
{
	return c->n == 0;
}

bool pl_span_cut_prefix(pl_span line, const char *prefix, pl_span *rest)
{
	if (!pl_span_starts(line, prefix))
		return false;
	size_t k = strlen(prefix);
	rest->p = line.p + k;
	rest->n = line.n - k;
	return true;
}
