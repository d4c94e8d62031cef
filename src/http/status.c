/* status.c - refusals and errors as HTTP answers (status.h). */
#include "http/status.h"

#include "base/err.h"

static const unsigned BY_KIND[PL_REFUSAL_KINDS] = {
	[PL_REFUSAL_MALFORMED] = 400,
	[PL_REFUSAL_UNAUTHENTICATED] = 401,
	[PL_REFUSAL_UNSUPPORTED] = 415,
	[PL_REFUSAL_TOO_LARGE] = 413,
	[PL_REFUSAL_FORBIDDEN] = 403,
	[PL_REFUSAL_NOT_FOUND] = 404,
	[PL_REFUSAL_CONFLICT] = 409,
	[PL_REFUSAL_INVALID] = 422,
	[PL_REFUSAL_LIMITED] = 429,
	[PL_REFUSAL_UNAVAILABLE] = 503,
	[PL_REFUSAL_STORAGE_FULL] = 507, /* Insufficient Storage (RFC 4918): not this body's size (413), nor later (503) */
};

unsigned pl_http_status_of_kind(pl_refusal_kind kind)
{
	return (unsigned)kind < PL_REFUSAL_KINDS ? BY_KIND[kind] : 422;
}

unsigned pl_http_status_of(pl_refusal_code code)
{
	return pl_http_status_of_kind(pl_refusal_kind_of(code));
}

void pl_http_answer_of(int err, const pl_refusal *r, unsigned *status, const char **code)
{
	if (err == PL_EREFUSED && r != NULL && r->code != PL_R_NONE) {
		*status = pl_http_status_of(r->code);
		*code = pl_refusal_name(r->code);
	} else if (err == PL_ENOMEM) {
		*status = 503;
		*code = "no_memory";
	} else {
		*status = 500;
		*code = "internal";
	}
}

unsigned pl_http_retry_after(unsigned status)
{
	return status == 429 || status == 503 ? 1 : 0;
}
