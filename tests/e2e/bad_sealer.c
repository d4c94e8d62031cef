/*
 * bad_sealer.c - a misbehaving author, for e2e.disclose: prints a signed
 * TLP:AMBER concern envelope whose sealed body is built by hand
 * (tests/unit/sealhand.h) so that it does not open as it should for one
 * listed reader. Its readers are right (admission accepts it); only a reader
 * opening it can tell, and prove it.
 *
 * usage: bad_sealer AUTHOR.key ORIGIN SEQ TIME FAULT VICTIM READER.id.json...
 *   FAULT cipher:     VICTIM's box holds another content key (a box proof shows it)
 *   FAULT commitment: the commitment names another text than the one sealed (a key proof)
 * The readers are the author and the identities given, VICTIM one of them.
 */
#include "base/codec.h"
#include "base/timefmt.h"
#include "statement/party.h"
#include "statement/sign.h"

#include "sealhand.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
	const pl_party_key *const *x = a, *const *y = b;
	return strcmp((*x)->id.party, (*y)->id.party);
}

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: bad_sealer AUTHOR.key ORIGIN SEQ TIME cipher|commitment VICTIM READER.id.json...\n");
		return 2;
	}
	pl_party_key *author = NULL;
	SH_CHECK(pl_party_key_load(argv[1], NULL, &author, NULL) == PL_OK);
	const char *origin = argv[2], *fault = argv[5], *victim = argv[6];
	uint64_t seq = strtoull(argv[3], NULL, 10);
	int64_t when = 0;
	SH_CHECK(pl_time_parse(argv[4], strlen(argv[4]), &when) == PL_OK);
	size_t n = (size_t)argc - 7 + 1;
	SH_CHECK(n < SH_MAX);
	pl_party_key **readers = calloc(n, sizeof *readers);
	pl_party_key *pub = calloc(n, sizeof *pub); /* only the public halves are read */
	SH_CHECK(readers != NULL && pub != NULL);
	readers[0] = author;
	json_t *recipients = json_array();
	for (size_t i = 1; i < n; i++) {
		SH_CHECK(pl_identity_load(argv[6 + i], &pub[i].id, NULL) == PL_OK);
		readers[i] = &pub[i];
		json_array_append_new(recipients, json_string(pub[i].id.party));
	}
	qsort(readers, n, sizeof *readers, by_name);
	static const char BODY[] = "{\"class\":\"intrusions\",\"lang\":\"en\",\"summary\":\"what the victim is shown\","
				   "\"title\":\"A misbehaving author\"}";
	static const char OTHER[] = "{\"class\":\"intrusions\",\"lang\":\"en\",\"summary\":\"what is committed\","
				    "\"title\":\"A misbehaving author\"}";
	sh_hand h = {.body = BODY, .readers = readers, .n = n};
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(readers[i]->id.party, victim) == 0) {
			found = true;
			if (strcmp(fault, "cipher") == 0)
				h.other_key[i] = true;
		}
	}
	SH_CHECK(found);
	if (strcmp(fault, "commitment") == 0)
		h.committed = OTHER;
	else
		SH_CHECK(strcmp(fault, "cipher") == 0);
	pl_seal_ctx ctx = {.origin = origin, .type = "concern", .author = author->id.party, .seq = seq};
	size_t len = 0;
	uint8_t *obj = sh_seal(&ctx, &h, &len, NULL);
	char *b64 = malloc(pl_b64_len(len) + 1);
	SH_CHECK(b64 != NULL);
	pl_b64_encode(obj, len, b64);
	json_t *body = json_pack("{s:s,s:o,s:s}", "tlp", "TLP:AMBER", "recipients", recipients, "sealed", b64);
	pl_buf env;
	pl_buf_init(&env, 1 << 20);
	SH_CHECK(pl_statement_sign(author, origin, "concern", seq, when, body, NULL, 0, &env) == PL_OK);
	fwrite(env.data, 1, env.len, stdout);
	pl_buf_release(&env);
	json_decref(body);
	free(b64);
	free(obj);
	free(readers);
	free(pub);
	pl_party_key_free(author);
	return 0;
}
