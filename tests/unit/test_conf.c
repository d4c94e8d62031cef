/* test_conf.c - the configuration file parser (base/conf.c). */
#include "testutil.h"

#include "base/conf.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pl_conf_name NAMES[] = {{"server", false}, {"vkey", false},   {"key", false},
				     {"passphrase-file", false}, {"witness-key", true}, {"quorum", false}};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static int parse(const char *text, pl_conf *c, pl_diag *d)
{
	memset(d, 0, sizeof *d);
	return pl_conf_parse(text, strlen(text), "/etc/p/config", NAMES, NNAMES, c, d);
}

static void test_conf_good(void **state)
{
	(void)state;
	pl_conf c;
	pl_diag d;
	const char *text = "# Parley\n"
			   "\n"
			   "   # indented comment\n"
			   "server = http://127.0.0.1:8080/#frag\n"
			   "vkey=example.org/wg+abcd1234+AAAA=\r\n"
			   "\tkey\t=  keys/a.key  \n"
			   "witness-key = w1.vkey\n"
			   "witness-key = w2.vkey\n"
			   "quorum = 2"; /* no final newline */
	assert_int_equal(parse(text, &c, &d), PL_OK);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.e[0].name, "server");
	assert_string_equal(c.e[0].value, "http://127.0.0.1:8080/#frag");
	assert_int_equal(c.e[0].line, 4);
	assert_string_equal(c.e[1].value, "example.org/wg+abcd1234+AAAA=");
	assert_string_equal(c.e[2].name, "key");
	assert_string_equal(c.e[2].value, "keys/a.key");
	assert_int_equal(c.e[2].line, 6);
	assert_string_equal(c.e[3].value, "w1.vkey");
	assert_string_equal(c.e[4].value, "w2.vkey");
	assert_string_equal(c.e[5].value, "2");
	assert_int_equal(c.e[5].line, 9);
	pl_conf_release(&c);

	assert_int_equal(parse("", &c, &d), PL_OK);
	assert_int_equal(c.n, 0);
	pl_conf_release(&c);
	assert_int_equal(parse("\n\n# only comments\n", &c, &d), PL_OK);
	assert_int_equal(c.n, 0);
	pl_conf_release(&c);
}

static void expect_error(const char *text, int code, const char *msg)
{
	pl_conf c;
	pl_diag d;
	assert_int_equal(parse(text, &c, &d), code);
	assert_int_equal(c.n, 0);
	assert_null(c.e);
	if (strstr(d.msg, msg) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", d.msg, msg);
}

static void test_conf_errors(void **state)
{
	(void)state;
	expect_error("server = a\nsrever = b\n", PL_EFORMAT, "/etc/p/config:2: unknown setting \"srever\" (known: server,");
	expect_error("# c\n\nserver\n", PL_EFORMAT, "/etc/p/config:3: expected \"name = value\"");
	expect_error("= value\n", PL_EFORMAT, "/etc/p/config:1: expected \"name = value\"");
	expect_error("Server = x\n", PL_EFORMAT, "/etc/p/config:1:");
	expect_error("server key = x\n", PL_EFORMAT, "/etc/p/config:1:");
	expect_error("quorum =   \n", PL_EFORMAT, "/etc/p/config:1: quorum has no value");
	expect_error("server = a\nkey = k\nserver = b\n", PL_EFORMAT, "/etc/p/config:3: server is already set on line 1");
	expect_error("--server = a\n", PL_EFORMAT, "/etc/p/config:1:");

	pl_conf c;
	pl_diag d;
	static const char nul[] = "server = a\nkey = b\0c\n";
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_conf_parse(nul, sizeof nul - 1, "f", NAMES, NNAMES, &c, &d), PL_EFORMAT);
	assert_non_null(strstr(d.msg, "f:2: a NUL byte"));

	/* the caps */
	char *big = malloc(PL_CONF_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', PL_CONF_MAX_BYTES + 1);
	big[PL_CONF_MAX_BYTES + 1] = '\0';
	expect_error(big, PL_ETOOBIG, "the limit is 65536");
	/* a file at the cap with a line over the cap */
	memcpy(big, "server = ", 9);
	memset(big + 9, 'x', PL_CONF_LINE_MAX);
	big[9 + PL_CONF_LINE_MAX] = '\0';
	expect_error(big, PL_ETOOBIG, "/etc/p/config:1: the line is 4105 bytes");
	/* exactly at the line cap is fine */
	big[PL_CONF_LINE_MAX] = '\0';
	assert_int_equal(parse(big, &c, &d), PL_OK);
	assert_int_equal(strlen(c.e[0].value), PL_CONF_LINE_MAX - 9);
	pl_conf_release(&c);
	/* too many settings */
	size_t off = 0;
	for (int i = 0; i <= PL_CONF_ENTRIES_MAX; i++)
		off += (size_t)snprintf(big + off, 64, "witness-key = w%d\n", i);
	expect_error(big, PL_ETOOBIG, "more than 64 settings");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_good),
		cmocka_unit_test(test_conf_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
