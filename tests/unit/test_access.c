/* test_access.c - who may read /metrics (http/access.h): loopback clients by default, every client
 * with the bearer token once one is configured, loopback included. */
#include "testutil.h"

#include "base/sha256.h"
#include "http/access.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6 v6(const char *a)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof s);
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

#define SA(x) ((const struct sockaddr *)(const void *)&(x))

static void test_loopback(void **state)
{
	(void)state;
	static const char *const yes4[] = {"127.0.0.1", "127.0.0.2", "127.255.255.254"};
	static const char *const no4[] = {"10.0.0.1", "192.0.2.7", "128.0.0.1", "126.255.255.255", "0.0.0.0",
					  "255.255.255.255"};
	for (size_t i = 0; i < sizeof yes4 / sizeof *yes4; i++) {
		struct sockaddr_in s = v4(yes4[i]);
		assert_true(pl_http_is_loopback(SA(s)));
	}
	for (size_t i = 0; i < sizeof no4 / sizeof *no4; i++) {
		struct sockaddr_in s = v4(no4[i]);
		assert_false(pl_http_is_loopback(SA(s)));
	}
	struct sockaddr_in6 l6 = v6("::1"), m6 = v6("::ffff:127.0.0.1"), o6 = v6("2001:db8::1"), x6 = v6("::ffff:10.0.0.1"),
			    z6 = v6("::");
	assert_true(pl_http_is_loopback(SA(l6)));
	assert_true(pl_http_is_loopback(SA(m6)));
	assert_false(pl_http_is_loopback(SA(o6)));
	assert_false(pl_http_is_loopback(SA(x6)));
	assert_false(pl_http_is_loopback(SA(z6)));
	assert_false(pl_http_is_loopback(NULL));
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_false(pl_http_is_loopback(&un));
}

static void test_metrics_access(void **state)
{
	(void)state;
	struct sockaddr_in lo = v4("127.0.0.1"), far = v4("192.0.2.7");
	/* no token: loopback clients only, whatever they send */
	assert_int_equal(pl_http_metrics_access(SA(lo), NULL, NULL), PL_METRICS_ALLOWED);
	assert_int_equal(pl_http_metrics_access(SA(far), NULL, NULL), PL_METRICS_NOT_LOOPBACK);
	assert_int_equal(pl_http_metrics_access(SA(far), "Bearer anything-at-all-here", NULL), PL_METRICS_NOT_LOOPBACK);
	assert_int_equal(pl_http_metrics_access(NULL, NULL, NULL), PL_METRICS_NOT_LOOPBACK);
	/* a token: every client presents it, loopback included */
	static const char tok[] = "s3cr3t-metrics-token-0123456789";
	uint8_t dg[PL_SHA256_SIZE];
	pl_sha256(tok, sizeof tok - 1, dg);
	assert_int_equal(pl_http_metrics_access(SA(lo), NULL, dg), PL_METRICS_NO_TOKEN);
	assert_int_equal(pl_http_metrics_access(SA(far), "Bearer s3cr3t-metrics-token-0123456789", dg), PL_METRICS_ALLOWED);
	assert_int_equal(pl_http_metrics_access(SA(lo), "bearer s3cr3t-metrics-token-0123456789", dg), PL_METRICS_ALLOWED);
	static const char *const wrong[] = {"Bearer s3cr3t-metrics-token-012345678", "Bearer s3cr3t-metrics-token-01234567890",
					    "Bearer S3cr3t-metrics-token-0123456789", "Basic s3cr3t-metrics-token-0123456789",
					    "Bearers3cr3t-metrics-token-0123456789", "Bearer  s3cr3t-metrics-token-0123456789",
					    "s3cr3t-metrics-token-0123456789", "Bearer ", ""};
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++)
		assert_int_equal(pl_http_metrics_access(SA(lo), wrong[i], dg), PL_METRICS_NO_TOKEN);
	/* what a token file may hold */
	assert_true(pl_http_metrics_token_valid((const uint8_t *)tok, sizeof tok - 1));
	assert_false(pl_http_metrics_token_valid((const uint8_t *)"short", 5));
	assert_false(pl_http_metrics_token_valid((const uint8_t *)"has a space in it, see", 22));
	assert_false(pl_http_metrics_token_valid((const uint8_t *)"tab\tinside-the-token-x", 22));
	uint8_t big[PL_METRICS_TOKEN_MAX + 1];
	memset(big, 'x', sizeof big);
	assert_true(pl_http_metrics_token_valid(big, PL_METRICS_TOKEN_MAX));
	assert_false(pl_http_metrics_token_valid(big, sizeof big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_metrics_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
