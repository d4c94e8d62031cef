/* test_evidence.c - sealed blobs and evidence manifests. */
#include "testutil.h"

#include "base/sha256.h"
#include "base/codec.h"
#include "base/fsio.h"
#include "evidence/manifest.h"
#include "evidence/package.h"
#include "evidence/seal.h"

#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pl_party_key *party(const char *name)
{
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	char s[64];
	snprintf(s, sizeof s, "sign %s", name);
	pl_sha256(s, strlen(s), seed);
	snprintf(s, sizeof s, "box %s", name);
	pl_sha256(s, strlen(s), box);
	pl_party_key *k = NULL;
	assert_int_equal(pl_party_key_from_seeds(name, seed, box, &k, NULL), PL_OK);
	return k;
}

/* Seals n bytes for the recipients; returns the sealed bytes (caller frees) and their length. */
static uint8_t *seal_bytes(const uint8_t *p, size_t n, const pl_identity *r, size_t nr, size_t *len, pl_seal_digest *dg)
{
	FILE *in = fmemopen((void *)(uintptr_t)p, n ? n : 1, "rb");
	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	assert_non_null(in);
	assert_non_null(out);
	if (n == 0)
		fgetc(in); /* an empty input: consume the dummy byte */
	assert_int_equal(pl_seal(in, out, r, nr, dg, NULL), PL_OK);
	fclose(in);
	fclose(out);
	*len = blen;
	return (uint8_t *)buf;
}

/* Opens sealed bytes with k; returns the library's code, the plaintext in *plain. */
static int open_bytes(const uint8_t *s, size_t n, const pl_party_key *k, const uint8_t *want, char **plain, size_t *pn)
{
	FILE *in = fmemopen((void *)(uintptr_t)s, n, "rb");
	FILE *out = open_memstream(plain, pn);
	pl_diag d = {0};
	int rc = pl_unseal(in, out, k, want, NULL, &d);
	fclose(in);
	fclose(out);
	return rc;
}

/* The header of a version 2 blob sealed to cert.a and cert.b. */
#define HDR2 (8 + 2 + 2 * (1 + 1 + 6 + PL_SEAL_FP_SIZE + 80))

static void test_seal_roundtrip_and_refusals(void **state)
{
	(void)state;
	pl_party_key *a = party("cert.a"), *b = party("cert.b"), *c = party("cert.c");
	pl_identity rec[2] = {a->id, b->id};
	/* sizes around the chunk boundary, and empty */
	size_t sizes[] = {0, 1, PL_SEAL_CHUNK - 1, PL_SEAL_CHUNK, PL_SEAL_CHUNK + 1, 3 * PL_SEAL_CHUNK + 17};
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		size_t n = sizes[t];
		uint8_t *p = malloc(n + 1);
		randombytes_buf(p, n + 1);
		pl_seal_digest dg;
		size_t slen;
		uint8_t *s = seal_bytes(p, n, rec, 2, &slen, &dg);
		uint8_t h[PL_SHA256_SIZE];
		pl_sha256(p, n, h);
		assert_memory_equal(dg.plain, h, PL_SHA256_SIZE);
		assert_int_equal(dg.plain_size, n);
		pl_sha256(s, slen, h);
		assert_memory_equal(dg.sealed, h, PL_SHA256_SIZE);
		assert_int_equal(dg.sealed_size, slen);
		/* the header read from the first bytes, and the size sealing n bytes after it makes (what a server
		 * checks at admission) */
		pl_seal_head *hh = malloc(sizeof *hh);
		int version = 0;
		assert_int_equal(pl_seal_header(s, slen, hh, &version, NULL), PL_OK);
		assert_int_equal(version, 2);
		assert_int_equal(hh->n, 2);
		assert_string_equal(hh->e[0].party, "cert.a");
		assert_string_equal(hh->e[1].party, "cert.b");
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(b->id.box_pk, fp);
		assert_memory_equal(hh->e[1].fp, fp, sizeof fp); /* readers by key */
		assert_int_equal(hh->len, HDR2);
		assert_int_equal(pl_seal_sealed_size(hh->len, n), slen);
		assert_int_equal(pl_seal_header(s, HDR2 - 1, hh, &version, NULL), PL_EFORMAT); /* truncated */
		assert_int_equal(pl_seal_header(p, n, hh, &version, NULL), PL_EFORMAT);       /* a plaintext */
		free(hh);
		/* no plaintext in the clear (for inputs long enough to tell) */
		if (n >= 64)
			assert_null(memmem(s, slen, p, 64));
		for (int who = 0; who < 2; who++) {
			char *plain = NULL;
			size_t pn = 0;
			assert_int_equal(open_bytes(s, slen, who ? b : a, dg.plain, &plain, &pn), PL_OK);
			assert_int_equal(pn, n);
			assert_true(n == 0 || memcmp(plain, p, n) == 0);
			free(plain);
		}
		char *plain = NULL;
		size_t pn = 0;
		/* not a recipient */
		assert_int_equal(open_bytes(s, slen, c, NULL, &plain, &pn), PL_ENOKEY);
		free(plain);
		/* another plaintext hash than the statement records */
		uint8_t wrong[PL_SHA256_SIZE] = {1};
		plain = NULL;
		assert_int_equal(open_bytes(s, slen, b, wrong, &plain, &pn), PL_EVERIFY);
		free(plain);
		/* a flipped byte anywhere in the stream */
		size_t hdr = HDR2;
		for (size_t at = hdr; at < slen; at += (slen - hdr) / 7 + 1) {
			s[at] ^= 0x40;
			plain = NULL;
			assert_int_equal(open_bytes(s, slen, b, NULL, &plain, &pn), PL_EVERIFY);
			free(plain);
			s[at] ^= 0x40;
		}
		/* an edited recipient list (a byte of the first name, of its fingerprint): the chunks no longer
		 * authenticate */
		size_t edits[] = {13, 8 + 2 + 1 + 1 + 6 + 3};
		for (size_t e = 0; e < 2; e++) {
			s[edits[e]] ^= 0x01;
			plain = NULL;
			assert_int_equal(open_bytes(s, slen, b, NULL, &plain, &pn), PL_EVERIFY);
			free(plain);
			s[edits[e]] ^= 0x01;
		}
		/* truncated at the end, and extended */
		plain = NULL;
		assert_int_equal(open_bytes(s, slen - 1, b, NULL, &plain, &pn), PL_EVERIFY);
		free(plain);
		uint8_t *longer = malloc(slen + 1);
		memcpy(longer, s, slen);
		longer[slen] = 0;
		plain = NULL;
		assert_int_equal(open_bytes(longer, slen + 1, b, NULL, &plain, &pn), PL_EVERIFY);
		free(plain);
		free(longer);
		free(s);
		free(p);
	}
	/* a whole chunk dropped from the middle */
	size_t n = 3 * PL_SEAL_CHUNK, slen;
	uint8_t *p = calloc(1, n);
	pl_seal_digest dg;
	uint8_t *s = seal_bytes(p, n, rec, 2, &slen, &dg);
	size_t hdr = HDR2 + 24, chunk = PL_SEAL_CHUNK + 17;
	memmove(s + hdr + chunk, s + hdr + 2 * chunk, slen - hdr - 2 * chunk);
	char *plain = NULL;
	size_t pn;
	assert_int_equal(open_bytes(s, slen - chunk, b, NULL, &plain, &pn), PL_EVERIFY);
	free(plain);
	free(s);
	free(p);
	/* bad recipient lists */
	char x[1] = {'x'};
	FILE *in = fmemopen(x, 1, "rb");
	char *buf = NULL;
	size_t blen;
	FILE *out = open_memstream(&buf, &blen);
	pl_identity twice[2] = {a->id, a->id};
	assert_int_equal(pl_seal(in, out, twice, 2, &dg, NULL), PL_EINVAL);
	assert_int_equal(pl_seal(in, out, rec, 0, &dg, NULL), PL_EINVAL);
	fclose(in);
	fclose(out);
	free(buf);
	/* not a sealed blob */
	plain = NULL;
	assert_int_equal(open_bytes((const uint8_t *)"PLSEAL00garbage", 15, a, NULL, &plain, &pn), PL_EFORMAT);
	free(plain);
	pl_party_key_free(a);
	pl_party_key_free(b);
	pl_party_key_free(c);
}

/* A version 1 blob as parley wrote them before version 2 (seal.h documents the format): its bytes in *len. */
static uint8_t *seal_v1(const uint8_t *p, size_t n, const pl_identity *r, size_t nr, size_t *len)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], ad[PL_SHA256_SIZE];
	crypto_secretstream_xchacha20poly1305_keygen(key);
	uint8_t *out = malloc(8 + 1 + nr * (1 + PL_PARTY_MAX + 80) + 24 + n + 17 * (n / PL_SEAL_CHUNK + 1));
	size_t at = 0;
	memcpy(out, "PLSEAL01", 8);
	at = 8;
	out[at++] = (uint8_t)nr;
	for (size_t i = 0; i < nr; i++) {
		size_t l = strlen(r[i].party);
		out[at++] = (uint8_t)l;
		memcpy(out + at, r[i].party, l);
		at += l;
		assert_int_equal(crypto_box_seal(out + at, key, sizeof key, r[i].box_pk), 0);
		at += 80;
	}
	pl_sha256(out, at, ad);
	crypto_secretstream_xchacha20poly1305_state st;
	assert_int_equal(crypto_secretstream_xchacha20poly1305_init_push(&st, out + at, key), 0);
	at += 24;
	size_t off = 0;
	for (;;) {
		size_t take = n - off < PL_SEAL_CHUNK ? n - off : PL_SEAL_CHUNK;
		bool last = off + take == n && take < PL_SEAL_CHUNK;
		unsigned long long clen = 0;
		assert_int_equal(crypto_secretstream_xchacha20poly1305_push(&st, out + at, &clen, p + off, take, ad, sizeof ad,
									     last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0),
				 0);
		at += (size_t)clen;
		off += take;
		if (last)
			break;
	}
	*len = at;
	return out;
}

/* Blobs of older logs (version 1) open; version 2 names each reader's key, so an older key is found by its
 * fingerprint; 65 readers; a key wrapped wrong is the author's misbehaviour, not "not a reader". */
static void test_seal_versions_and_keys(void **state)
{
	(void)state;
	pl_party_key *a = party("cert.a"), *b = party("cert.b"), *c = party("cert.c");
	pl_identity rec[2] = {a->id, b->id};
	size_t n = PL_SEAL_CHUNK + 100, slen = 0, pn = 0;
	uint8_t *p = malloc(n), want[PL_SHA256_SIZE];
	randombytes_buf(p, n);
	pl_sha256(p, n, want);
	/* version 1: read, named by the header without fingerprints */
	uint8_t *s1 = seal_v1(p, n, rec, 2, &slen);
	char *plain = NULL;
	assert_int_equal(open_bytes(s1, slen, b, want, &plain, &pn), PL_OK);
	assert_int_equal(pn, n);
	assert_memory_equal(plain, p, n);
	free(plain);
	plain = NULL;
	assert_int_equal(open_bytes(s1, slen, c, NULL, &plain, &pn), PL_ENOKEY);
	free(plain);
	pl_seal_head *h = malloc(sizeof *h);
	int version = 0;
	assert_int_equal(pl_seal_header(s1, slen, h, &version, NULL), PL_OK);
	assert_int_equal(version, 1);
	assert_int_equal(h->n, 2);
	assert_string_equal(h->e[1].party, "cert.b");
	assert_int_equal(h->len, 8 + 1 + 2 * (1 + 6 + 80));
	s1[8 + 1 + 2] ^= 1; /* a name byte: the chunks no longer authenticate */
	plain = NULL;
	assert_int_equal(open_bytes(s1, slen, b, NULL, &plain, &pn), PL_EVERIFY);
	free(plain);
	free(s1);

	/* version 2, sealed to b's earlier key: b's ring finds it by fingerprint; b's current key alone says which */
	pl_party_key *b_new = NULL; /* the same name, a fresh key */
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	randombytes_buf(seed, sizeof seed);
	randombytes_buf(box, sizeof box);
	assert_int_equal(pl_party_key_from_seeds("cert.b", seed, box, &b_new, NULL), PL_OK);
	pl_seal_digest dg;
	uint8_t *s2 = seal_bytes(p, n, rec, 2, &slen, &dg);
	pl_keyring only_new = {.keys = {b_new}, .n = 1}, both = {.keys = {b_new, b}, .n = 2};
	FILE *in = fmemopen(s2, slen, "rb");
	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	pl_diag d = {0};
	assert_int_equal(pl_unseal_ring(in, out, &only_new, want, NULL, &d), PL_ENOKEY);
	assert_non_null(strstr(d.msg, "sealed to cert.b's key"));
	rewind(in);
	fclose(out);
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &blen);
	assert_int_equal(pl_unseal_ring(in, out, &both, want, NULL, &d), PL_OK);
	fclose(out);
	fclose(in);
	assert_int_equal(blen, n);
	free(buf);
	/* the key wrapped to b replaced by one wrapped to c under b's fingerprint: misbehaviour (PL_EVERIFY) */
	uint8_t junk[80];
	assert_int_equal(crypto_box_seal(junk, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32, c->id.box_pk), 0);
	size_t b_wrap = 8 + 2 + (1 + 1 + 6 + PL_SEAL_FP_SIZE + 80) + 1 + 1 + 6 + PL_SEAL_FP_SIZE;
	memcpy(s2 + b_wrap, junk, sizeof junk);
	plain = NULL;
	assert_int_equal(open_bytes(s2, slen, b, NULL, &plain, &pn), PL_EVERIFY);
	free(plain);
	free(s2);

	/* 65 readers: a concern's author and its 64 recipients; 66 are refused */
	pl_party_key *many[PL_SEAL_RECIPIENTS_MAX + 1];
	pl_identity ids[PL_SEAL_RECIPIENTS_MAX + 1];
	for (size_t i = 0; i <= PL_SEAL_RECIPIENTS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof name, "cert.r%02zu", i);
		many[i] = party(name);
		ids[i] = many[i]->id;
	}
	assert_int_equal(PL_SEAL_RECIPIENTS_MAX, 65);
	uint8_t *s3 = seal_bytes(p, 100, ids, PL_SEAL_RECIPIENTS_MAX, &slen, &dg);
	assert_int_equal(pl_seal_header(s3, slen, h, &version, NULL), PL_OK);
	assert_int_equal(h->n, 65);
	assert_true(h->len <= PL_SEAL_HEADER_MAX);
	plain = NULL;
	assert_int_equal(open_bytes(s3, slen, many[64], NULL, &plain, &pn), PL_OK);
	assert_int_equal(pn, 100);
	free(plain);
	free(s3);
	in = fmemopen(p, 10, "rb");
	buf = NULL;
	out = open_memstream(&buf, &blen);
	assert_int_equal(pl_seal(in, out, ids, PL_SEAL_RECIPIENTS_MAX + 1, &dg, NULL), PL_EINVAL);
	fclose(in);
	fclose(out);
	free(buf);
	/* a version 2 header of another kind, or not canonical, is not a blob's */
	static const uint8_t body_kind[] = "PLSEAL02\x01\x01";
	assert_int_equal(pl_seal_header(body_kind, sizeof body_kind - 1, h, &version, NULL), PL_EFORMAT);
	s3 = seal_bytes(p, 10, (pl_identity[]){b->id, a->id}, 2, &slen, &dg);
	uint8_t *swapped = malloc(slen);
	size_t one = 1 + 1 + 6 + PL_SEAL_FP_SIZE + 80;
	memcpy(swapped, s3, 10);
	memcpy(swapped + 10, s3 + 10 + one, one); /* cert.b before cert.a: not canonical */
	memcpy(swapped + 10 + one, s3 + 10, one);
	memcpy(swapped + 10 + 2 * one, s3 + 10 + 2 * one, slen - 10 - 2 * one);
	assert_int_equal(pl_seal_header(swapped, slen, h, &version, NULL), PL_EFORMAT);
	free(swapped);
	free(s3);
	for (size_t i = 0; i <= PL_SEAL_RECIPIENTS_MAX; i++)
		pl_party_key_free(many[i]);
	free(h);
	free(p);
	pl_party_key_free(a);
	pl_party_key_free(b);
	pl_party_key_free(b_new);
	pl_party_key_free(c);
}

static int parse(const char *json, pl_manifest *m)
{
	pl_diag d = {0};
	int rc = pl_manifest_parse((const uint8_t *)json, strlen(json), m, &d);
	pl_manifest_release(m);
	return rc;
}

#define H "\"0000000000000000000000000000000000000000000000000000000000000000\""

static void test_manifest(void **state)
{
	(void)state;
	pl_manifest m;
	const char *good = "{\"parley\":\"evidence/v1\",\"title\":\"t\",\"stix\":[\"i.json\"],\"yara\":[\"r.yar\"],"
			   "\"files\":{\"i.json\":" H ",\"r.yar\":" H ",\"d/a/x.bin\":" H ",\"d/c.pcap\":" H "},"
			   "\"datasets\":[{\"name\":\"a\",\"kind\":\"files\",\"root\":\"d/a\"},"
			   "{\"name\":\"c\",\"kind\":\"pcap\",\"path\":\"d/c.pcap\"}],"
			   "\"expected\":[{\"dataset\":\"a\",\"rule\":\"R\",\"path\":\"x.bin\",\"offset\":7},"
			   "{\"dataset\":\"c\",\"indicator\":\"indicator--1\",\"packet\":3}]}";
	pl_diag d = {0};
	assert_int_equal(pl_manifest_parse((const uint8_t *)good, strlen(good), &m, &d), PL_OK);
	assert_int_equal(m.nfiles, 4);
	assert_int_equal(m.ndatasets, 2);
	assert_int_equal(m.nexpected, 2);
	assert_int_equal(m.expected[0].offset, 7);
	assert_int_equal(m.expected[1].packet, 3);
	assert_non_null(pl_manifest_find(&m, "d/c.pcap"));
	assert_null(pl_manifest_find(&m, "d/none"));
	pl_manifest_release(&m);
	static const char *const bad[] = {
		"{}",
		"[]",
		"{\"parley\":\"evidence/v2\",\"title\":\"t\",\"files\":{\"a\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"../a\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"/a\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a//b\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a/./b\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"manifest.json\":" H "}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":\"00\"}}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},\"extra\":1}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},\"stix\":[\"b\"]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"b\"}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"files\",\"root\":\"d\"}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"tar\",\"path\":\"a\"}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"a\"},{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"a\"}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"a\"}],"
		"\"expected\":[{\"dataset\":\"y\",\"indicator\":\"i\",\"packet\":1}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"a\"}],"
		"\"expected\":[{\"dataset\":\"x\",\"indicator\":\"i\",\"packet\":0}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"pcap\",\"path\":\"a\"}],"
		"\"expected\":[{\"dataset\":\"x\",\"rule\":\"r\",\"indicator\":\"i\",\"packet\":1}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"files\":{\"d/a\":" H "},"
		"\"datasets\":[{\"name\":\"x\",\"kind\":\"files\",\"root\":\"d\"}],"
		"\"expected\":[{\"dataset\":\"x\",\"rule\":\"r\",\"path\":\"b\"}]}",
		"{\"parley\":\"evidence/v1\",\"title\":\"t\",\"title\":\"u\",\"files\":{\"a\":" H "}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i], &m);
		if (rc == PL_OK)
			fail_msg("manifest %zu was accepted: %s", i, bad[i]);
	}
	assert_true(pl_package_path_ok("a/b/c.txt"));
	assert_false(pl_package_path_ok("a/../b"));
	assert_false(pl_package_path_ok("a\\b"));
	assert_false(pl_package_path_ok(""));
}

/* Blobs held in memory, by name, for pl_report_unpack. */
typedef struct blobs {
	const char *name[2];
	const uint8_t *data[2];
	size_t len[2];
} blobs;

static int fetch_mem(void *ctx, const char *name, FILE *out, pl_diag *d)
{
	blobs *b = ctx;
	for (int i = 0; i < 2; i++)
		if (b->name[i] != NULL && strcmp(b->name[i], name) == 0)
			return fwrite(b->data[i], 1, b->len[i], out) == b->len[i] ? PL_OK : PL_EIO;
	return pl_diag_set(d, PL_ENOTFOUND, "no blob %s", name);
}

/* Nothing but outdir/report.json is left, or nothing at all. */
static void assert_only(const char *outdir, bool report)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof p, "%s.parley-blob-%d", outdir, (int)getpid());
	assert_false(pl_fs_exists(p));
	snprintf(p, sizeof p, "%s.parley-report-%d", outdir, (int)getpid());
	assert_false(pl_fs_exists(p));
	assert_true(pl_fs_exists(outdir) == report);
	if (report) {
		assert_int_equal(stat(outdir, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
		snprintf(p, sizeof p, "%s/report.json", outdir);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

static void test_report_unpack(void **state)
{
	(void)state;
	pl_party_key *a = party("cert.a"), *b = party("cert.b"), *c = party("cert.c");
	pl_identity rec[2] = {a->id, b->id};
	static const char report[] = "{\"result\": \"reproduced\"}\n";
	size_t n = sizeof report - 1, slen;
	pl_seal_digest dg;
	uint8_t *sealed = seal_bytes((const uint8_t *)report, n, rec, 2, &slen, &dg);
	char sname[PL_SHA256_HEX_LEN + 1], pname[PL_SHA256_HEX_LEN + 1];
	pl_hex_encode(dg.sealed, PL_SHA256_SIZE, sname);
	pl_hex_encode(dg.plain, PL_SHA256_SIZE, pname);
	blobs bl = {{sname, pname}, {sealed, (const uint8_t *)report}, {slen, n}};
	pl_party_key *b2 = NULL; /* b's key after a rotation: the report was sealed to the older one */
	assert_int_equal(pl_party_key_generate("cert.b", &b2, NULL), PL_OK);
	pl_keyring ra = {{a}, 1}, rc = {{c}, 1}, rbb = {{b2, b}, 2};
	uint8_t wrong[PL_SHA256_SIZE];
	memcpy(wrong, dg.plain, PL_SHA256_SIZE);
	wrong[0] ^= 1;
	char *tmp = tu_tmpdir(), out[600], path[700];
	pl_diag d = {0};

	/* sealed, opened by a recipient; again into the same place: it exists */
	snprintf(out, sizeof out, "%s/r1", tmp);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, dg.plain, &ra, out, &d), PL_OK);
	assert_only(out, true);
	snprintf(path, sizeof path, "%s/report.json", out);
	size_t got;
	uint8_t *text = tu_read_file(path, &got);
	assert_int_equal(got, n);
	assert_memory_equal(text, report, n);
	free(text);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, dg.plain, &ra, out, &d), PL_EEXIST);

	/* a recipient's ring whose current key is not the one it was sealed to: the older one opens it */
	snprintf(out, sizeof out, "%s/r2", tmp);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, dg.plain, &rbb, out, &d), PL_OK);
	assert_only(out, true);

	/* not a recipient; another plaintext recorded; no such blob: nothing left */
	snprintf(out, sizeof out, "%s/r3", tmp);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, dg.plain, &rc, out, &d), PL_ENOKEY);
	assert_only(out, false);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, wrong, &ra, out, &d), PL_EVERIFY);
	assert_only(out, false);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, "ff", dg.plain, &ra, out, &d), PL_ENOTFOUND);
	assert_string_equal(d.msg, "no blob ff");
	assert_only(out, false);

	/* TLP:CLEAR: the blob is the report; its hash is checked all the same */
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, pname, dg.plain, NULL, out, &d), PL_OK);
	assert_only(out, true);
	snprintf(out, sizeof out, "%s/r4", tmp);
	memset(&d, 0, sizeof d);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, pname, wrong, NULL, out, &d), PL_EVERIFY);
	assert_string_equal(d.msg, "the report does not have the SHA-256 the finding records");
	assert_only(out, false);
	/* a sealed blob taken for a plain one is no report either */
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, sname, dg.plain, NULL, out, &d), PL_EVERIFY);
	assert_only(out, false);

	free(sealed);
	pl_party_key_free(a);
	pl_party_key_free(b);
	pl_party_key_free(c);
	pl_party_key_free(b2);
}

/* pl_report_seal, then pl_report_unpack: the report back, for recipients only; TLP:CLEAR as it is. */
static void test_report_seal(void **state)
{
	(void)state;
	pl_party_key *a = party("cert.a"), *b = party("cert.b"), *c = party("cert.c");
	pl_identity rec[2] = {a->id, b->id};
	char *tmp = tu_tmpdir(), report[600], staged[600], out[600], name[PL_SHA256_HEX_LEN + 1];
	static const char text[] = "{\"result\": \"inconclusive\", \"hits\": []}\n";
	snprintf(report, sizeof report, "%s/report.json", tmp);
	snprintf(staged, sizeof staged, "%s/report.sealed", tmp);
	FILE *f = fopen(report, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	pl_seal_digest dg;
	pl_diag d = {0};
	uint8_t h[PL_SHA256_SIZE];
	char hex[PL_SHA256_HEX_LEN + 1];

	assert_int_equal(pl_report_seal(report, rec, 2, staged, &dg, name, &d), PL_OK);
	size_t slen;
	uint8_t *sealed = tu_read_file(staged, &slen);
	assert_null(memmem(sealed, slen, "inconclusive", 12)); /* no plaintext in the clear */
	pl_sha256(sealed, slen, h);
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	assert_string_equal(name, hex); /* the blob is named by the sealed bytes */
	pl_sha256(text, sizeof text - 1, h);
	assert_memory_equal(dg.plain, h, PL_SHA256_SIZE);
	assert_int_equal(dg.plain_size, sizeof text - 1);
	struct stat st;
	assert_int_equal(stat(staged, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	blobs bl = {{name, NULL}, {sealed, NULL}, {slen, 0}};
	pl_keyring rb = {{b}, 1}, rc = {{c}, 1};
	snprintf(out, sizeof out, "%s/fetched", tmp);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, name, dg.plain, &rc, out, &d), PL_ENOKEY);
	assert_int_equal(pl_report_unpack(fetch_mem, &bl, name, dg.plain, &rb, out, &d), PL_OK);
	char path[700];
	snprintf(path, sizeof path, "%s/report.json", out);
	size_t n;
	uint8_t *back = tu_read_file(path, &n);
	assert_int_equal(n, sizeof text - 1);
	assert_memory_equal(back, text, n);
	free(back);
	free(sealed);

	/* TLP:CLEAR: nothing staged, the blob is the report */
	assert_int_equal(unlink(staged), 0);
	assert_int_equal(pl_report_seal(report, rec, 0, staged, &dg, name, &d), PL_OK);
	assert_false(pl_fs_exists(staged));
	pl_hex_encode(h, PL_SHA256_SIZE, hex);
	assert_string_equal(name, hex);

	/* no report */
	snprintf(path, sizeof path, "%s/missing.json", tmp);
	assert_int_not_equal(pl_report_seal(path, rec, 2, staged, &dg, name, &d), PL_OK);
	assert_int_not_equal(pl_report_seal(path, rec, 0, staged, &dg, name, &d), PL_OK);
	assert_false(pl_fs_exists(staged));
	pl_party_key_free(a);
	pl_party_key_free(b);
	pl_party_key_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_roundtrip_and_refusals),
		cmocka_unit_test(test_seal_versions_and_keys),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_report_unpack),
		cmocka_unit_test(test_report_seal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
