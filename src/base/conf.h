/*
 * conf.h - the parser of Parley's configuration file (docs/cli.md): "name =
 * value" lines, '#' comment lines and blank lines. Pure: it reads a buffer and
 * knows nothing of the file system, the environment or precedence (the
 * executable does that). Every error names the file and the line.
 */
#ifndef PARLEY_BASE_CONF_H
#define PARLEY_BASE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define PL_CONF_MAX_BYTES 65536 /* a larger file is refused */
#define PL_CONF_LINE_MAX 4096   /* so is a longer line (without its newline) */
#define PL_CONF_ENTRIES_MAX 64  /* and more settings than this */

/* A name the file may set; repeat: it may appear on several lines. */
typedef struct pl_conf_name {
	const char *name;
	bool repeat;
} pl_conf_name;

typedef struct pl_conf_entry {
	char *name;
	char *value;
	unsigned line; /* 1-based */
} pl_conf_entry;

typedef struct pl_conf {
	pl_conf_entry *e;
	size_t n;
} pl_conf;

/*
 * Parses text (len bytes; path only names the file in errors) into out.
 * A line is blank, a comment (first non-blank character '#'), or
 * "name = value": blanks around the name and the value are dropped, the value
 * is the rest of the line (it may hold '#' and '='), and it may not be empty.
 * A name not in names, a second line for a name that does not repeat, a line
 * without '=', a NUL byte, an over-long line or file are errors (PL_EFORMAT or
 * PL_ETOOBIG) with "PATH:LINE: ..." in d. out is empty on error.
 */
int pl_conf_parse(const char *text, size_t len, const char *path, const pl_conf_name *names, size_t nnames,
		  pl_conf *out, pl_diag *d);

void pl_conf_release(pl_conf *c);

#endif
