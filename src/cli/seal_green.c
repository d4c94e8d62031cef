/*
 * seal_green.c - TLP:GREEN on the client (sealing.h; docs/confidentiality.md,
 * section 3): the members' keys the member holds, derived from its verified
 * copy; a members.rekey built and submitted when the members or their keys
 * changed since the last one; a GREEN statement sealed to the current
 * members' key.
 */
#include "cli/sealing.h"

#include "base/codec.h"
#include "client/epochs.h"
#include "monitor/copy.h"
#include "statement/rekey.h"
#include "workflow/views.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_members_keys(const cli_call *call, cli_session *s, pl_epochs *ep, pl_diag *d)
{
	memset(ep, 0, sizeof *ep);
	pl_entries e;
	int rc = cli_session_entries(call, s, &e, d);
	pl_keyring ring = {.keys = {s->key}, .n = 1};
	if (rc == PL_OK)
		rc = pl_epochs_open(&e, pl_copy_index(s->copy), &s->pol, s->key != NULL ? &ring : NULL, ep, d);
	pl_entries_close(&e);
	return rc;
}

/* What the rekey's seal function needs: the members to wrap to, the previous members' key. */
typedef struct rekey_ctx {
	pl_identity *ids;
	size_t n;
	const pl_epoch_key *prev;
	uint64_t after;
} rekey_ctx;

/* A cli_seal_fn: the members' key made once seq is known (it is bound to the statement), wrapped and chained. */
static int rekey_seal(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	const rekey_ctx *r = ctx;
	pl_seal_ctx sc = {.origin = s->pol.log.name, .type = "members.rekey", .author = s->key->id.party, .seq = seq};
	uint8_t *key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE), fp[PL_SEAL_FP_SIZE];
	if (key == NULL)
		return PL_ENOMEM;
	pl_buf obj, b64;
	pl_buf_init(&obj, PL_REKEY_OBJECT_MAX);
	pl_buf_init(&b64, pl_b64_len(PL_REKEY_OBJECT_MAX) + 1);
	int rc = pl_rekey_seal(&sc, r->ids, r->n, r->prev, key, &obj, d);
	char hex[2 * PL_SEAL_FP_SIZE + 1];
	if (rc == PL_OK) {
		pl_seal_epoch_fingerprint(key, fp);
		pl_hex_encode(fp, sizeof fp, hex);
		rc = pl_b64_append(&b64, obj.data, obj.len);
	}
	if (rc == PL_OK && (json_object_set_new(body, "key", json_string(hex)) != 0 ||
			    json_object_set_new(body, "sealed", json_stringn((const char *)b64.data, b64.len)) != 0))
		rc = PL_ENOMEM;
	sodium_free(key); /* every member opens it from the log, this one too */
	pl_buf_release(&b64);
	pl_buf_release(&obj);
	return rc;
}

int cli_members_rekey(const cli_call *call, cli_session *s, const cli_args *a, bool quiet, uint64_t *index,
		      pl_diag *d)
{
	pl_epochs ep;
	*index = UINT64_MAX;
	int rc = cli_members_keys(call, s, &ep, d);
	if (rc != PL_OK)
		return rc;
	rekey_ctx r = {.after = ep.trigger};
	char (*names)[PL_PARTY_MAX + 1] = NULL;
	size_t nactive = 0;
	if (ep.current) {
		*index = ep.last;
		rc = PL_EEXIST; /* nothing to do */
		goto out;
	}
	if (ep.last != UINT64_MAX && (r.prev = pl_epochs_get(&ep, ep.last)) == NULL) {
		rc = pl_diag_set(d, PL_ESTATE,
				 "the members' key of entry %llu does not open with your key%s%s: a member who holds it "
				 "gives the members the next one",
				 (unsigned long long)ep.last, ep.fault[0] ? ": " : " (you joined after it)", ep.fault);
		goto out;
	}
	if ((names = calloc(PL_SEAL_KEYS_READERS_MAX, sizeof *names)) == NULL ||
	    (r.ids = calloc(PL_SEAL_KEYS_READERS_MAX, sizeof *r.ids)) == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	if ((rc = pl_view_active(pl_copy_index(s->copy), names, PL_SEAL_KEYS_READERS_MAX, &nactive, d)) != PL_OK)
		goto out;
	if (nactive > PL_SEAL_KEYS_READERS_MAX) {
		rc = pl_diag_set(d, PL_EINVAL, "a members' key is wrapped to at most %d members; this log has %zu",
				 PL_SEAL_KEYS_READERS_MAX, nactive);
		goto out;
	}
	pl_entries e; /* opened once for every member's identity */
	if ((rc = cli_session_entries(call, s, &e, d)) == PL_OK)
		for (size_t i = 0; rc == PL_OK && i < nactive; i++)
			rc = pl_entries_identity(&e, pl_copy_index(s->copy), &s->pol, names[i], &r.ids[r.n++], d);
	pl_entries_close(&e);
	if (rc != PL_OK)
		goto out;
	pl_ref ref;
	if ((rc = cli_session_ref(call, s, ep.trigger, &ref, d)) != PL_OK)
		goto out;
	json_t *body = json_pack("{s:I}", "after", (json_int_t)ep.trigger);
	if (body == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	cli_seal_fn seal = s->seal;
	cli_prepare_fn prepare = s->prepare;
	void *seal_ctx = s->seal_ctx;
	bool was_quiet = s->quiet;
	s->seal = rekey_seal;
	s->prepare = NULL;
	s->seal_ctx = &r;
	s->quiet = quiet;
	int status = cli_session_submit(s, a, "members.rekey", body, &ref, 1, NULL, "members rekey", index);
	s->seal = seal;
	s->prepare = prepare;
	s->seal_ctx = seal_ctx;
	s->quiet = was_quiet;
	json_decref(body);
	if (status != 0)
		rc = pl_diag_set(d, status == EXIT_REFUSED ? PL_EREFUSED : PL_EIO,
				 "the members' rekey was not accepted (said above)");
out:
	free(names);
	free(r.ids);
	pl_epochs_release(&ep);
	return rc;
}

int cli_green_ready(const cli_call *call, cli_session *s, pl_diag *d)
{
	pl_epochs ep;
	int rc = cli_members_keys(call, s, &ep, d);
	bool current = rc == PL_OK && ep.current;
	pl_epochs_release(&ep);
	if (rc != PL_OK || current)
		return rc;
	cli_args w;
	memset(&w, 0, sizeof w);
	w.flag[0] = "wait"; /* in a checkpoint before the GREEN statement is sealed to it */
	w.nflags = 1;
	uint64_t index;
	if ((rc = cli_members_rekey(call, s, &w, true, &index, d)) == PL_EEXIST)
		return PL_OK; /* another member's came first */
	if (rc != PL_OK)
		return rc;
	fprintf(stderr, "parley: the members or their keys changed since the last members' key: a new one is at entry "
			"%llu (members.rekey)\n",
		(unsigned long long)index);
	/* the copy follows the log up to a checkpoint the witnesses cosigned: the rekey's, or soon after */
	for (int tries = 0; rc == PL_OK && !current && tries < 20; tries++) {
		if (tries > 0)
			nanosleep(&(struct timespec){.tv_nsec = 250 * 1000 * 1000}, NULL);
		if ((rc = pl_copy_sync(s->copy, d)) == PL_OK && (rc = cli_members_keys(call, s, &ep, d)) == PL_OK) {
			current = ep.current;
			pl_epochs_release(&ep);
		}
	}
	if (rc == PL_OK && !current)
		rc = pl_diag_set(d, PL_ESTATE,
				 "the members' key of entry %llu is not yet in a checkpoint your copy accepts (the witnesses' "
				 "cosignatures): try again in a moment",
				 (unsigned long long)index);
	return rc;
}

int cli_green_seal(const cli_sealer *z, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	pl_epochs ep;
	int rc = cli_members_keys(z->call, s, &ep, d);
	if (rc != PL_OK)
		return rc;
	const pl_epoch_key *k = ep.current ? pl_epochs_get(&ep, ep.last) : NULL;
	pl_buf obj, b64;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&b64, pl_b64_len(PL_SEALED_OBJECT_MAX) + 1);
	pl_seal_ctx sc = {.origin = s->pol.log.name, .type = z->type, .author = s->key->id.party, .seq = seq};
	if (k == NULL && ep.current)
		rc = pl_diag_set(d, PL_ESTATE, "the current members' key (entry %llu) does not open with your key%s%s",
				 (unsigned long long)ep.last, ep.fault[0] ? "; " : "", ep.fault);
	else if (k == NULL)
		rc = pl_diag_set(d, PL_ESTATE,
				 "no members' key is current: the members or their keys changed at entry %llu since the "
				 "last one (`parley members rekey` first)",
				 (unsigned long long)ep.trigger);
	if (rc == PL_OK)
		rc = pl_sealed_seal(&sc, z->fields, NULL, 0, k, &obj, d);
	if (rc == PL_OK)
		rc = pl_b64_append(&b64, obj.data, obj.len);
	if (rc == PL_OK && json_object_set_new(body, "sealed", json_stringn((const char *)b64.data, b64.len)) != 0)
		rc = PL_ENOMEM;
	pl_buf_release(&b64);
	pl_buf_release(&obj);
	pl_epochs_release(&ep);
	return rc;
}
