/*
 * make_sealed_body_corpus.c - seeds for fuzz_sealed_body: bodies really
 * sealed to the fuzz reader "fz.party" for the fuzz statement (1, 2 and 65
 * readers, every bucket, a members' key), one not for it, near-misses,
 * bodies a misbehaving author builds (tests/unit/sealhand.h: a commitment to
 * another text, a box sealed to another key, another content key, bad
 * padding, a compression bomb, non-canonical text, a zero ephemeral key),
 * and the disclosure and proof blocks opening them gives; members' rekeys
 * (statement/rekey.h), first and chained. Sealing draws
 * random keys, so the seeds differ on every run; they are committed once.
 *
 *   make_sealed_body_corpus DIR
 */
#include "base/sha256.h"
#include "sealhand.h"
#include "statement/rekey.h"
#include "statement/sealproof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fuzz_sealed_body.c's statement */
static const pl_seal_ctx CTX = {.origin = "example.org/fuzz", .type = "request", .author = "fz.author", .seq = 3};
static const char *dir;

static pl_party_key *key(const char *name, const char *s1, const char *s2)
{
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	pl_sha256(s1, strlen(s1), seed);
	pl_sha256(s2, strlen(s2), box);
	pl_party_key *k = NULL;
	SH_CHECK(pl_party_key_from_seeds(name, seed, box, &k, NULL) == PL_OK);
	return k;
}

static void save(const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	SH_CHECK(f != NULL && fwrite(p, 1, n, f) == n && fclose(f) == 0);
}

static void seal(const char *name, const char *text, const pl_identity *r, size_t n, const pl_epoch_key *epoch)
{
	json_t *f = json_pack("{s:s,s:s}", "lang", "en", "text", text);
	pl_buf b;
	pl_buf_init(&b, PL_SEALED_OBJECT_MAX);
	SH_CHECK(f != NULL && pl_sealed_seal(&CTX, f, r, n, epoch, &b, NULL) == PL_OK);
	save(name, b.data, b.len);
	if (strcmp(name, "two") == 0) {
		char other[64];
		b.data[b.len / 2] ^= 1;
		snprintf(other, sizeof other, "%s-flipped", name);
		save(other, b.data, b.len);
		snprintf(other, sizeof other, "%s-truncated", name);
		save(other, b.data, b.len - 7);
	}
	json_decref(f);
	pl_buf_release(&b);
}

/* A body by hand, saved with the proof block (or disclosure) opening it gives. */
static void by_hand(const char *name, sh_hand *h, pl_party_key *me)
{
	size_t n;
	uint8_t *obj = sh_seal(&CTX, h, &n, NULL);
	save(name, obj, n);
	pl_keyring ring = {.keys = {me}, .n = 1};
	pl_sealed_plain p;
	int rc = pl_sealed_open(&CTX, obj, n, &ring, NULL, &p, NULL);
	pl_buf block;
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	char bn[64];
	snprintf(bn, sizeof bn, "%s.block", name);
	if (rc == PL_OK) {
		pl_disclosure x;
		SH_CHECK(pl_disclosure_make(&p, &x) == PL_OK && pl_disclosure_write(&x, &block) == PL_OK);
		pl_disclosure_release(&x);
	} else {
		pl_sealproof pr;
		SH_CHECK(rc == PL_EVERIFY && pl_sealproof_make(obj, n, &p, &ring, &pr, NULL) == PL_OK &&
			 pl_sealproof_write(&pr, &block) == PL_OK);
	}
	save(bn, block.data, block.len);
	pl_buf_release(&block);
	pl_sealed_plain_release(&p);
	free(obj);
}

static char *noise(size_t n)
{
	char *s = malloc(n + 1);
	SH_CHECK(s != NULL);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + randombytes_uniform(26));
	s[n] = '\0';
	return s;
}

/* A members' rekey for the fuzz statement, wrapped to r[0..n), chained to prev (NULL: none). */
static void rekey(const char *name, const pl_identity *r, size_t n, const pl_epoch_key *prev)
{
	uint8_t *k = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	pl_buf b;
	pl_buf_init(&b, PL_REKEY_OBJECT_MAX);
	SH_CHECK(k != NULL && pl_rekey_seal(&CTX, r, n, prev, k, &b, NULL) == PL_OK);
	save(name, b.data, b.len);
	sodium_free(k);
	pl_buf_release(&b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_sealed_body_corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	pl_party_key *me = key("fz.party", "fuzz party seed", "fuzz box seed");
	pl_party_key *other = key("fz.other", "fuzz other seed", "fuzz other box");
	pl_identity two[2] = {other->id, me->id};
	seal("one", "a short note", &me->id, 1, NULL);
	seal("two", "Who runs 192.0.2.7?", two, 2, NULL);
	seal("not-for-me", "for fz.other", &other->id, 1, NULL);
	/* 65 readers: fz.party and fz.r00..fz.r63 */
	pl_identity many[65];
	pl_party_key *rs[64];
	many[0] = me->id;
	for (int i = 0; i < 64; i++) {
		char name[32], s[32];
		snprintf(name, sizeof name, "fz.r%02d", i);
		snprintf(s, sizeof s, "seed %d", i);
		rs[i] = key(name, s, name);
		many[i + 1] = rs[i]->id;
	}
	seal("sixty-five", "to every party of the case", many, 65, NULL);
	size_t sizes[] = {1500, 7000, 16000};
	const char *names[] = {"bucket-2048", "bucket-8192", "bucket-16384"};
	for (int i = 0; i < 3; i++) {
		char *t = noise(sizes[i]);
		seal(names[i], t, &me->id, 1, NULL);
		free(t);
	}
	uint8_t *ek = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	SH_CHECK(ek != NULL);
	randombytes_buf(ek, PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key epoch = {.epoch = 12, .key = ek};
	seal("members-key", "contact details", &me->id, 1, &epoch);
	rekey("rekey-first", two, 2, NULL);
	rekey("rekey-chained", many, 65, &epoch);
	rekey("rekey-not-for-me", &other->id, 1, &epoch);
	sodium_free(ek);

	const char *good = "{\"lang\":\"en\",\"text\":\"committed\"}";
	pl_party_key *pair[2] = {other, me}, *alone[1] = {me};
	sh_hand h = {.body = good, .readers = pair, .n = 2};
	by_hand("honest", &h, me);
	h = (sh_hand){.body = "{\"lang\":\"en\",\"text\":\"shown\"}", .committed = good, .readers = pair, .n = 2};
	by_hand("commitment-mismatch", &h, me);
	h = (sh_hand){.body = good, .readers = pair, .n = 2, .box_to = {0, 1}};
	by_hand("boxed-to-other", &h, me);
	h = (sh_hand){.body = good, .readers = pair, .n = 2, .other_key = {false, true}};
	by_hand("other-key", &h, me);
	h = (sh_hand){.body = good, .readers = alone, .n = 1, .pad = 7};
	by_hand("bad-padding", &h, me);
	h = (sh_hand){.body = good, .readers = alone, .n = 1, .bucket = 8192};
	by_hand("big-bucket", &h, me);
	h = (sh_hand){.body = "{\"text\":\"x\",\"lang\":\"en\"}", .readers = alone, .n = 1};
	by_hand("not-canonical", &h, me);
	h = (sh_hand){.body = "{\"text\":\"x\"}", .readers = alone, .n = 1};
	by_hand("no-lang", &h, me);
	h = (sh_hand){.body = good, .readers = alone, .n = 1, .epk_bad = true};
	by_hand("zero-epk", &h, me);
	char *bomb = malloc(30001);
	SH_CHECK(bomb != NULL);
	memset(bomb, ' ', 30000);
	memcpy(bomb, "{\"lang\":\"en\",\"text\":\"", 21);
	memcpy(bomb + 29998, "\"}", 3);
	h = (sh_hand){.body = bomb, .readers = alone, .n = 1};
	by_hand("bomb", &h, me);
	free(bomb);
	static const char garbage[] = "PLSEAL02\x01\x01\x01\x02zz";
	save("garbage", (const uint8_t *)garbage, sizeof garbage - 1);
	for (int i = 0; i < 64; i++)
		pl_party_key_free(rs[i]);
	pl_party_key_free(me);
	pl_party_key_free(other);
	return 0;
}
