/* timefmt.c - RFC 3339 UTC timestamps to the second. */
#include "base/timefmt.h"

#include "base/err.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int num(const char *p, int digits)
{
	int v = 0;
	for (int i = 0; i < digits; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int pl_time_parse(const char *t, size_t n, int64_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (n != PL_TIME_LEN || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
	    t[19] != 'Z')
		return PL_EFORMAT;
	int y = num(t, 4), mo = num(t + 5, 2), d = num(t + 8, 2), h = num(t + 11, 2), mi = num(t + 14, 2),
	    s = num(t + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return PL_EFORMAT;
	int md = mdays[mo - 1] + (mo == 2 && leap(y));
	if (d > md)
		return PL_EFORMAT;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return PL_OK;
}

void pl_time_format(int64_t t, char out[PL_TIME_LEN + 1])
{
	time_t tt = (time_t)(t < 0 ? 0 : t);
	struct tm tm;
	gmtime_r(&tt, &tm);
	unsigned f[6] = {(unsigned)(tm.tm_year + 1900) % 10000, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
			 (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec};
	static const char layout[] = "YYYY-MM-DDTHH:MM:SSZ";
	memcpy(out, layout, sizeof layout);
	out[0] = (char)('0' + f[0] / 1000);
	out[1] = (char)('0' + f[0] / 100 % 10);
	out[2] = (char)('0' + f[0] / 10 % 10);
	out[3] = (char)('0' + f[0] % 10);
	static const int pos[5] = {5, 8, 11, 14, 17};
	for (int i = 0; i < 5; i++) {
		out[pos[i]] = (char)('0' + f[i + 1] / 10 % 10);
		out[pos[i] + 1] = (char)('0' + f[i + 1] % 10);
	}
}

int64_t pl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}
