/* refusal.c - the table of refusals (refusal.h). */
#include "base/refusal.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct row {
	const char *name;
	pl_refusal_kind kind;
	const char *when;
} row;

static const row TABLE[PL_R_COUNT] = {
	[PL_R_NONE] = {"", PL_REFUSAL_INVALID, ""},
#define PL_REFUSAL_ROW(e, n, k, w) [PL_R_##e] = {n, PL_REFUSAL_##k, w},
	PL_REFUSAL_TABLE(PL_REFUSAL_ROW)
#undef PL_REFUSAL_ROW
};

int pl_refuse(pl_refusal *r, pl_refusal_code code, const char *fmt, ...)
{
	if (r != NULL) {
		r->code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->msg, sizeof r->msg, fmt, ap);
		va_end(ap);
	}
	return PL_EREFUSED;
}

const char *pl_refusal_name(pl_refusal_code code)
{
	return (unsigned)code < PL_R_COUNT ? TABLE[code].name : "";
}

pl_refusal_kind pl_refusal_kind_of(pl_refusal_code code)
{
	return (unsigned)code < PL_R_COUNT ? TABLE[code].kind : PL_REFUSAL_INVALID;
}

const char *pl_refusal_when(pl_refusal_code code)
{
	return (unsigned)code < PL_R_COUNT ? TABLE[code].when : "";
}

pl_refusal_code pl_refusal_by_name(const char *name)
{
	for (unsigned i = 1; i < PL_R_COUNT; i++)
		if (strcmp(TABLE[i].name, name) == 0)
			return (pl_refusal_code)i;
	return PL_R_NONE;
}

bool pl_refusal_retryable(pl_refusal_code code)
{
	pl_refusal_kind k = pl_refusal_kind_of(code);
	return code != PL_R_NONE && (k == PL_REFUSAL_LIMITED || k == PL_REFUSAL_UNAVAILABLE);
}
