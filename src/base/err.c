/* err.c - names of error codes and the pl_diag helpers. */
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pl_strerror(int err)
{
	switch (err) {
	case PL_OK: return "success";
	case PL_ENOMEM: return "out of memory";
	case PL_EINVAL: return "invalid argument";
	case PL_EFORMAT: return "malformed or non-canonical input";
	case PL_ETOOBIG: return "input exceeds size limit";
	case PL_EVERIFY: return "verification failed";
	case PL_ENOKEY: return "no signature by a trusted key";
	case PL_ENOTFOUND: return "not found";
	case PL_EEXIST: return "already exists";
	case PL_EIO: return "input/output error";
	case PL_ECORRUPT: return "stored data is corrupt";
	case PL_EDB: return "database error";
	case PL_EPERM: return "unsafe key file permissions";
	case PL_ECRYPTO: return "cryptographic library failure";
	case PL_ENET: return "network error";
	case PL_ERANGE: return "out of range";
	case PL_ESTATE: return "invalid state for this operation";
	case PL_ENOSPC: return "no space left on device";
	case PL_EREFUSED: return "refused by the server";
	default: return "unknown error";
	}
}

static void diag_vset(pl_diag *d, int code, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void diag_vset(pl_diag *d, int code, const char *fmt, va_list ap)
{
	if (d == NULL || d->msg[0] != '\0')
		return;
	d->code = code;
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
}

int pl_diag_set(pl_diag *d, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vset(d, code, fmt, ap);
	va_end(ap);
	return code;
}

int pl_diag_errno(pl_diag *d, int code, int errno_value, const char *fmt, ...)
{
	if (errno_value == ENOSPC || errno_value == EDQUOT)
		code = PL_ENOSPC;
	if (d != NULL && d->msg[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		diag_vset(d, code, fmt, ap);
		va_end(ap);
		size_t n = strlen(d->msg);
		snprintf(d->msg + n, sizeof d->msg - n, ": %s", strerror(errno_value));
	}
	return code;
}

void pl_diag_clear(pl_diag *d)
{
	if (d != NULL) {
		d->code = PL_OK;
		d->msg[0] = '\0';
	}
}

const char *pl_diag_text(const pl_diag *d, int code)
{
	if (d != NULL && d->msg[0] != '\0')
		return d->msg;
	return pl_strerror(code);
}
