/*
 * timefmt.h - the one time format of Parley statements: RFC 3339 in UTC to
 * the second, "YYYY-MM-DDTHH:MM:SSZ" (20 characters). Parsing is canonical:
 * no fractions, no offsets, no lower-case letters, real calendar dates only,
 * years 1970..9999.
 */
#ifndef PARLEY_BASE_TIMEFMT_H
#define PARLEY_BASE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define PL_TIME_LEN 20

/* Parses text[0..n) into seconds since the epoch. PL_EFORMAT if not canonical. */
int pl_time_parse(const char *text, size_t n, int64_t *out) __attribute__((warn_unused_result));

/* Formats t (0 <= t < year 10000) into out (room for PL_TIME_LEN + 1). */
void pl_time_format(int64_t t, char out[PL_TIME_LEN + 1]);

/* The current time in seconds since the epoch (CLOCK_REALTIME). */
int64_t pl_now(void);

#endif
