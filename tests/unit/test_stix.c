/* test_stix.c - STIX 2.1 patterns (grammar, subset, matching) and bundles. */
#include "testutil.h"

#include "evidence/stix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Fixed observations                                                  */

#define MD5_HEX "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_HEX "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256_HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA512_HEX                                                         \
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

static uint8_t md5[PL_MD5_SIZE], sha1[PL_SHA1_SIZE], sha256[PL_SHA256_SIZE], sha512[PL_SHA512_SIZE];

/* F0: a file with every digest; F1: a file with none. */
static pl_obs_file files[2];

static const char *const protos0[] = {"ipv4", "tcp", "tls"};
static const char *const protos1[] = {"ipv6", "udp", "dns"};
static const char *const protos2[] = {"ipv4", "tcp", "http"};
static const char *const doms0[] = {"evil.example.com"};
static const char *const doms1[] = {"c2.example.net"};
static const char *const doms2[] = {"www.example.org"};
static const char *const urls2[] = {"http://www.example.org/payload.bin"};
static pl_obs_addr addrs0[2], addrs1[4], addrs2[2];
/* N0: TLS 192.0.2.7:49152 -> 198.51.100.20:443; N1: DNS over IPv6 with two
 * answers; N2: HTTP 10.1.2.3:50000 -> 10.9.9.9:80; N3: nothing at all. */
static pl_obs_net nets[4];

static pl_obs_addr v4(const char *s)
{
	pl_obs_addr a = {.family = 4};
	assert_int_equal(inet_pton(AF_INET, s, a.b), 1);
	return a;
}

static pl_obs_addr v6(const char *s)
{
	pl_obs_addr a = {.family = 6};
	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static int setup(void **state)
{
	(void)state;
	tu_hex(MD5_HEX, md5, sizeof md5);
	tu_hex(SHA1_HEX, sha1, sizeof sha1);
	tu_hex(SHA256_HEX, sha256, sizeof sha256);
	tu_hex(SHA512_HEX, sha512, sizeof sha512);
	files[0] = (pl_obs_file){.name = "invoice.pdf.exe", .size = 1024, .md5 = md5, .sha1 = sha1, .sha256 = sha256,
				 .sha512 = sha512};
	files[1] = (pl_obs_file){.name = "notes.txt", .size = 0};

	addrs0[0] = v4("192.0.2.7");
	addrs0[1] = v4("198.51.100.20");
	nets[0] = (pl_obs_net){.src = addrs0[0], .dst = addrs0[1], .src_port = 49152, .dst_port = 443,
			       .protocols = protos0, .nprotocols = 3, .domains = doms0, .ndomains = 1,
			       .addrs = addrs0, .naddrs = 2};
	addrs1[0] = v6("2001:db8::1");
	addrs1[1] = v6("2001:db8:ffff::53");
	addrs1[2] = v4("203.0.113.9");
	addrs1[3] = v6("2001:db8:1::9");
	nets[1] = (pl_obs_net){.src = addrs1[0], .dst = addrs1[1], .src_port = 53000, .dst_port = 53,
			       .protocols = protos1, .nprotocols = 3, .domains = doms1, .ndomains = 1,
			       .addrs = addrs1, .naddrs = 4};
	addrs2[0] = v4("10.1.2.3");
	addrs2[1] = v4("10.9.9.9");
	nets[2] = (pl_obs_net){.src = addrs2[0], .dst = addrs2[1], .src_port = 50000, .dst_port = 80,
			       .protocols = protos2, .nprotocols = 3, .domains = doms2, .ndomains = 1, .urls = urls2,
			       .nurls = 1, .addrs = addrs2, .naddrs = 2};
	nets[3] = (pl_obs_net){.src_port = -1, .dst_port = -1};
	return 0;
}

static pl_stix_pattern *compile_ok(const char *text)
{
	pl_stix_pattern *p = NULL;
	pl_diag d = {0};
	int rc = pl_stix_pattern_compile(text, strlen(text), &p, &d);
	if (rc != PL_OK)
		fail_msg("%s: %s", text, pl_diag_text(&d, rc));
	assert_non_null(p);
	return p;
}

/* ------------------------------------------------------------------ */
/* Every supported form, matched and not matched                       */

/* expect: one character per observation F0 F1 N0 N1 N2 N3, '1' for a match. */
static const struct {
	const char *pattern;
	const char *expect;
} matches[] = {
	/* each digest, each spelling of its name, any case of hex */
	{"[file:hashes.MD5 = '" MD5_HEX "']", "100000"},
	{"[file:hashes.md5 = 'D41D8CD98F00B204E9800998ECF8427E']", "100000"},
	{"[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427f']", "000000"},
	{"[file:hashes.MD5 = h'" MD5_HEX "']", "100000"},
	{"[file:hashes.'SHA-1' = '" SHA1_HEX "']", "100000"},
	{"[file:hashes.SHA1 = '" SHA1_HEX "']", "100000"},
	{"[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80708']", "000000"},
	{"[file:hashes.'SHA-256' = '" SHA256_HEX "']", "100000"},
	{"[file:hashes.SHA256 = '" SHA256_HEX "']", "100000"},
	{"[file:hashes.'sha-256' = '" SHA256_HEX "']", "100000"},
	{"[file:hashes.'SHA-512' = '" SHA512_HEX "']", "100000"},
	{"[file:hashes.SHA512 = '" SHA512_HEX "']", "100000"},
	{"[file:hashes.'SHA-256' IN ('0000000000000000000000000000000000000000000000000000000000000000', '" SHA256_HEX
	 "')]",
	 "100000"},
	{"[file:hashes.'SHA-256' IN ('0000000000000000000000000000000000000000000000000000000000000000')]", "000000"},
	/* != and NOT need the digest to exist: F1 has none */
	{"[file:hashes.MD5 != '00000000000000000000000000000000']", "100000"},
	{"[file:hashes.MD5 != '" MD5_HEX "']", "000000"},
	{"[file:hashes.MD5 NOT = '00000000000000000000000000000000']", "100000"},
	/* name */
	{"[file:name = 'invoice.pdf.exe']", "100000"},
	{"[file:'name' = 'invoice.pdf.exe']", "100000"},
	{"[file:name = 'INVOICE.pdf.exe']", "000000"},
	{"[file:name != 'invoice.pdf.exe']", "010000"},
	{"[file:name LIKE '%.exe']", "100000"},
	{"[file:name LIKE 'invoice%']", "100000"},
	{"[file:name LIKE '%.EXE']", "000000"},
	{"[file:name LIKE 'notes.___']", "010000"},
	{"[file:name LIKE 'notes.__']", "000000"},
	{"[file:name LIKE '%']", "110000"},
	{"[file:name NOT LIKE '%.exe']", "010000"},
	{"[file:name IN ('a.doc', 'notes.txt')]", "010000"},
	{"[file:name NOT IN ('a.doc', 'notes.txt')]", "100000"},
	/* size */
	{"[file:size = 1024]", "100000"},
	{"[file:size = 1023]", "000000"},
	{"[file:size != 0]", "100000"},
	{"[file:size > 1000]", "100000"},
	{"[file:size > 1024]", "000000"},
	{"[file:size >= 1024]", "100000"},
	{"[file:size < 1]", "010000"},
	{"[file:size <= 0]", "010000"},
	{"[file:size < 0]", "000000"},
	{"[file:size > -1]", "110000"},
	{"[file:size IN (0, 5)]", "010000"},
	{"[file:size NOT < 1024]", "100000"},
	/* AND, OR, NOT, parentheses over one file */
	{"[file:name LIKE '%.exe' AND file:size < 2048]", "100000"},
	{"[file:name LIKE '%.exe' AND file:size < 1000]", "000000"},
	{"[file:name = 'x' OR file:size = 0]", "010000"},
	{"[(file:name = 'x' OR file:size = 0) AND file:name NOT = 'notes.txt']", "000000"},
	{"[(file:name = 'x' OR file:size = 0) AND file:name NOT = 'y']", "010000"},
	{"[file:hashes.MD5 = '" MD5_HEX "' OR file:name = 'notes.txt']", "110000"},
	{"[file:size > 10 AND (file:hashes.'SHA-1' = '" SHA1_HEX "' OR file:name = 'z')]", "100000"},
	/* ipv4-addr, CIDR boundaries */
	{"[ipv4-addr:value = '198.51.100.20']", "001000"},
	{"[ipv4-addr:value = '198.51.100.21']", "000000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "001000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.16/30']", "000000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.20/30']", "001000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.20/32']", "001000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.20']", "001000"},
	{"[ipv4-addr:value ISSUBSET '198.51.100.21/32']", "000000"},
	{"[ipv4-addr:value ISSUBSET '203.0.113.8/31']", "000100"},
	{"[ipv4-addr:value ISSUBSET '203.0.113.10/31']", "000000"},
	{"[ipv4-addr:value ISSUBSET '0.0.0.0/0']", "001110"},
	{"[ipv4-addr:value = '10.0.0.0/8']", "000010"},
	{"[ipv4-addr:value != '192.0.2.7']", "001110"},
	{"[ipv4-addr:value IN ('10.9.9.9', '203.0.113.9')]", "000110"},
	{"[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", "001100"},
	/* one address must satisfy the whole observation */
	{"[ipv4-addr:value = '192.0.2.7' AND ipv4-addr:value = '198.51.100.20']", "000000"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/8' AND ipv4-addr:value != '10.1.2.3']", "000010"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/8' AND ipv4-addr:value NOT = '10.9.9.9']", "000010"},
	{"[ipv4-addr:value = '10.1.2.3' AND ipv4-addr:value NOT = '10.1.2.3']", "000000"},
	/* ipv6-addr */
	{"[ipv6-addr:value = '2001:db8::1']", "000100"},
	{"[ipv6-addr:value = '2001:0db8:0000::1']", "000100"},
	{"[ipv6-addr:value = '2001:db8::2']", "000000"},
	{"[ipv6-addr:value ISSUBSET '2001:db8::/32']", "000100"},
	{"[ipv6-addr:value ISSUBSET '2001:db8:1::/48']", "000100"},
	{"[ipv6-addr:value ISSUBSET '2001:db8:2::/48']", "000000"},
	{"[ipv6-addr:value ISSUBSET '2001:db8:ffff::52/127']", "000100"},
	{"[ipv6-addr:value ISSUBSET '2001:db8:ffff::54/127']", "000000"},
	{"[ipv6-addr:value IN ('::1', '2001:db8:1::9')]", "000100"},
	/* domain-name: case and trailing dot */
	{"[domain-name:value = 'evil.example.com']", "001000"},
	{"[domain-name:value = 'EVIL.Example.COM.']", "001000"},
	{"[domain-name:value = 'example.com']", "000000"},
	{"[domain-name:value LIKE '%.example.com']", "001000"},
	{"[domain-name:value LIKE '%.EXAMPLE.%']", "001110"},
	{"[domain-name:value != 'evil.example.com']", "000110"},
	{"[domain-name:value IN ('c2.example.net.', 'x.test')]", "000100"},
	/* url */
	{"[url:value = 'http://www.example.org/payload.bin']", "000010"},
	{"[url:value = 'HTTP://www.example.org/payload.bin']", "000000"},
	{"[url:value LIKE 'http://%/payload._in']", "000010"},
	{"[url:value LIKE 'http://%/payload.exe']", "000000"},
	{"[url:value IN ('http://a/', 'http://www.example.org/payload.bin')]", "000010"},
	{"[url:value != 'http://a/']", "000010"},
	/* network-traffic */
	{"[network-traffic:dst_ref.value = '198.51.100.20']", "001000"},
	{"[network-traffic:src_ref.value = '198.51.100.20']", "000000"},
	{"[network-traffic:src_ref.value ISSUBSET '192.0.2.0/24']", "001000"},
	{"[network-traffic:dst_ref.value ISSUBSET '2001:db8:ffff::/48']", "000100"},
	{"[network-traffic:dst_ref.value != '198.51.100.20']", "000110"},
	{"[network-traffic:dst_ref.value IN ('10.9.9.9', '2001:db8:ffff::53')]", "000110"},
	{"[network-traffic:dst_port = 443]", "001000"},
	{"[network-traffic:dst_port < 100]", "000110"},
	{"[network-traffic:dst_port <= 53]", "000100"},
	{"[network-traffic:src_port >= 50000]", "000110"},
	{"[network-traffic:src_port > 50000]", "000100"},
	{"[network-traffic:dst_port IN (80, 8080)]", "000010"},
	{"[network-traffic:dst_port != 443]", "000110"},
	{"[network-traffic:protocols[*] = 'tcp']", "001010"},
	{"[network-traffic:protocols[*] = 'UDP']", "000100"},
	{"[network-traffic:protocols[*] != 'tcp']", "001110"},
	{"[network-traffic:protocols[0] = 'ipv6']", "000100"},
	{"[network-traffic:protocols[0] = 'tcp']", "000000"},
	{"[network-traffic:protocols[2] = 'http']", "000010"},
	{"[network-traffic:protocols[*] IN ('dns', 'http')]", "000110"},
	{"[network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']", "001000"},
	{"[network-traffic:dst_port = 443 OR network-traffic:dst_port = 53]", "001100"},
	{"[network-traffic:protocols[*] = 'tcp' AND (network-traffic:dst_port = 80 OR network-traffic:dst_port = 8080)]",
	 "000010"},
	{"[network-traffic:dst_port = 443 AND network-traffic:src_ref.value NOT ISSUBSET '192.0.2.0/24']", "000000"},
	/* OR of object types in one observation; OR between observations */
	{"[domain-name:value = 'c2.example.net' OR ipv4-addr:value = '10.9.9.9']", "000110"},
	{"[file:name = 'notes.txt'] OR [ipv4-addr:value = '192.0.2.7']", "011000"},
	{"([domain-name:value = 'www.example.org'] OR [url:value = 'x']) OR [file:size = 1024]", "100010"},
	{"[file:name = 'nothing'] OR [file:size = 0] OR [network-traffic:dst_port = 53]", "010100"},
};

static void test_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		pl_stix_pattern *p = compile_ok(matches[i].pattern);
		const char *why = NULL;
		if (!pl_stix_pattern_supported(p, &why))
			fail_msg("%s: unsupported: %s", matches[i].pattern, why);
		assert_string_equal(why, "");
		assert_int_not_equal(pl_stix_pattern_scope(p), 0);
		char got[7];
		for (size_t k = 0; k < 2; k++)
			got[k] = pl_stix_match_file(p, &files[k]) ? '1' : '0';
		for (size_t k = 0; k < 4; k++)
			got[2 + k] = pl_stix_match_net(p, &nets[k]) ? '1' : '0';
		got[6] = '\0';
		if (strcmp(got, matches[i].expect) != 0)
			fail_msg("%s: got %s, want %s", matches[i].pattern, got, matches[i].expect);
		pl_stix_pattern_free(p);
	}
}

static void test_scope_and_hashes(void **state)
{
	(void)state;
	static const struct {
		const char *pattern;
		unsigned scope, hashes;
	} t[] = {
		{"[file:name = 'a']", PL_STIX_ON_FILES, 0},
		{"[file:hashes.MD5 = '" MD5_HEX "' OR file:hashes.SHA512 = '" SHA512_HEX "']", PL_STIX_ON_FILES,
		 PL_HASH_MD5 | PL_HASH_SHA512},
		{"[file:hashes.'SHA-1' = '" SHA1_HEX "'] OR [file:hashes.'SHA-256' = '" SHA256_HEX "']", PL_STIX_ON_FILES,
		 PL_HASH_SHA1 | PL_HASH_SHA256},
		{"[ipv4-addr:value = '10.0.0.1']", PL_STIX_ON_NETWORK, 0},
		{"[network-traffic:dst_port = 1] OR [file:size = 1]", PL_STIX_ON_FILES | PL_STIX_ON_NETWORK, 0},
		/* unsupported: nothing to compute */
		{"[file:hashes.MD5 = '" MD5_HEX "'] WITHIN 5 SECONDS", 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		pl_stix_pattern *p = compile_ok(t[i].pattern);
		assert_int_equal(pl_stix_pattern_scope(p), t[i].scope);
		assert_int_equal(pl_stix_pattern_hashes(p), t[i].hashes);
		pl_stix_pattern_free(p);
	}
	/* a file pattern never matches packets, a network one never files */
	pl_stix_pattern *p = compile_ok("[file:size >= 0]");
	assert_true(pl_stix_match_file(p, &files[0]));
	for (size_t k = 0; k < 4; k++)
		assert_false(pl_stix_match_net(p, &nets[k]));
	pl_stix_pattern_free(p);
	p = compile_ok("[ipv4-addr:value ISSUBSET '0.0.0.0/0']");
	assert_false(pl_stix_match_file(p, &files[0]));
	pl_stix_pattern_free(p);
}

/* ------------------------------------------------------------------ */
/* Compiled but not evaluated, with the reason                         */

static const struct {
	const char *pattern, *why;
} unsupported[] = {
	{"[file:name = 'a'] WITHIN 5 SECONDS", "the qualifier WITHIN is not evaluated"},
	{"[file:name = 'a'] WITHIN 2.5 SECONDS", "the qualifier WITHIN is not evaluated"},
	{"[file:name = 'a'] REPEATS 2 TIMES", "the qualifier REPEATS is not evaluated"},
	{"[file:name = 'a'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00.5Z'",
	 "the qualifier START ... STOP is not evaluated"},
	{"([file:name = 'a'] OR [file:name = 'b']) WITHIN 5 SECONDS", "the qualifier WITHIN is not evaluated"},
	{"[file:name = 'a'] FOLLOWEDBY [file:name = 'b']", "the observation operator FOLLOWEDBY is not evaluated"},
	{"[file:name = 'a'] AND [file:name = 'b']",
	 "the observation operator AND is not evaluated (only OR joins observation expressions)"},
	{"[file:name = 'a'] OR ([file:name = 'b'] AND [file:size = 1])",
	 "the observation operator AND is not evaluated (only OR joins observation expressions)"},
	{"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Run']",
	 "windows-registry-key:key is outside the supported subset"},
	{"[email-message:subject MATCHES '^x']", "email-message:subject is outside the supported subset"},
	{"[file:name MATCHES '^a.*']", "the operator MATCHES is not evaluated on file:name"},
	{"[url:value MATCHES 'x']", "the operator MATCHES is not evaluated on url:value"},
	{"[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", "the operator ISSUPERSET is not evaluated on ipv4-addr:value"},
	{"[file:name > 'a']", "the operator > is not evaluated on file:name"},
	{"[file:hashes.MD5 LIKE 'd41d%']", "the operator LIKE is not evaluated on file:hashes.MD5"},
	{"[network-traffic:protocols[*] LIKE 't%']",
	 "the operator LIKE is not evaluated on network-traffic:protocols[*]"},
	{"[EXISTS file:name]", "EXISTS is not evaluated (file:name)"},
	{"[NOT EXISTS file:hashes.'SHA-256']", "EXISTS is not evaluated (file:hashes.'SHA-256')"},
	{"[file:hashes.'SHA3-256' = 'ab']", "file:hashes.'SHA3-256' is outside the supported subset"},
	{"[file:parent_directory_ref.path = 'C:\\\\x']", "file:parent_directory_ref.path is outside the supported subset"},
	{"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
	 "file:extensions.'windows-pebinary-ext'.sections[*].entropy is outside the supported subset"},
	{"[network-traffic:protocols[-1] = 'tcp']", "network-traffic:protocols[-1] is outside the supported subset"},
	{"[network-traffic:src_ref.type = 'ipv4-addr']", "network-traffic:src_ref.type is outside the supported subset"},
	{"[file:name = 'a' AND network-traffic:dst_port = 80]",
	 "an observation expression mixes file properties with network properties"},
	{"[file:name = 'a' OR ipv4-addr:value = '10.0.0.1']",
	 "an observation expression mixes file properties with network properties"},
	{"[ipv4-addr:value = '10.0.0.1' AND domain-name:value = 'a.example']",
	 "AND joins comparisons on different object types inside one observation expression"},
	{"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c']",
	 "x509-certificate:issuer is outside the supported subset"},
	{"[file:name = 'a'] OR [user-account:user_id = 'root']", "user-account:user_id is outside the supported subset"},
};

static void test_unsupported_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
		pl_stix_pattern *p = compile_ok(unsupported[i].pattern);
		const char *why = NULL;
		if (pl_stix_pattern_supported(p, &why))
			fail_msg("%s: should not be supported", unsupported[i].pattern);
		if (strcmp(why, unsupported[i].why) != 0)
			fail_msg("%s: reason \"%s\", want \"%s\"", unsupported[i].pattern, why, unsupported[i].why);
		/* never matches, needs nothing */
		assert_int_equal(pl_stix_pattern_scope(p), 0);
		assert_int_equal(pl_stix_pattern_hashes(p), 0);
		for (size_t k = 0; k < 2; k++)
			assert_false(pl_stix_match_file(p, &files[k]));
		for (size_t k = 0; k < 4; k++)
			assert_false(pl_stix_match_net(p, &nets[k]));
		pl_stix_pattern_free(p);
	}
}

/* Grammar corners that must compile (whatever their support). */
static void test_grammar_accepts(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"[a:b = 1.5]", "[a:b = -1.5]", "[a:b = +3]", "[a:b = -0]", "[a:b = .5]", "[a:b = b'AAEC']",
		"[a:b = b'AA==']", "[a:b = b'AAE=']", "[a:b = h'']", "[a:b = h'0aFF']",
		"[a:b = t'2020-02-29T23:59:60.123456Z']", "[a:b = true]", "[a:b != false]", "[a:b IN ()]",
		"[a:b NOT IN (1, 'a', true, h'00')]", "[a:'x y'[*].z[-2].'w' = 1]", "[a:b <> 1]", "[a:b == 1]",
		"[a:b = 1] /* comment */ // line comment", "/* c */ [a:b = 1]", "[a:b = 1] WITHIN 0.5 SECONDS REPEATS 3 TIMES",
		"([a:b=1] AND [c:d=2]) FOLLOWEDBY [e:f=3]", "[a:b=1] AND [c:d=2] OR [e:f=3] FOLLOWEDBY [g:h=4]",
		"[NOT EXISTS a:b]", "[a:b ISSUPERSET 'x']", "[a:b NOT MATCHES '^\\\\d+\\'$']",
		"[file:name\xc2\xa0=\xe2\x80\x83'a']", "\t[ file:name = 'a' ]\r\n", "[((a:b = 1))]",
		"[a:b = 'it\\'s']", "[a_b-c:d = 1]", "[a:b >= t'2020-01-01T00:00:00Z']", "[a:b < -5]",
		"[file:name = 'caf\xc3\xa9']", "[a:b = '']", "[file:name[0] = 'a']",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		pl_stix_pattern_free(compile_ok(ok[i]));

	/* quotes and escapes are undone: this matches the name it's.exe */
	pl_stix_pattern *p = compile_ok("[file:name = 'it\\'s.exe' OR file:name = 'back\\\\slash']");
	pl_obs_file f = {.name = "it's.exe"};
	assert_true(pl_stix_match_file(p, &f));
	f.name = "back\\slash";
	assert_true(pl_stix_match_file(p, &f));
	f.name = "it\\'s.exe";
	assert_false(pl_stix_match_file(p, &f));
	pl_stix_pattern_free(p);
	/* _ is one character, also a multi-byte one */
	p = compile_ok("[file:name LIKE 'caf_']");
	f.name = "caf\xc3\xa9";
	assert_true(pl_stix_match_file(p, &f));
	f.name = "cafe!";
	assert_false(pl_stix_match_file(p, &f));
	pl_stix_pattern_free(p);
	/* a name the observation lacks is false, even under != */
	p = compile_ok("[file:name != 'x']");
	f.name = NULL;
	assert_false(pl_stix_match_file(p, &f));
	pl_stix_pattern_free(p);
}

/* ------------------------------------------------------------------ */
/* Malformed patterns                                                  */

static const struct {
	const char *pattern;
	int rc;
	const char *part; /* expected in the sentence */
} malformed[] = {
	{"", PL_EFORMAT, "empty"},
	{"   /* only a comment */ ", PL_EFORMAT, "empty"},
	{"[file:name = 'a'", PL_EFORMAT, "expected ']'"},
	{"file:name = 'a']", PL_EFORMAT, "expected '[' or '('"},
	{"[file:name = 'a']]", PL_EFORMAT, "after the pattern"},
	{"([file:name = 'a']", PL_EFORMAT, "expected ')'"},
	{"[(file:name = 'a']", PL_EFORMAT, "expected ')'"},
	{"[file:name = 'a')]", PL_EFORMAT, "offset 16"},
	{"[]", PL_EFORMAT, "object path"},
	{"[file:name === 'a']", PL_EFORMAT, "expected a value"},
	{"[file:name =< 'a']", PL_EFORMAT, "expected a value"},
	{"[file:name ~ 'a']", PL_EFORMAT, "unexpected character"},
	{"[file:name ! 'a']", PL_EFORMAT, "'!'"},
	{"[file:name 'a']", PL_EFORMAT, "comparison operator"},
	{"[file:name = ]", PL_EFORMAT, "expected a value"},
	{"[file:name = 'abc]", PL_EFORMAT, "unterminated string"},
	{"[file:name = 'a\\nb']", PL_EFORMAT, "escaped"},
	{"[file:hashes.MD5 = h'abc']", PL_EFORMAT, "even number"},
	{"[file:hashes.MD5 = h'zz']", PL_EFORMAT, "hex digits"},
	{"[file:hashes.MD5 = 'xyz']", PL_EFORMAT, "32 hex digits"},
	{"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427']", PL_EFORMAT, "32 hex digits"},
	{"[file:hashes.'SHA-256' = '" MD5_HEX "']", PL_EFORMAT, "64 hex digits"},
	{"[file:hashes.SHA1 IN ('" SHA1_HEX "', 1)]", PL_EFORMAT, "40 hex digits"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/33']", PL_EFORMAT, "IPv4 address or CIDR"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.1/8']", PL_EFORMAT, "host bits"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/']", PL_EFORMAT, "CIDR"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/08']", PL_EFORMAT, "CIDR"},
	{"[ipv4-addr:value = '10.0.0']", PL_EFORMAT, "CIDR"},
	{"[ipv4-addr:value = '010.0.0.1']", PL_EFORMAT, "CIDR"},
	{"[ipv4-addr:value = '2001:db8::1']", PL_EFORMAT, "IPv4"},
	{"[ipv6-addr:value ISSUBSET '2001:db8::/129']", PL_EFORMAT, "IPv6"},
	{"[ipv6-addr:value ISSUBSET '2001:db8::1/32']", PL_EFORMAT, "host bits"},
	{"[ipv6-addr:value = '10.0.0.1']", PL_EFORMAT, "IPv6"},
	{"[network-traffic:dst_ref.value = 'example.com']", PL_EFORMAT, "IP address"},
	{"[network-traffic:dst_port = '80']", PL_EFORMAT, "integers"},
	{"[file:size = 'big']", PL_EFORMAT, "integers"},
	{"[file:size = 1.5]", PL_EFORMAT, "integers"},
	{"[file:name = 5]", PL_EFORMAT, "strings"},
	{"[domain-name:value IN ('a.example', true)]", PL_EFORMAT, "strings"},
	{"[file:size = 01]", PL_EFORMAT, "leading zeros"},
	{"[file:size = 99999999999999999999]", PL_EFORMAT, "out of range"},
	{"[file:size > true]", PL_EFORMAT, "ordered"},
	{"[file:name LIKE 5]", PL_EFORMAT, "LIKE takes a string"},
	{"[file:name = 'a'] START t'2020-13-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'", PL_EFORMAT, "timestamp"},
	{"[a:b = t'2021-02-29T00:00:00Z']", PL_EFORMAT, "timestamp"},
	{"[a:b = t'2020-01-01 00:00:00Z']", PL_EFORMAT, "timestamp"},
	{"[a:b = t'2020-01-01T00:00:00']", PL_EFORMAT, "timestamp"},
	{"[a:b = t'2020-01-01T24:00:00Z']", PL_EFORMAT, "timestamp"},
	{"[file:name = 'a'] START t'2020-01-01T00:00:00Z'", PL_EFORMAT, "STOP"},
	{"[file:name = 'a'] WITHIN SECONDS", PL_EFORMAT, "WITHIN"},
	{"[file:name = 'a'] WITHIN 5", PL_EFORMAT, "SECONDS"},
	{"[file:name = 'a'] REPEATS -1 TIMES", PL_EFORMAT, "REPEATS"},
	{"[file:name = 'a'] garbage", PL_EFORMAT, "after the pattern"},
	{"[file:name = 'a'] OR", PL_EFORMAT, "observation expression"},
	{"[file:name = 'a' AND]", PL_EFORMAT, "object path"},
	{"[file:name IN 'a']", PL_EFORMAT, "'('"},
	{"[file:name IN ('a',)]", PL_EFORMAT, "expected a value"},
	{"[file:name IN ('a' 'b')]", PL_EFORMAT, "')' or ','"},
	{"[file:extensions.windows-pebinary-ext.x = 1]", PL_EFORMAT, "quoted"},
	{"[file:name = b'abc']", PL_EFORMAT, "groups of four"},
	{"[file:name = b'']", PL_EFORMAT, "groups of four"},
	{"[file:name = b'a=bc']", PL_EFORMAT, "base64"},
	{"[:name = 'a']", PL_EFORMAT, "object path"},
	{"[file: = 'a']", PL_EFORMAT, "property name"},
	{"[file:name[0]] = 'a']", PL_EFORMAT, "comparison operator"},
	{"[file:x[a] = 'a']", PL_EFORMAT, "index"},
	{"[file = 'a']", PL_EFORMAT, "':'"},
	{"[file:name = 'a' AND NOT file:size = 1]", PL_EFORMAT, "EXISTS"},
	{"[file:name = 'a'] /* open comment", PL_EFORMAT, "unterminated comment"},
	{"[file:name = 1a]", PL_EFORMAT, "run into"},
	{"[file:name = - 1]", PL_EFORMAT, "'-'"},
	{"[file:name = 1.]", PL_EFORMAT, "digits after"},
	{"[a:b = 1] [c:d = 2]", PL_EFORMAT, "after the pattern"},
};

static void test_malformed_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		pl_stix_pattern *p = (pl_stix_pattern *)1;
		pl_diag d = {0};
		int rc = pl_stix_pattern_compile(malformed[i].pattern, strlen(malformed[i].pattern), &p, &d);
		if (rc != malformed[i].rc)
			fail_msg("%s: rc %d (%s), want %d", malformed[i].pattern, rc, d.msg, malformed[i].rc);
		assert_null(p);
		if (strstr(d.msg, malformed[i].part) == NULL)
			fail_msg("%s: sentence \"%s\" lacks \"%s\"", malformed[i].pattern, d.msg, malformed[i].part);
	}
	/* a NUL byte inside the length */
	pl_stix_pattern *p = NULL;
	pl_diag d = {0};
	assert_int_equal(pl_stix_pattern_compile("[a:b = 1]\0", 10, &p, &d), PL_EFORMAT);
	assert_non_null(strstr(d.msg, "NUL"));
	pl_diag_clear(&d);
	assert_int_equal(pl_stix_pattern_compile("[a:b = '\xc3(']", 12, &p, &d), PL_EFORMAT);
	assert_string_equal(d.msg, "STIX pattern: invalid UTF-8 at offset 8");
	pl_diag_clear(&d);
	assert_int_equal(pl_stix_pattern_compile("[a:b = '\xed\xa0\x80']", 13, &p, &d), PL_EFORMAT); /* a surrogate */
	assert_null(p);
	/* the text need not be NUL-terminated: only n bytes are read */
	assert_int_equal(pl_stix_pattern_compile("[a:b = 1]garbage", 9, &p, NULL), PL_OK);
	pl_stix_pattern_free(p);
	p = NULL;
	/* nesting and size caps */
	char deep[400];
	size_t k = 0;
	deep[k++] = '[';
	for (int i = 0; i < 100; i++)
		deep[k++] = '(';
	memcpy(deep + k, "a:b=1", 5);
	k += 5;
	for (int i = 0; i < 100; i++)
		deep[k++] = ')';
	deep[k++] = ']';
	pl_diag_clear(&d);
	assert_int_equal(pl_stix_pattern_compile(deep, k, &p, &d), PL_ETOOBIG);
	assert_null(p);
	assert_non_null(strstr(d.msg, "nested"));
	k = 0;
	for (int i = 0; i < 70; i++)
		deep[k++] = '(';
	assert_int_equal(pl_stix_pattern_compile(deep, k, &p, NULL), PL_ETOOBIG);
	size_t big = PL_STIX_PATTERN_MAX + 1;
	char *t = malloc(big);
	assert_non_null(t);
	memset(t, ' ', big);
	memcpy(t, "[a:b = 1]", 9);
	assert_int_equal(pl_stix_pattern_compile(t, big, &p, NULL), PL_ETOOBIG);
	assert_int_equal(pl_stix_pattern_compile(t, big - 1, &p, NULL), PL_OK); /* exactly the cap is fine */
	pl_stix_pattern_free(p);
	free(t);
	/* a path of 33 components */
	char path[512] = "[a:b";
	for (int i = 0; i < 32; i++)
		strcat(path, ".c");
	strcat(path, " = 1]");
	assert_int_equal(pl_stix_pattern_compile(path, strlen(path), &p, NULL), PL_ETOOBIG);
	assert_int_equal(pl_stix_pattern_compile(NULL, 3, &p, NULL), PL_EINVAL);
}

/* ------------------------------------------------------------------ */
/* Bundles                                                             */

#define BID "bundle--44af6c39-c09b-49c5-9de2-394224b04982"
#define IND(u, extra) "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" u "\"," extra "}"
#define VF "\"valid_from\":\"2026-01-01T00:00:00Z\""
#define U1 "33fe3b22-0201-47cf-85d0-97c02164528d"
#define U2 "53fe3b22-0201-47cf-85d0-97c02164528d"
#define U3 "a932fcc6-e032-476c-826f-cb970a5a1ade"
#define U4 "c43a0a05-e8d2-4f64-ae37-3f3fb153f8d9"
#define U5 "8cf9236f-1b96-493d-98be-0c1c1e8b62d7"

static int parse_str(const char *s, pl_stix_bundle *b, pl_diag *d)
{
	return pl_stix_bundle_parse((const uint8_t *)s, strlen(s), b, d);
}

static void test_bundle_mixed(void **state)
{
	(void)state;
	const char *doc = "{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":["
		"{\"type\":\"identity\",\"id\":\"identity--" U5 "\",\"name\":\"CERT\"},"
		IND(U1, "\"name\":\"C2 address\",\"pattern\":\"[ipv4-addr:value = '198.51.100.20']\",\"pattern_type\":\"stix\"," VF) ","
		IND(U2, "\"pattern\":\"[windows-registry-key:key = 'HKLM\\\\\\\\Run']\",\"pattern_type\":\"stix\"," VF) ","
		IND(U3, "\"pattern\":\"rule x { condition: true }\",\"pattern_type\":\"yara\",\"valid_from\":\"2026-01-01T00:00:00.123Z\"") ","
		IND(U4, "\"pattern\":\"alert tcp any any -> any 80 (msg:\\\"x\\\"; sid:1;)\",\"pattern_type\":\"snort\"," VF) ","
		"{\"type\":\"relationship\",\"id\":\"relationship--" U5 "\",\"relationship_type\":\"indicates\"},"
		"{\"type\":\"x-custom-thing\",\"id\":\"x-custom-thing--" U5 "\"}"
		"]}";
	pl_stix_bundle b;
	pl_diag d = {0};
	int rc = parse_str(doc, &b, &d);
	if (rc != PL_OK)
		fail_msg("%s", d.msg);
	assert_string_equal(b.id, BID);
	assert_int_equal(b.nobjects, 7);
	assert_int_equal(b.nother, 3);
	assert_int_equal(b.nindicators, 4);

	const pl_stix_indicator *in = &b.indicators[0];
	assert_string_equal(in->id, "indicator--" U1);
	assert_string_equal(in->name, "C2 address");
	assert_string_equal(in->pattern_type, "stix");
	assert_int_equal(in->status, PL_STIX_EVALUABLE);
	assert_string_equal(in->why, "");
	assert_non_null(in->compiled);
	assert_true(pl_stix_match_net(in->compiled, &nets[0]));
	assert_false(pl_stix_match_net(in->compiled, &nets[2]));

	in = &b.indicators[1];
	assert_null(in->name);
	assert_int_equal(in->status, PL_STIX_NOT_EVALUATED);
	assert_string_equal(in->pattern, "[windows-registry-key:key = 'HKLM\\\\Run']");
	assert_string_equal(in->why, "windows-registry-key:key is outside the supported subset");
	assert_non_null(in->compiled);

	in = &b.indicators[2];
	assert_int_equal(in->status, PL_STIX_YARA);
	assert_string_equal(in->pattern, "rule x { condition: true }");
	assert_string_equal(in->valid_from, "2026-01-01T00:00:00.123Z");
	assert_null(in->compiled);
	assert_string_equal(pl_stix_status_name(in->status), "yara");

	in = &b.indicators[3];
	assert_int_equal(in->status, PL_STIX_NOT_EVALUATED);
	assert_string_equal(in->pattern_type, "snort");
	assert_string_equal(in->why, "the pattern_type \"snort\" is not evaluated by Parley");
	assert_string_equal(pl_stix_status_name(in->status), "not-evaluated");
	pl_stix_bundle_release(&b);
	pl_stix_bundle_release(&b); /* twice is harmless */

	/* no objects at all */
	assert_int_equal(parse_str("{\"type\":\"bundle\",\"id\":\"" BID "\"}", &b, NULL), PL_OK);
	assert_int_equal(b.nobjects, 0);
	assert_int_equal(b.nindicators, 0);
	pl_stix_bundle_release(&b);
}

static const struct {
	const char *doc;
	int rc;
	const char *part;
} bad_bundles[] = {
	{"", PL_EFORMAT, "invalid JSON"},
	{"[1,2]", PL_EFORMAT, "object"},
	{"{\"type\":\"report\",\"id\":\"" BID "\",\"objects\":[]}", PL_EFORMAT, "\"bundle\""},
	{"{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":\"campaign--" U1 "\"}", PL_EFORMAT, "not a bundle"},
	{"{\"id\":\"" BID "\",\"objects\":[]}", PL_EFORMAT, "not a bundle"},
	{"{\"type\":\"bundle\",\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[]}", PL_EFORMAT, "duplicate"},
	{"{\"type\":\"bundle\",\"id\":\"bundle--xyz\",\"objects\":[]}", PL_EFORMAT, "bundle--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"report--" U1 "\",\"objects\":[]}", PL_EFORMAT, "bundle--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[],\"extra\":1}", PL_EFORMAT, "unknown field"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":{}}", PL_EFORMAT, "array"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[1]}", PL_EFORMAT, "object 0 is not"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[{\"id\":\"indicator--" U1 "\"}]}", PL_EFORMAT, "type"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[{\"type\":\"malware\"}]}", PL_EFORMAT, "malware--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[{\"type\":\"malware\",\"id\":\"indicator--" U1 "\"}]}",
	 PL_EFORMAT, "malware--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND("xyz", "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "indicator--<uuid>"},
	/* UUID version 0 and a wrong variant */
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND("33fe3b22-0201-07cf-85d0-97c02164528d", "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "indicator--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND("33fe3b22-0201-47cf-c5d0-97c02164528d", "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "indicator--<uuid>"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern_type\":\"stix\"," VF) "]}", PL_EFORMAT,
	 "lacks \"pattern\""},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[a:b=1]\"," VF) "]}", PL_EFORMAT,
	 "lacks \"pattern_type\""},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\"") "]}",
	 PL_EFORMAT, "lacks \"valid_from\""},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01\"") "]}",
	 PL_EFORMAT, "valid_from"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00+01:00\"") "]}",
	 PL_EFORMAT, "valid_from"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":5,\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "must be a string"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "empty"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"name\":7,\"pattern\":\"[a:b=1]\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "\"name\" must be a string"},
	/* a STIX pattern that does not parse: the bundle is refused, naming the indicator */
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[ipv4-addr:value = '10.0.0.1'\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "indicator--" U1 ": STIX pattern: expected ']'"},
	{"{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern\":\"[ipv4-addr:value ISSUBSET '10.0.0.0/40']\",\"pattern_type\":\"stix\"," VF) "]}",
	 PL_EFORMAT, "indicator--" U1},
};

static void test_bundle_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_bundles / sizeof bad_bundles[0]; i++) {
		pl_stix_bundle b;
		pl_diag d = {0};
		int rc = parse_str(bad_bundles[i].doc, &b, &d);
		if (rc != bad_bundles[i].rc)
			fail_msg("bundle %zu: rc %d (%s), want %d", i, rc, d.msg, bad_bundles[i].rc);
		if (strstr(d.msg, bad_bundles[i].part) == NULL)
			fail_msg("bundle %zu: sentence \"%s\" lacks \"%s\"", i, d.msg, bad_bundles[i].part);
		assert_int_equal(b.nindicators, 0);
		assert_null(b.id);
		pl_stix_bundle_release(&b);
	}
}

static void test_bundle_caps(void **state)
{
	(void)state;
	pl_buf doc;
	pl_stix_bundle b;
	pl_diag d = {0};
	/* 10,000 objects are fine, 10,001 are not */
	for (int extra = 0; extra < 2; extra++) {
		pl_buf_init(&doc, PL_STIX_BUNDLE_MAX);
		assert_int_equal(pl_buf_puts(&doc, "{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":["), PL_OK);
		for (int i = 0; i < PL_STIX_OBJECTS_MAX + extra; i++)
			assert_int_equal(pl_buf_printf(&doc, "%s{\"type\":\"note\",\"id\":\"note--%08x-0000-4000-8000-000000000000\"}",
						       i ? "," : "", (unsigned)i),
					 PL_OK);
		assert_int_equal(pl_buf_puts(&doc, "]}"), PL_OK);
		pl_diag_clear(&d);
		int rc = pl_stix_bundle_parse(doc.data, doc.len, &b, &d);
		if (extra == 0) {
			assert_int_equal(rc, PL_OK);
			assert_int_equal(b.nobjects, PL_STIX_OBJECTS_MAX);
			assert_int_equal(b.nother, PL_STIX_OBJECTS_MAX);
		} else {
			assert_int_equal(rc, PL_ETOOBIG);
			assert_non_null(strstr(d.msg, "10001 objects"));
		}
		pl_stix_bundle_release(&b);
		pl_buf_release(&doc);
	}
	/* a pattern over 64 KiB */
	pl_buf_init(&doc, PL_STIX_BUNDLE_MAX);
	assert_int_equal(pl_buf_puts(&doc, "{\"type\":\"bundle\",\"id\":\"" BID "\",\"objects\":[" IND(U1, "\"pattern_type\":\"stix\"," VF ",\"pattern\":\"[a:b = 1]")), PL_OK);
	for (int i = 0; i < PL_STIX_PATTERN_MAX; i++)
		assert_int_equal(pl_buf_putc(&doc, ' '), PL_OK);
	assert_int_equal(pl_buf_puts(&doc, "\"}]}"), PL_OK);
	pl_diag_clear(&d);
	assert_int_equal(pl_stix_bundle_parse(doc.data, doc.len, &b, &d), PL_ETOOBIG);
	assert_non_null(strstr(d.msg, "indicator--" U1));
	pl_buf_release(&doc);
	/* a document over 16 MiB is refused before parsing */
	size_t n = (size_t)PL_STIX_BUNDLE_MAX + 1;
	uint8_t *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	pl_diag_clear(&d);
	assert_int_equal(pl_stix_bundle_parse(big, n, &b, &d), PL_ETOOBIG);
	free(big);
	assert_int_equal(pl_stix_bundle_parse(NULL, 1, &b, NULL), PL_EINVAL);
}

static void load(const char *name, pl_stix_bundle *b)
{
	size_t n;
	uint8_t *p = tu_read_file(tu_vector(name), &n);
	pl_diag d = {0};
	int rc = pl_stix_bundle_parse(p, n, b, &d);
	free(p);
	if (rc != PL_OK)
		fail_msg("%s: %s", name, d.msg);
}

static void test_bundle_examples(void **state)
{
	(void)state;
	pl_stix_bundle b;
	load("stix/indicators-for-C2-with-COA.json", &b);
	assert_int_equal(b.nobjects, 8);
	assert_int_equal(b.nindicators, 2);
	assert_int_equal(b.nother, 6);
	assert_string_equal(b.indicators[0].id, "indicator--53fe3b22-0201-47cf-85d0-97c02164528d");
	assert_int_equal(b.indicators[0].status, PL_STIX_EVALUABLE);
	assert_int_equal(b.indicators[1].status, PL_STIX_EVALUABLE);
	assert_int_equal(pl_stix_pattern_hashes(b.indicators[1].compiled), PL_HASH_SHA256);
	pl_obs_addr a = v4("10.0.0.0");
	pl_obs_net o = {.src_port = -1, .dst_port = -1, .addrs = &a, .naddrs = 1};
	assert_true(pl_stix_match_net(b.indicators[0].compiled, &o));
	a = v4("10.0.0.1");
	assert_false(pl_stix_match_net(b.indicators[0].compiled, &o));
	uint8_t h[PL_SHA256_SIZE];
	tu_hex("ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", h, sizeof h);
	pl_obs_file f = {.name = "x", .sha256 = h};
	assert_true(pl_stix_match_file(b.indicators[1].compiled, &f));
	f.sha256 = sha256;
	assert_false(pl_stix_match_file(b.indicators[1].compiled, &f));
	pl_stix_bundle_release(&b);

	load("stix/malicious-email-indicator-with-attachment.json", &b);
	assert_int_equal(b.nobjects, 6);
	assert_int_equal(b.nindicators, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(b.indicators[i].status, PL_STIX_NOT_EVALUATED);
		assert_non_null(strstr(b.indicators[i].why, "email-message:"));
	}
	assert_string_equal(b.indicators[1].why,
			    "email-message:body_multipart[*].body_raw_ref.name is outside the supported subset");
	pl_stix_bundle_release(&b);

	load("stix/apt1.json", &b);
	assert_int_equal(b.nobjects, 76);
	assert_int_equal(b.nindicators, 12);
	assert_int_equal(b.nother, 64);
	size_t evaluable = 0, net = 0, file = 0;
	for (size_t i = 0; i < b.nindicators; i++) {
		const pl_stix_indicator *in = &b.indicators[i];
		if (in->status == PL_STIX_EVALUABLE) {
			evaluable++;
			net += pl_stix_pattern_scope(in->compiled) == PL_STIX_ON_NETWORK;
			file += pl_stix_pattern_scope(in->compiled) == PL_STIX_ON_FILES;
		} else {
			assert_non_null(strstr(in->pattern, "x509-certificate:issuer"));
			assert_string_equal(in->why, "x509-certificate:issuer is outside the supported subset");
		}
	}
	assert_int_equal(evaluable, 10);
	assert_int_equal(net, 7);
	assert_int_equal(file, 3);
	/* [ipv4-addr:value = '223.166.0.0/15']: the block 223.166.0.0-223.167.255.255 */
	const pl_stix_pattern *cidr = b.indicators[0].compiled;
	assert_string_equal(b.indicators[0].pattern, "[ipv4-addr:value = '223.166.0.0/15']");
	a = v4("223.167.255.255");
	assert_true(pl_stix_match_net(cidr, &o));
	a = v4("223.168.0.0");
	assert_false(pl_stix_match_net(cidr, &o));
	a = v4("223.165.255.255");
	assert_false(pl_stix_match_net(cidr, &o));
	/* [file:hashes.md5 = '001dd76872d80801692ff942308c64e6'] */
	const pl_stix_indicator *in = &b.indicators[7];
	assert_string_equal(in->id, "indicator--8d12f44f-8ac0-4b12-8b4a-3699ca8c9691");
	assert_int_equal(pl_stix_pattern_hashes(in->compiled), PL_HASH_MD5);
	uint8_t m[16];
	tu_hex("001dd76872d80801692ff942308c64e6", m, sizeof m);
	f = (pl_obs_file){.name = "a.exe", .md5 = m};
	assert_true(pl_stix_match_file(in->compiled, &f));
	f.md5 = md5;
	assert_false(pl_stix_match_file(in->compiled, &f));
	pl_stix_bundle_release(&b);
}

static void test_ids_and_timestamps(void **state)
{
	(void)state;
	static const char *const good_ts[] = {"2026-01-01T00:00:00Z", "2024-02-29T23:59:60Z", "2014-05-08T09:00:00.000000Z",
					      "0001-12-31T00:00:00.1Z"};
	static const char *const bad_ts[] = {"2026-01-01T00:00:00", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
					     "2026-01-01T00:00:00.Z", "2026-1-01T00:00:00Z", "2026-01-01t00:00:00Z",
					     "2026-01-01T00:60:00Z", "2026-00-01T00:00:00Z", "1900-02-29T00:00:00Z", ""};
	for (size_t i = 0; i < sizeof good_ts / sizeof good_ts[0]; i++)
		assert_true(pl_stix_timestamp_ok(good_ts[i], strlen(good_ts[i])));
	for (size_t i = 0; i < sizeof bad_ts / sizeof bad_ts[0]; i++)
		if (pl_stix_timestamp_ok(bad_ts[i], strlen(bad_ts[i])))
			fail_msg("%s accepted", bad_ts[i]);
	const char *id = "indicator--" U1;
	assert_true(pl_stix_id_ok(id, strlen(id), "indicator"));
	assert_true(pl_stix_id_ok(id, strlen(id), NULL));
	assert_false(pl_stix_id_ok(id, strlen(id), "malware"));
	assert_false(pl_stix_id_ok(id, strlen(id) - 1, NULL));
	static const char *const bad_ids[] = {"indicator-" U1, "Indicator--" U1, "in--" U1, "x---" U1,
					      "indicator--33fe3b22-0201-47cf-85d0-97c02164528g",
					      "indicator--33fe3b2200201-47cf-85d0-97c02164528d", "--" U1};
	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
		if (pl_stix_id_ok(bad_ids[i], strlen(bad_ids[i]), NULL))
			fail_msg("%s accepted", bad_ids[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_scope_and_hashes),
		cmocka_unit_test(test_unsupported_table),
		cmocka_unit_test(test_grammar_accepts),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_bundle_mixed),
		cmocka_unit_test(test_bundle_malformed),
		cmocka_unit_test(test_bundle_caps),
		cmocka_unit_test(test_bundle_examples),
		cmocka_unit_test(test_ids_and_timestamps),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
