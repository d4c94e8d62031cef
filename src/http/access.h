/*
 * access.h - who may read `parley serve`'s /metrics (docs/operating.md).
 *
 * The metrics say how busy the log is, who is refused and how often: not for
 * outsiders. By default only loopback clients read them (a Prometheus on the
 * same host, or a reverse proxy that lets only its own clients through).
 * With a bearer token configured, every client must present it, loopback
 * included (every local user reaches the loopback interface): the
 * Authorization header is "Bearer TOKEN", compared in constant time through
 * the SHA-256 digests of both (so not even the token's length shows).
 */
#ifndef PARLEY_HTTP_ACCESS_H
#define PARLEY_HTTP_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/sizes.h"

/* The shortest and longest bearer token accepted from a file (bytes, printable ASCII). */
#define PL_METRICS_TOKEN_MIN 16
#define PL_METRICS_TOKEN_MAX 256

typedef enum pl_metrics_access {
	PL_METRICS_ALLOWED,      /* answer */
	PL_METRICS_NOT_LOOPBACK, /* no token configured and the client is not on loopback: 403 */
	PL_METRICS_NO_TOKEN,     /* a token is configured and the request does not carry it: 401 */
} pl_metrics_access;

/* True for an IPv4 address in 127.0.0.0/8, ::1, or ::ffff:127.x.y.z; false for NULL or anything else. */
bool pl_http_is_loopback(const struct sockaddr *sa);

/*
 * Whether a request from peer with the Authorization header authorization
 * (NULL when absent) may read /metrics: token_digest is the SHA-256 of the
 * configured token, or NULL when none is configured.
 */
pl_metrics_access pl_http_metrics_access(const struct sockaddr *peer, const char *authorization,
					 const uint8_t *token_digest);

/*
 * Checks a token read from a file (a final newline dropped by the caller):
 * PL_METRICS_TOKEN_MIN..MAX bytes of printable ASCII without spaces. False
 * otherwise.
 */
bool pl_http_metrics_token_valid(const uint8_t *t, size_t n);

#endif
