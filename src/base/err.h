/*
 * err.h - the one error type of libparley.
 *
 * Every library function that can fail returns an int: PL_OK (0) on success or
 * one of the negative PL_E* codes below. Codes are stable; pl_strerror() names
 * them. Functions that can say more (which line, which file) take an optional
 * pl_diag and write one human sentence into it; a NULL pl_diag is always allowed.
 * Bad input is an error code; a broken internal invariant is a bug (assert).
 */
#ifndef PARLEY_BASE_ERR_H
#define PARLEY_BASE_ERR_H

#include <stddef.h>

enum pl_err {
	PL_OK = 0,
	PL_ENOMEM = -1,    /* an allocation failed */
	PL_EINVAL = -2,    /* the caller passed an invalid argument */
	PL_EFORMAT = -3,   /* input is malformed or not in canonical form */
	PL_ETOOBIG = -4,   /* input exceeds a documented size cap */
	PL_EVERIFY = -5,   /* a signature, hash or proof does not verify */
	PL_ENOKEY = -6,    /* no signature by a trusted key (or quorum not met) */
	PL_ENOTFOUND = -7, /* the named file, entry or resource does not exist */
	PL_EEXIST = -8,    /* the thing to create already exists */
	PL_EIO = -9,       /* an operating-system I/O call failed (see errno in the diag) */
	PL_ECORRUPT = -10, /* stored data is inconsistent with itself */
	PL_EDB = -11,      /* SQLite reported an error */
	PL_EPERM = -12,    /* a key file is readable by others or owned by someone else */
	PL_ECRYPTO = -13,  /* a cryptographic library call failed */
	PL_ENET = -14,     /* a network transfer failed */
	PL_ERANGE = -15,   /* an index or size is outside what exists */
	PL_ESTATE = -16,   /* the object is not in a state that allows the call */
	PL_ENOSPC = -17,   /* the disk is full */
	PL_EREFUSED = -18, /* refused by a rule (a pl_refusal, base/refusal.h, says which) or by a server (its code and sentence are in the diag) */
};

/* Returns a static, human-readable name for an error code; never NULL. */
const char *pl_strerror(int err);

/* A place for one sentence of detail about the last failure of a call. */
#define PL_DIAG_MAX 512
typedef struct pl_diag {
	int code;              /* the code the failing call returned */
	char msg[PL_DIAG_MAX]; /* NUL-terminated sentence, or "" */
} pl_diag;

/*
 * Records code and a printf-style sentence into d (if d is not NULL) and
 * returns code, so callers can write `return pl_diag_set(d, PL_EFORMAT, ...)`.
 * The first failure wins: a diag that already holds a message is not
 * overwritten, so the innermost, most specific sentence survives.
 */
int pl_diag_set(pl_diag *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like pl_diag_set, and appends ": <strerror(errno_value)>". Returns PL_ENOSPC
 * for ENOSPC/EDQUOT and code otherwise. */
int pl_diag_errno(pl_diag *d, int code, int errno_value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Clears d (no-op for NULL). */
void pl_diag_clear(pl_diag *d);

/* Returns d->msg if set, else pl_strerror(code). Never NULL. */
const char *pl_diag_text(const pl_diag *d, int code);

#endif
