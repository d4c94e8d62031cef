/*
 * make_sealed_corpus.c - seeds for fuzz_sealed: blobs really sealed to the
 * fuzz recipient "fz.party" (and to others), of sizes around the chunk
 * boundary, and near-misses, in version 2 ("v2-" seeds; the "v1-" ones are
 * version 1 blobs kept from before). Sealing draws a random key, so the
 * seeds differ on every run; they are committed once.
 *
 *   make_sealed_corpus DIR
 */
#include "base/sha256.h"
#include "evidence/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pl_party_key *key(const char *name, const char *s1, const char *s2)
{
	uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
	pl_sha256(s1, strlen(s1), seed);
	pl_sha256(s2, strlen(s2), box);
	pl_party_key *k = NULL;
	if (pl_party_key_from_seeds(name, seed, box, &k, NULL) != PL_OK)
		exit(1);
	return k;
}

static void seal_to(const char *dir, const char *name, const pl_identity *r, size_t nr, size_t n, int damage)
{
	uint8_t *p = calloc(1, n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7);
	FILE *in = fmemopen(p, n ? n : 1, "rb");
	if (n == 0)
		(void)fgetc(in);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	pl_seal_digest dg;
	if (pl_seal(in, out, r, nr, &dg, NULL) != PL_OK)
		exit(1);
	fclose(in);
	fclose(out);
	if (damage == 1)
		buf[len / 2] ^= 1;
	if (damage == 2)
		len -= 5;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		exit(1);
	free(buf);
	free(p);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_sealed_corpus DIR\n");
		return 2;
	}
	pl_party_key *me = key("fz.party", "fuzz party seed", "fuzz box seed");
	pl_party_key *other = key("fz.other", "fuzz other seed", "fuzz other box");
	pl_identity both[2] = {other->id, me->id}, only_other[1] = {other->id};
	seal_to(argv[1], "v2-empty", both, 2, 0, 0);
	seal_to(argv[1], "v2-small", both, 2, 100, 0);
	seal_to(argv[1], "v2-one-chunk", both + 1, 1, 300, 0);
	seal_to(argv[1], "v2-two-chunks", both, 2, PL_SEAL_CHUNK + 10, 0);
	seal_to(argv[1], "v2-not-for-me", only_other, 1, 50, 0);
	seal_to(argv[1], "v2-flipped", both, 2, 200, 1);
	seal_to(argv[1], "v2-truncated", both, 2, 200, 2);
	char path[4096];
	snprintf(path, sizeof path, "%s/v2-garbage", argv[1]);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fputs("PLSEAL02\x02\x03\x01\x05" "abcde", f) == EOF || fclose(f) != 0)
		return 1;
	pl_party_key_free(me);
	pl_party_key_free(other);
	return 0;
}
