/* access.c - who may read /metrics (access.h). */
#include "http/access.h"

#include "base/sha256.h"

#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

bool pl_http_is_loopback(const struct sockaddr *sa)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || (memcmp(a, v4mapped, 12) == 0 && a[12] == 127);
	}
	return false;
}

bool pl_http_metrics_token_valid(const uint8_t *t, size_t n)
{
	if (n < PL_METRICS_TOKEN_MIN || n > PL_METRICS_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return false;
	return true;
}

pl_metrics_access pl_http_metrics_access(const struct sockaddr *peer, const char *authorization,
					 const uint8_t *token_digest)
{
	if (token_digest == NULL)
		return pl_http_is_loopback(peer) ? PL_METRICS_ALLOWED : PL_METRICS_NOT_LOOPBACK;
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return PL_METRICS_NO_TOKEN;
	uint8_t got[PL_SHA256_SIZE];
	pl_sha256(authorization + 7, strlen(authorization + 7), got);
	bool same = sodium_memcmp(got, token_digest, PL_SHA256_SIZE) == 0;
	sodium_memzero(got, sizeof got);
	return same ? PL_METRICS_ALLOWED : PL_METRICS_NO_TOKEN;
}
