/* disclosure_make.c - a reader makes a disclosure or proof file from its verified copy (disclosure.h). */
#include "client/disclosure.h"

#include "statement/dsse.h"
#include "store/published.h"
#include "workflow/views.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tlog-proof of the entry that established party's key at index, appended to out. */
static int key_proof(pl_source *src, pl_index *x, const pl_policy *pol, const char *party, uint64_t index,
		     pl_buf *out, pl_diag *d)
{
	uint8_t pk[PL_ED25519_PK_SIZE];
	uint64_t since = 0;
	int rc = pl_view_key_since_at(x, party, index, pk, &since, d);
	if (rc != PL_OK)
		return rc;
	if (since >= index)
		return pl_diag_set(d, PL_EVERIFY, "%s's key at entry %llu was established by that entry itself",
				   party, (unsigned long long)index);
	return pl_published_prove(src, pol, since, out, d);
}

/* The tlog-proofs of st's thread up to its concern (pl_dfile_thread_link), into tp[0..*n). */
static int thread_proofs(pl_source *src, const pl_policy *pol, const pl_stmt *st, pl_buf tp[PL_DFILE_THREAD_MAX],
			 size_t *n, pl_diag *d)
{
	pl_stmt prev;
	memset(&prev, 0, sizeof prev);
	const pl_stmt *from = st;
	int rc = PL_OK;
	*n = 0;
	const char *want = NULL, *link;
	while (rc == PL_OK && (link = pl_dfile_thread_link(from->type, &want)) != NULL) {
		json_int_t at = json_integer_value(json_object_get(from->body, link));
		if (*n == PL_DFILE_THREAD_MAX || at < 0) {
			rc = pl_diag_set(d, PL_EVERIFY, "the thread of this %s is not one a disclosure shows (%s %lld)",
					 st->type, link, (long long)at);
			break;
		}
		pl_buf *out = &tp[(*n)++];
		pl_proof_file pf;
		pl_envelope env;
		pl_stmt cur;
		memset(&env, 0, sizeof env);
		memset(&cur, 0, sizeof cur);
		if ((rc = pl_published_prove(src, pol, (uint64_t)at, out, d)) != PL_OK)
			break;
		if (pl_proof_file_parse(out->data, out->len, &pf) != PL_OK) {
			rc = pl_diag_set(d, PL_EVERIFY, "the copy's proof of entry %lld is malformed", (long long)at);
			break;
		}
		if (!pf.has_extra)
			rc = pl_diag_set(d, PL_EVERIFY, "the copy's proof of entry %lld carries no entry", (long long)at);
		if (rc == PL_OK && (rc = pl_envelope_parse(pf.extra, pf.extra_len, &env, d)) == PL_OK)
			rc = pl_stmt_parse(env.payload, env.payload_len, &cur, d);
		pl_envelope_release(&env);
		pl_proof_file_release(&pf);
		if (rc == PL_OK && strcmp(cur.type, want) != 0)
			rc = pl_diag_set(d, PL_EVERIFY, "entry %lld is a %s, not the %s its %s names", (long long)at, cur.type,
					 want, from->type);
		pl_stmt_release(&prev);
		prev = cur;
		from = &prev;
	}
	pl_stmt_release(&prev);
	return rc;
}

int pl_dfile_make(pl_source *src, pl_index *x, const pl_policy *pol, uint64_t index, const pl_party_key *key,
		  const pl_epoch_ring *epochs, bool prove, pl_buf *out, pl_diag *d)
{
	pl_buf sp, ap, rp, block, obj, file, tp[PL_DFILE_THREAD_MAX];
	for (size_t i = 0; i < PL_DFILE_THREAD_MAX; i++)
		pl_buf_init(&tp[i], PL_DFILE_PART_MAX);
	size_t ntp = 0;
	pl_buf_init(&sp, PL_DFILE_PART_MAX);
	pl_buf_init(&ap, PL_DFILE_PART_MAX);
	pl_buf_init(&rp, PL_DFILE_PART_MAX);
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&file, PL_DFILE_MAX);
	pl_proof_file pf;
	bool have_pf = false;
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_sealed_plain opened;
	memset(&opened, 0, sizeof opened);
	pl_disclosure x1;
	memset(&x1, 0, sizeof x1);
	pl_sealproof pr;
	memset(&pr, 0, sizeof pr);
	pl_dfile_result res;
	memset(&res, 0, sizeof res);

	/* the statement, proven in the copy's checkpoint (pl_published_prove verifies it) */
	int rc = pl_published_prove(src, pol, index, &sp, d);
	if (rc != PL_OK)
		goto out;
	if (pl_proof_file_parse(sp.data, sp.len, &pf) != PL_OK || !pf.has_extra) {
		rc = pl_diag_set(d, PL_EVERIFY, "the copy's proof of entry %llu is malformed", (unsigned long long)index);
		goto out;
	}
	have_pf = true;
	if ((rc = pl_envelope_parse(pf.extra, pf.extra_len, &env, d)) != PL_OK ||
	    (rc = pl_stmt_parse(env.payload, env.payload_len, &st, d)) != PL_OK)
		goto out;
	if ((rc = pl_dfile_sealed_of(&st, &obj, d)) != PL_OK)
		goto out;
	/* opened with the reader's key */
	pl_keyring ring = {.keys = {key}, .n = 1};
	pl_seal_ctx ctx = {.origin = st.log, .type = st.type, .author = st.author, .seq = st.seq};
	rc = pl_sealed_open(&ctx, obj.data, obj.len, &ring, epochs, &opened, d);
	if (rc == PL_OK && prove) {
		rc = pl_diag_set(d, PL_EVERIFY, "entry %llu opens for %s as it should and its commitment names its text: "
						"nothing to prove (`parley disclose` shows what it says)",
				 (unsigned long long)index, key->id.party);
		goto out;
	}
	if (rc == PL_EVERIFY && !prove) {
		char why[sizeof d->msg] = "";
		if (d != NULL) {
			snprintf(why, sizeof why, "%s", d->msg);
			d->msg[0] = '\0';
		}
		pl_diag_set(d, rc, "entry %llu does not open as it should (%s): `parley prove` shows it",
			    (unsigned long long)index, why);
		goto out;
	}
	if (rc != PL_OK && rc != PL_EVERIFY)
		goto out;
	bool box = false;
	if (!prove) {
		if ((rc = pl_disclosure_make(&opened, &x1)) != PL_OK || (rc = pl_disclosure_write(&x1, &block)) != PL_OK)
			goto out;
	} else {
		if ((rc = pl_sealproof_make(obj.data, obj.len, &opened, &ring, &pr, d)) != PL_OK ||
		    (rc = pl_sealproof_write(&pr, &block)) != PL_OK)
			goto out;
		box = pr.kind == PL_SEALPROOF_BOX;
	}
	/* the keys: the author's, and the reader's for a box proof */
	if ((rc = key_proof(src, x, pol, st.author, index, &ap, d)) != PL_OK)
		goto out;
	if (box && (rc = key_proof(src, x, pol, key->id.party, index, &rp, d)) != PL_OK)
		goto out;
	if ((rc = thread_proofs(src, pol, &st, tp, &ntp, d)) != PL_OK)
		goto out;
	pl_dfile f = {.statement = {sp.data, sp.len}, .author = {ap.data, ap.len}, .reader = {rp.data, rp.len},
		      .block = {block.data, block.len}};
	for (size_t i = 0; i < ntp; i++)
		f.thread[i] = (pl_span){tp[i].data, tp[i].len};
	if ((rc = pl_dfile_write(&f, &file)) != PL_OK)
		goto out;
	/* every part in one checkpoint, and the whole as a third party checks it */
	if ((rc = pl_dfile_check(file.data, file.len, pol, &res, d)) != PL_OK) {
		if (rc == PL_EVERIFY && d != NULL) {
			char why[sizeof d->msg];
			snprintf(why, sizeof why, "%s", d->msg);
			d->msg[0] = '\0';
			pl_diag_set(d, rc, "the file made does not check (%s)", why);
		}
		goto out;
	}
	rc = pl_buf_append(out, file.data, file.len);
out:
	pl_dfile_result_release(&res);
	sodium_memzero(&pr, sizeof pr);
	pl_disclosure_release(&x1);
	pl_sealed_plain_release(&opened);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	if (have_pf)
		pl_proof_file_release(&pf);
	pl_buf_release(&sp);
	pl_buf_release(&ap);
	pl_buf_release(&rp);
	for (size_t i = 0; i < PL_DFILE_THREAD_MAX; i++)
		pl_buf_release(&tp[i]);
	pl_buf_wipe(&block);
	pl_buf_release(&obj);
	pl_buf_release(&file);
	return rc;
}

int pl_dfile_make_outcome(pl_source *src, pl_index *x, const pl_policy *pol, uint64_t index, const pl_party_key *key,
			  const pl_epoch_ring *epochs, pl_buf *out, pl_diag *d)
{
	pl_buf disc, file, ep[PL_DFILE_ENDORSE_MAX], kp[PL_DFILE_ENDORSE_MAX];
	pl_buf_init(&disc, PL_DFILE_MAX);
	pl_buf_init(&file, PL_DFILE_MAX);
	for (size_t i = 0; i < PL_DFILE_ENDORSE_MAX; i++) {
		pl_buf_init(&ep[i], PL_DFILE_PART_MAX);
		pl_buf_init(&kp[i], PL_DFILE_PART_MAX);
	}
	uint64_t idx[PL_DFILE_ENDORSE_MAX];
	char (*who)[PL_PARTY_MAX + 1] = calloc(PL_DFILE_ENDORSE_MAX, sizeof *who);
	pl_dfile *f = calloc(1, sizeof *f);
	pl_dfile_result *res = calloc(1, sizeof *res);
	size_t n = 0;
	int rc = who != NULL && f != NULL && res != NULL ? PL_OK : pl_diag_set(d, PL_ENOMEM, "out of memory");
	/* the outcome disclosed, with its session as thread part; then every endorsement and its author's key */
	if (rc == PL_OK)
		rc = pl_dfile_make(src, x, pol, index, key, epochs, false, &disc, d);
	if (rc == PL_OK)
		rc = pl_dfile_parse(disc.data, disc.len, f, d);
	if (rc == PL_OK)
		rc = pl_view_endorsements(x, index, idx, who, PL_DFILE_ENDORSE_MAX, &n, d);
	for (size_t i = 0; rc == PL_OK && i < n; i++) {
		if ((rc = pl_published_prove(src, pol, idx[i], &ep[i], d)) == PL_OK &&
		    (rc = key_proof(src, x, pol, who[i], idx[i], &kp[i], d)) == PL_OK) {
			f->endorsement[i] = (pl_span){ep[i].data, ep[i].len};
			f->endorser[i] = (pl_span){kp[i].data, kp[i].len};
		}
	}
	f->nendorse = n;
	if (rc == PL_OK)
		rc = pl_dfile_write(f, &file);
	if (rc == PL_OK && (rc = pl_dfile_check(file.data, file.len, pol, res, d)) != PL_OK && rc == PL_EVERIFY && d != NULL) {
		char why[sizeof d->msg];
		snprintf(why, sizeof why, "%s", d->msg);
		d->msg[0] = '\0';
		pl_diag_set(d, rc, "the file made does not check (%s)", why);
	}
	if (rc == PL_OK && res->nparties == 0)
		rc = pl_diag_set(d, PL_EINVAL, "entry %llu is not a session's outcome", (unsigned long long)index);
	if (rc == PL_OK)
		rc = pl_buf_append(out, file.data, file.len);
	pl_dfile_result_release(res);
	free(res);
	free(f);
	free(who);
	for (size_t i = 0; i < PL_DFILE_ENDORSE_MAX; i++) {
		pl_buf_release(&ep[i]);
		pl_buf_release(&kp[i]);
	}
	pl_buf_wipe(&disc);
	pl_buf_wipe(&file);
	return rc;
}
