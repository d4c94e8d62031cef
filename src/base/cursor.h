/*
 * cursor.h - a forward-only reader over a byte span, for line-oriented formats
 * (signed notes, checkpoints, proofs, witness requests). Every call says
 * exactly how much it may consume; nothing reads past the span.
 */
#ifndef PARLEY_BASE_CURSOR_H
#define PARLEY_BASE_CURSOR_H

#include <stdbool.h>

#include "base/buf.h"

typedef struct pl_cursor {
	const uint8_t *p; /* next unread byte */
	size_t n;         /* bytes left */
} pl_cursor;

/* A cursor over s. */
pl_cursor pl_cursor_of(pl_span s);

/* Stores in *line the bytes up to the next '\n' (excluded) and consumes them
 * and the newline. PL_EFORMAT if no newline remains (an unterminated last
 * line is never accepted). */
int pl_cursor_line(pl_cursor *c, pl_span *line) __attribute__((warn_unused_result));

/* True when nothing is left. */
bool pl_cursor_done(const pl_cursor *c);

/* If the line starts with prefix, stores the rest in *rest and returns true. */
bool pl_span_cut_prefix(pl_span line, const char *prefix, pl_span *rest);

#endif
