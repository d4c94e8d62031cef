/*
 * verdict.h - why a submission was refused: an HTTP status, a stable
 * machine-readable code (documented in docs/statements.md) and one human
 * sentence. Every admission check fills one.
 */
#ifndef PARLEY_STATEMENT_VERDICT_H
#define PARLEY_STATEMENT_VERDICT_H

#define PL_VERDICT_MSG 256

typedef struct pl_verdict {
	int status;               /* HTTP status (400, 403, 409, 413, 415, 422, 429, 503) */
	const char *code;         /* stable code such as "bad_signature"; NULL when admitted */
	char msg[PL_VERDICT_MSG]; /* one sentence */
} pl_verdict;

/* Fills v (if not NULL) and returns -1, so checks can `return pl_refuse(...)`. */
int pl_refuse(pl_verdict *v, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
