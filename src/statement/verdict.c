/* verdict.c - refusal reasons. */
#include "statement/verdict.h"

#include <stdarg.h>
#include <stdio.h>

int pl_refuse(pl_verdict *v, int status, const char *code, const char *fmt, ...)
{
	if (v != NULL) {
		v->status = status;
		v->code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->msg, sizeof v->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}
