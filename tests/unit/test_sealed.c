/*
 * test_sealed.c - sealed statement bodies and their building blocks:
 * base/jcs (known answers from Python's json module), base/deflate (strict
 * inflation), statement/seal_head (the public header) and statement/sealed
 * (round trips for 1, 2, 16 and 65 readers, a non-reader, every byte
 * flipped, padding buckets, caps, members' keys, the commitment's known
 * answer from Python's hashlib, and a body built by hand from the documented
 * format). Misbehaving authors and the proofs against them: test_sealproof.c.
 */
#include "sealtest.h"

#include "base/deflate.h"
#include "base/jcs.h"
#include "base/json.h"

/* ---- base/jcs ---- */

static void jcs_matches_python(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:s,s:b,s:I,s:[i,{s:b,s:s}],s:I}", "b", "a\x01\x1f\x7f\"\\/\n\t\b\f\r\xe2\x80\xa8 \xc3\xa9",
			      "a", 1, "c", (json_int_t)-5, "z", 1, "y", 0, "x", "\xc3\xa9", "big", PL_JCS_INT_MAX);
	assert_non_null(v);
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(pl_jcs(v, &b), PL_OK);
	/* json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False), hex of its UTF-8 */
	uint8_t want[512];
	size_t n = tu_hex("7b2261223a747275652c2262223a22615c75303030315c75303031667f5c225c5c2f5c6e5c745c625c665c72e280a8"
			  "20c3a9222c22626967223a393030373139393235343734303939322c2263223a2d352c227a223a5b312c7b2278223a"
			  "22c3a9222c2279223a66616c73657d5d7d",
			  want, sizeof want);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, want, n);
	json_decref(v);
	pl_buf_release(&b);
}

static void jcs_refuses_outside_subset(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(pl_buf_puts(&b, "kept"), PL_OK);
	json_t *bad[] = {json_pack("{s:n}", "a"), json_pack("{s:f}", "a", 1.5),
			 json_pack("{s:I}", "a", PL_JCS_INT_MAX + 1), json_pack("{s:I}", "a", -PL_JCS_INT_MAX - 1),
			 json_pack("{s:i}", "\xc3\xa9", 1)};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_non_null(bad[i]);
		assert_int_equal(pl_jcs(bad[i], &b), PL_EFORMAT);
		assert_int_equal(b.len, 4); /* unchanged */
		json_decref(bad[i]);
	}
	/* the cap */
	pl_buf small;
	pl_buf_init(&small, 8);
	json_t *v = json_pack("{s:s}", "text", "0123456789");
	assert_int_equal(pl_jcs(v, &small), PL_ETOOBIG);
	assert_int_equal(small.len, 0);
	json_decref(v);
	pl_buf_release(&small);
	pl_buf_release(&b);
}

/* ---- base/deflate ---- */

static uint32_t rng_state = 0x9e3779b9u;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void deflate_round_trip_and_strictness(void **state)
{
	(void)state;
	uint8_t *text = malloc(50000);
	assert_non_null(text);
	for (size_t i = 0; i < 50000; i++)
		text[i] = i % 3 ? (uint8_t)('a' + i % 7) : (uint8_t)rng();
	pl_buf z, back;
	pl_buf_init(&z, 1 << 20);
	pl_buf_init(&back, 1 << 20);
	assert_int_equal(pl_deflate_raw(text, 50000, &z), PL_OK);
	assert_true(z.len <= pl_deflate_raw_bound(50000));
	assert_int_equal(pl_inflate_raw(z.data, z.len, 50000, &back), PL_OK);
	assert_int_equal(back.len, 50000);
	assert_memory_equal(back.data, text, 50000);
	/* one byte over the cap, truncated, a byte after the end, garbage */
	pl_buf_reset(&back);
	assert_int_equal(pl_inflate_raw(z.data, z.len, 49999, &back), PL_ETOOBIG);
	assert_int_equal(back.len, 0);
	assert_int_equal(pl_inflate_raw(z.data, z.len - 1, 50000, &back), PL_EFORMAT);
	assert_int_equal(pl_buf_putc(&z, 0), PL_OK);
	assert_int_equal(pl_inflate_raw(z.data, z.len, 50000, &back), PL_EFORMAT);
	uint8_t junk[64];
	memset(junk, 0xff, sizeof junk);
	assert_int_equal(pl_inflate_raw(junk, sizeof junk, 50000, &back), PL_EFORMAT);
	assert_int_equal(back.len, 0);
	/* a bomb: 10 MB of zeros compress to ~10 KB and stop at the cap */
	uint8_t *zeros = calloc(1, 10 << 20);
	assert_non_null(zeros);
	pl_buf_reset(&z);
	assert_int_equal(pl_deflate_raw(zeros, 10 << 20, &z), PL_OK);
	assert_true(z.len < 20000);
	assert_int_equal(pl_inflate_raw(z.data, z.len, PL_SEALED_JSON_MAX, &back), PL_ETOOBIG);
	/* a cap on the output buffer */
	pl_buf tiny;
	pl_buf_init(&tiny, 16);
	assert_int_equal(pl_deflate_raw(text, 50000, &tiny), PL_ETOOBIG);
	assert_int_equal(tiny.len, 0);
	/* the empty input */
	pl_buf_reset(&z);
	pl_buf_reset(&back);
	assert_int_equal(pl_deflate_raw(NULL, 0, &z), PL_OK);
	assert_int_equal(pl_inflate_raw(z.data, z.len, 10, &back), PL_OK);
	assert_int_equal(back.len, 0);
	free(zeros);
	free(text);
	pl_buf_release(&z);
	pl_buf_release(&back);
	pl_buf_release(&tiny);
}

/* ---- statement/seal_head ---- */

static void head_canonical_and_parsed_back(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(4);
	pl_identity ids[4] = {k[2]->id, k[0]->id, k[3]->id, k[1]->id}; /* out of order */
	uint8_t key[32] = {1};
	pl_seal_head *h = malloc(sizeof *h), *p = malloc(sizeof *p);
	assert_true(h && p);
	assert_int_equal(pl_seal_head_wrap(h, PL_SEAL_BODY, key, ids, 4, NULL, NULL), PL_OK);
	pl_buf b;
	pl_buf_init(&b, PL_SEAL_HEAD_MAX);
	assert_int_equal(pl_seal_head_write(h, &b), PL_OK);
	assert_int_equal(pl_seal_head_parse(b.data, b.len, p, NULL), PL_OK);
	assert_int_equal(p->len, b.len);
	assert_int_equal(p->n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(p->e[i].party, k[i]->id.party); /* sorted */
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(k[i]->id.box_pk, fp);
		assert_memory_equal(p->e[i].fp, fp, PL_SEAL_FP_SIZE);
	}
	/* every truncation is refused */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(pl_seal_head_parse(b.data, n, p, NULL), PL_EFORMAT);
	/* out of order: swap the first two entries' bytes (same lengths) */
	size_t e = 1 + 1 + strlen(k[0]->id.party) + PL_SEAL_FP_SIZE + PL_SEAL_WRAP_SIZE;
	uint8_t *swapped = malloc(b.len), tmp[256];
	memcpy(swapped, b.data, b.len);
	memcpy(tmp, swapped + 10, e);
	memmove(swapped + 10, swapped + 10 + e, e);
	memcpy(swapped + 10 + e, tmp, e);
	pl_diag d = {0};
	assert_int_equal(pl_seal_head_parse(swapped, b.len, p, &d), PL_EFORMAT);
	assert_non_null(strstr(d.msg, "out of order"));
	/* a repeated entry */
	memcpy(swapped, b.data, b.len);
	memcpy(swapped + 10 + e, swapped + 10, e);
	assert_int_equal(pl_seal_head_parse(swapped, b.len, p, NULL), PL_EFORMAT);
	/* count 0 and 66, an unknown kind or entry type, bad magic */
	uint8_t *bad = malloc(b.len);
	size_t offsets[] = {9, 9, 8, 10, 0};
	uint8_t values[] = {0, 66, 3, 3, 'Q'};
	for (size_t i = 0; i < 5; i++) {
		memcpy(bad, b.data, b.len);
		bad[offsets[i]] = values[i];
		assert_int_equal(pl_seal_head_parse(bad, b.len, p, NULL), PL_EFORMAT);
	}
	/* a name that is not a party's */
	memcpy(bad, b.data, b.len);
	bad[12] = 'A';
	assert_int_equal(pl_seal_head_parse(bad, b.len, p, NULL), PL_EFORMAT);
	/* a reader named twice, none, 66 */
	pl_identity twice[2] = {k[1]->id, k[1]->id};
	assert_int_equal(pl_seal_head_wrap(h, PL_SEAL_BODY, key, twice, 2, NULL, NULL), PL_EINVAL);
	assert_int_equal(pl_seal_head_wrap(h, PL_SEAL_BODY, key, twice, 0, NULL, NULL), PL_EINVAL);
	pl_identity *many = calloc(66, sizeof *many);
	assert_int_equal(pl_seal_head_wrap(h, PL_SEAL_BODY, key, many, 66, NULL, NULL), PL_EINVAL);
	free(many);
	free(bad);
	free(swapped);
	free(h);
	free(p);
	pl_buf_release(&b);
	st_keys_free(k, 4);
}

/* ---- statement/sealed ---- */

static void commitment_known_answer(void **state)
{
	(void)state;
	pl_seal_ctx ctx = {.origin = "example.org/wg", .type = "request", .author = "cert.a", .seq = 7};
	uint8_t salt[32], c[32], want[32];
	for (int i = 0; i < 32; i++)
		salt[i] = (uint8_t)i;
	const char *canon = "{\"lang\":\"en\",\"text\":\"Who runs 192.0.2.7?\"}";
	pl_sealed_commit(&ctx, salt, (const uint8_t *)canon, strlen(canon), c);
	/* hashlib.sha256(b"parley/seal/v2 commitment\0" + ...) in Python */
	tu_hex("48b4b0d5bbb21ea59b85bacf9bf644572ea66f8645971f3244f2a8ae19682c2c", want, 32);
	assert_memory_equal(c, want, 32);
}

/* Seals "text" for readers 0..n-1 and checks every one of them opens the same body. */
static void round_trip(size_t n)
{
	pl_party_key **k = st_keys(n + 1);
	pl_identity *ids = st_ids(k, n);
	json_t *f = st_fields("Preserve the logs of 192.0.2.7 from 1 to 14 November.\nThank you.");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, n, NULL, &obj, NULL), PL_OK);
	pl_seal_head *h = malloc(sizeof *h);
	size_t bucket;
	assert_int_equal(pl_sealed_parse(obj.data, obj.len, h, &bucket, NULL), PL_OK);
	assert_int_equal(h->n, n);
	assert_int_equal(bucket, 512);
	assert_int_equal(obj.len, h->len + 512 + PL_SEALED_TAG_SIZE);
	for (size_t i = 0; i < n; i++) {
		pl_keyring ring = st_ring(k[i]);
		pl_sealed_plain p;
		assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL), PL_OK);
		assert_true(json_equal(p.fields, f));
		assert_int_equal(p.entry, i);
		assert_int_equal(p.fault, PL_SEALED_FAULT_NONE);
		uint8_t c[32];
		pl_sealed_commit(&st_ctx, p.salt, p.canon.data, p.canon.len, c);
		assert_memory_equal(c, h->commitment, 32);
		pl_sealed_plain_release(&p);
	}
	/* the party after them is no reader */
	pl_keyring other = st_ring(k[n]);
	pl_sealed_plain p;
	pl_diag d = {0};
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &other, NULL, &p, &d), PL_ENOKEY);
	assert_null(p.fields);
	assert_non_null(strstr(d.msg, "not one of the"));
	pl_sealed_plain_release(&p);
	/* another statement (the next seq) does not open: the additional data binds it */
	pl_seal_ctx next = st_ctx;
	next.seq++;
	pl_keyring ring = st_ring(k[0]);
	assert_int_equal(pl_sealed_open(&next, obj.data, obj.len, &ring, NULL, &p, NULL), PL_EVERIFY);
	assert_int_equal(p.fault, PL_SEALED_FAULT_CIPHER);
	pl_sealed_plain_release(&p);
	free(h);
	json_decref(f);
	pl_buf_release(&obj);
	free(ids);
	st_keys_free(k, n + 1);
}

static void round_trip_1(void **state) { (void)state; round_trip(1); }
static void round_trip_2(void **state) { (void)state; round_trip(2); }
static void round_trip_16(void **state) { (void)state; round_trip(16); }
static void round_trip_65(void **state) { (void)state; round_trip(65); }

static void every_flipped_byte_fails(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	pl_identity *ids = st_ids(k, 2);
	json_t *f = st_fields("short");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, 2, NULL, &obj, NULL), PL_OK);
	pl_keyring ring = st_ring(k[1]);
	size_t fails[5] = {0};
	for (size_t i = 0; i < obj.len; i++)
		for (int bit = 0; bit < 8; bit += 7) {
			obj.data[i] ^= (uint8_t)(1u << bit);
			pl_sealed_plain p;
			int rc = pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL);
			assert_true(rc == PL_EFORMAT || rc == PL_ENOKEY || rc == PL_EVERIFY);
			assert_null(p.fields);
			fails[rc == PL_EFORMAT ? 0 : rc == PL_ENOKEY ? 1 : 2]++;
			pl_sealed_plain_release(&p);
			obj.data[i] ^= (uint8_t)(1u << bit);
		}
	/* all three outcomes happen: the header's structure, my entry, the rest (authenticated) */
	assert_true(fails[0] > 0 && fails[1] > 0 && fails[2] > 0);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL), PL_OK); /* restored */
	pl_sealed_plain_release(&p);
	/* shorter or longer by one byte */
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len - 1, &ring, NULL, &p, NULL), PL_EFORMAT);
	pl_sealed_plain_release(&p);
	assert_int_equal(pl_buf_putc(&obj, 0), PL_OK);
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL), PL_EFORMAT);
	pl_sealed_plain_release(&p);
	json_decref(f);
	pl_buf_release(&obj);
	free(ids);
	st_keys_free(k, 2);
}

/* Random printable ASCII (no escapes): incompressible enough to need its own bucket. */
static char *noise(size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()-+*=/";
	char *s = malloc(n + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = set[rng() % (sizeof set - 1)];
	s[n] = '\0';
	return s;
}

static void padding_is_the_buckets(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(1);
	pl_identity *ids = st_ids(k, 1);
	/* canonical sizes: {"lang":"en","text":"..."} is 23 bytes of frame */
	size_t sizes[] = {0, 400, 1000, 4000, 12000, PL_SEALED_JSON_MAX - 23}, want[] = {512, 512, 2048, 8192, 16384, 16384};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *t = noise(sizes[i]);
		json_t *f = st_fields(t);
		pl_buf obj;
		pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
		assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, 1, NULL, &obj, NULL), PL_OK);
		pl_seal_head *h = malloc(sizeof *h);
		size_t bucket;
		assert_int_equal(pl_sealed_parse(obj.data, obj.len, h, &bucket, NULL), PL_OK);
		assert_int_equal(bucket, want[i]);
		assert_int_equal(obj.len - h->len, want[i] + PL_SEALED_TAG_SIZE);
		pl_keyring ring = st_ring(k[0]);
		pl_sealed_plain p;
		assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &ring, NULL, &p, NULL), PL_OK);
		assert_true(json_equal(p.fields, f));
		pl_sealed_plain_release(&p);
		free(h);
		free(t);
		json_decref(f);
		pl_buf_release(&obj);
	}
	/* a bucket is the smallest that holds the frame and the compressed body */
	assert_int_equal(pl_sealed_bucket_for(0), 512);
	assert_int_equal(pl_sealed_bucket_for(512 - 36), 512);
	assert_int_equal(pl_sealed_bucket_for(512 - 35), 2048);
	assert_int_equal(pl_sealed_bucket_for(16384 - 36), 16384);
	assert_int_equal(pl_sealed_bucket_for(16384 - 35), 0);
	free(ids);
	st_keys_free(k, 1);
}

static void caps_and_rules_enforced(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(1);
	pl_identity *ids = st_ids(k, 1);
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_diag d = {0};
	/* one byte over the canonical cap */
	char *t = noise(PL_SEALED_JSON_MAX - 22);
	json_t *f = st_fields(t);
	assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, 1, NULL, &obj, &d), PL_ETOOBIG);
	assert_int_equal(obj.len, 0);
	json_decref(f);
	free(t);
	/* no lang, a malformed lang, a key outside the rules, a value Parley does not seal */
	json_t *bad[] = {json_pack("{s:s}", "text", "x"), json_pack("{s:s,s:s}", "lang", "english", "text", "x"),
			 json_pack("{s:s,s:s}", "lang", "EN", "text", "x"), json_pack("{s:s,s:s}", "lang", "en", "Text", "x"),
			 json_pack("{s:s,s:{s:i}}", "lang", "en", "p", "9a", 1), json_pack("{s:s,s:n}", "lang", "en", "x"),
			 json_pack("[s]", "en")};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_non_null(bad[i]);
		assert_int_equal(pl_sealed_seal(&st_ctx, bad[i], ids, 1, NULL, &obj, NULL), PL_EFORMAT);
		assert_int_equal(obj.len, 0);
		json_decref(bad[i]);
	}
	/* good tags */
	const char *langs[] = {"en", "fr-CA", "zh-Hant-TW", "es-419", "ast"};
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		json_t *g = json_pack("{s:s,s:s}", "lang", langs[i], "text", "x");
		pl_buf_reset(&obj);
		assert_int_equal(pl_sealed_seal(&st_ctx, g, ids, 1, NULL, &obj, NULL), PL_OK);
		json_decref(g);
	}
	/* non-canonical text is refused by the body parser */
	const char *noncanon[] = {"{\"text\":\"x\",\"lang\":\"en\"}", "{\"lang\": \"en\"}", "{\"lang\":\"en\",\"a\":\"\\u0041\"}",
				  "{\"lang\":\"en\",\"a\":\"\\u001F\"}", "{\"lang\":\"en\",\"a\":1.0}"};
	for (size_t i = 0; i < sizeof noncanon / sizeof noncanon[0]; i++) {
		json_t *v = NULL;
		assert_int_equal(pl_sealed_body_parse((const uint8_t *)noncanon[i], strlen(noncanon[i]), &v, NULL), PL_EFORMAT);
		assert_null(v);
	}
	json_t *v = NULL;
	const char *canon = "{\"a\":\"\\u001f\",\"lang\":\"en\"}";
	assert_int_equal(pl_sealed_body_parse((const uint8_t *)canon, strlen(canon), &v, NULL), PL_OK);
	json_decref(v);
	/* a bad context */
	pl_seal_ctx bad_ctx = st_ctx;
	bad_ctx.author = "Not A Party";
	f = st_fields("x");
	assert_int_equal(pl_sealed_seal(&bad_ctx, f, ids, 1, NULL, &obj, NULL), PL_EINVAL);
	json_decref(f);
	pl_buf_release(&obj);
	free(ids);
	st_keys_free(k, 1);
}

static void members_key_entry(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(2);
	uint8_t *e1 = sodium_malloc(32), *e2 = sodium_malloc(32);
	randombytes_buf(e1, 32);
	randombytes_buf(e2, 32);
	pl_epoch_key ek = {.epoch = 42, .key = e1}, other = {.epoch = 42, .key = e2}, later = {.epoch = 43, .key = e1};
	json_t *f = st_fields("GREEN contact details");
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	/* the members' key alone, and with a party entry */
	assert_int_equal(pl_sealed_seal(&st_ctx, f, &k[1]->id, 1, &ek, &obj, NULL), PL_OK);
	pl_seal_head *h = malloc(sizeof *h);
	size_t bucket;
	assert_int_equal(pl_sealed_parse(obj.data, obj.len, h, &bucket, NULL), PL_OK);
	assert_int_equal(h->n, 2);
	assert_int_equal(h->e[0].type, PL_SEAL_EPOCH); /* first */
	assert_int_equal(h->e[0].epoch, 42);
	pl_epoch_ring ring = {.keys = {&ek}, .n = 1}, wrong = {.keys = {&other, &later}, .n = 2};
	pl_keyring k0 = st_ring(k[0]);
	pl_sealed_plain p;
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &k0, &ring, &p, NULL), PL_OK); /* a member, no entry */
	assert_int_equal(p.entry, 0);
	assert_true(json_equal(p.fields, f));
	pl_sealed_plain_release(&p);
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &k0, &wrong, &p, NULL), PL_ENOKEY);
	pl_sealed_plain_release(&p);
	assert_int_equal(pl_sealed_open(&st_ctx, obj.data, obj.len, &k0, NULL, &p, NULL), PL_ENOKEY);
	pl_sealed_plain_release(&p);
	free(h);
	json_decref(f);
	pl_buf_release(&obj);
	sodium_free(e1);
	sodium_free(e2);
	st_keys_free(k, 2);
}

static void format_as_documented(void **state)
{
	(void)state;
	pl_party_key **k = st_keys(3);
	sh_hand h = {.body = "{\"lang\":\"en\",\"text\":\"by hand\"}", .readers = k, .n = 3};
	size_t n;
	uint8_t *obj = sh_seal(&st_ctx, &h, &n, NULL);
	for (size_t i = 0; i < 3; i++) {
		pl_keyring ring = st_ring(k[i]);
		pl_sealed_plain p;
		assert_int_equal(pl_sealed_open(&st_ctx, obj, n, &ring, NULL, &p, NULL), PL_OK);
		assert_string_equal(json_string_value(json_object_get(p.fields, "text")), "by hand");
		pl_sealed_plain_release(&p);
	}
	free(obj);
	/* a key from before a rotation: the ring opens with the key whose fingerprint is named */
	pl_party_key *now = NULL;
	uint8_t seed[32] = {9}, box[32] = {9};
	assert_int_equal(pl_party_key_from_seeds("cert.r01", seed, box, &now, NULL), PL_OK);
	pl_identity ids[1] = {k[1]->id};
	json_t *f = st_fields("sealed before the rotation");
	pl_buf b;
	pl_buf_init(&b, PL_SEALED_OBJECT_MAX);
	assert_int_equal(pl_sealed_seal(&st_ctx, f, ids, 1, NULL, &b, NULL), PL_OK);
	pl_keyring only_now = st_ring(now), both = {.keys = {now, k[1]}, .n = 2};
	pl_sealed_plain p;
	pl_diag d = {0};
	assert_int_equal(pl_sealed_open(&st_ctx, b.data, b.len, &only_now, NULL, &p, &d), PL_ENOKEY);
	assert_non_null(strstr(d.msg, "rotation"));
	pl_sealed_plain_release(&p);
	assert_int_equal(pl_sealed_open(&st_ctx, b.data, b.len, &both, NULL, &p, NULL), PL_OK);
	pl_sealed_plain_release(&p);
	pl_keyring mixed = {.keys = {k[0], k[1]}, .n = 2};
	assert_int_equal(pl_sealed_open(&st_ctx, b.data, b.len, &mixed, NULL, &p, NULL), PL_EINVAL);
	pl_sealed_plain_release(&p);
	json_decref(f);
	pl_buf_release(&b);
	pl_party_key_free(now);
	st_keys_free(k, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jcs_matches_python),
		cmocka_unit_test(jcs_refuses_outside_subset),
		cmocka_unit_test(deflate_round_trip_and_strictness),
		cmocka_unit_test(head_canonical_and_parsed_back),
		cmocka_unit_test(commitment_known_answer),
		cmocka_unit_test(round_trip_1),
		cmocka_unit_test(round_trip_2),
		cmocka_unit_test(round_trip_16),
		cmocka_unit_test(round_trip_65),
		cmocka_unit_test(every_flipped_byte_fails),
		cmocka_unit_test(padding_is_the_buckets),
		cmocka_unit_test(caps_and_rules_enforced),
		cmocka_unit_test(members_key_entry),
		cmocka_unit_test(format_as_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
