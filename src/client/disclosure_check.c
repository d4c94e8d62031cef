/* disclosure_check.c - checking a disclosure or proof file offline (disclosure.h). */
#include "client/disclosure.h"

#include "statement/dsse.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pl_dfile_result_release(pl_dfile_result *r)
{
	if (r == NULL)
		return;
	pl_stmt_release(&r->st);
	free(r->head);
	json_decref(r->fields);
	memset(r, 0, sizeof *r);
}

/* One tlog-proof part: parsed, its entry included at its index under pol, its checkpoint the same bytes as
 * *cpbytes (set by the first part). The envelope and statement are parsed into env and st (zeroed; release
 * them after any result). */
static int proven_leaf(const char *name, pl_span part, const pl_policy *pol, pl_span *cpbytes, uint64_t *index,
		       uint64_t *tree, pl_envelope *env, pl_stmt *st, pl_hash *leaf_out, pl_diag *d);

static int proven_part(const char *name, pl_span part, const pl_policy *pol, pl_span *cpbytes, uint64_t *index,
		       uint64_t *tree, pl_envelope *env, pl_stmt *st, pl_diag *d)
{
	return proven_leaf(name, part, pol, cpbytes, index, tree, env, st, NULL, d);
}

/* proven_part, the entry's leaf hash in *leaf_out (may be NULL). */
static int proven_leaf(const char *name, pl_span part, const pl_policy *pol, pl_span *cpbytes, uint64_t *index,
		       uint64_t *tree, pl_envelope *env, pl_stmt *st, pl_hash *leaf_out, pl_diag *d)
{
	pl_proof_file pf;
	int rc = pl_proof_file_parse(part.p, part.n, &pf);
	if (rc == PL_ENOMEM)
		return pl_diag_set(d, rc, "out of memory");
	if (rc != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "the %s part is not a c2sp.org/tlog-proof@v1 file", name);
	if (!pf.has_extra) {
		rc = pl_diag_set(d, PL_EFORMAT, "the %s part's proof carries no entry", name);
		goto out;
	}
	if (cpbytes->n == 0) {
		*cpbytes = pf.checkpoint;
	} else if (cpbytes->n != pf.checkpoint.n || memcmp(cpbytes->p, pf.checkpoint.p, pf.checkpoint.n) != 0) {
		rc = pl_diag_set(d, PL_EVERIFY, "the %s part is proven in another checkpoint than the statement", name);
		goto out;
	}
	pl_hash leaf;
	pl_checkpoint cp;
	pl_leaf_hash(pf.extra, pf.extra_len, &leaf);
	rc = pl_proof_file_verify(&pf, pol, &leaf, &cp);
	if (rc == PL_ENOKEY) {
		pl_diag_set(d, rc, "the checkpoint lacks the log's signature or %zu witness cosignatures", pol->quorum);
		goto out;
	}
	if (rc == PL_ENOMEM) {
		pl_diag_set(d, rc, "out of memory");
		goto out;
	}
	if (rc != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "the %s part's inclusion proof or checkpoint signature does not verify", name);
		goto out;
	}
	*index = pf.index;
	*tree = cp.size;
	if (leaf_out != NULL)
		*leaf_out = leaf;
	pl_diag why = {0};
	if ((rc = pl_envelope_parse(pf.extra, pf.extra_len, env, &why)) != PL_OK ||
	    (rc = pl_stmt_parse(env->payload, env->payload_len, st, &why)) != PL_OK) {
		rc = rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory")
				     : pl_diag_set(d, PL_EFORMAT, "the %s part's entry is not a Parley statement: %s", name,
						   why.msg);
		goto out;
	}
	if (strcmp(st->log, cp.origin) != 0)
		rc = pl_diag_set(d, PL_EVERIFY, "the %s part's statement is for %s but sits in %s", name, st->log, cp.origin);
out:
	pl_proof_file_release(&pf);
	return rc;
}

/* A key part: proven in the same checkpoint, before index, naming party's identity. */
static int key_part(const char *name, pl_span part, const pl_policy *pol, pl_span *cpbytes, uint64_t before,
		    const char *party, pl_identity *id, uint64_t *at, char type[PL_TYPE_MAX + 1], pl_diag *d)
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	uint64_t tree;
	int rc = proven_part(name, part, pol, cpbytes, at, &tree, &env, &st, d);
	if (rc == PL_OK && *at >= before)
		rc = pl_diag_set(d, PL_EVERIFY, "the %s part (entry %llu) does not come before the statement", name,
				 (unsigned long long)*at);
	int found = rc == PL_OK ? pl_dfile_identity_in(&st, party, id) : PL_OK;
	if (found == PL_ENOMEM)
		rc = pl_diag_set(d, found, "out of memory");
	else if (found != PL_OK)
		rc = pl_diag_set(d, PL_EVERIFY, "the %s part (entry %llu, a %s) does not establish a key of %s", name,
				 (unsigned long long)*at, st.type, party);
	if (rc == PL_OK)
		snprintf(type, PL_TYPE_MAX + 1, "%s", st.type);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return rc;
}

/* The label of a statement body, into out ("" when it has none). */
static void label_of(const pl_stmt *st, char out[32])
{
	const char *tlp = json_string_value(json_object_get(st->body, "tlp"));
	snprintf(out, 32, "%s", tlp != NULL ? tlp : "");
}

/* The thread parts: each the entry the one before names (the statement first), of the type its link
 * expects, before the statement, the last a concern; its label the thread's unless the statement has one. */
static int thread_parts(const pl_dfile *f, const pl_policy *pol, pl_span *cpbytes, pl_dfile_result *r, pl_diag *d)
{
	label_of(&r->st, r->tlp);
	if (f->thread[0].n == 0)
		return PL_OK; /* a file made before thread parts: the label of a request or an answer is not shown */
	pl_stmt prev, cur;
	memset(&prev, 0, sizeof prev);
	int rc = PL_OK;
	const pl_stmt *from = &r->st;
	for (size_t i = 0; i < PL_DFILE_THREAD_MAX && f->thread[i].n > 0; i++) {
		const char *want = NULL, *link = pl_dfile_thread_link(from->type, &want);
		if (link == NULL) {
			rc = pl_diag_set(d, PL_EFORMAT, "thread part %zu follows a %s, which names no thread entry", i + 1,
					 from->type);
			break;
		}
		json_int_t at = json_integer_value(json_object_get(from->body, link));
		pl_envelope env;
		memset(&env, 0, sizeof env);
		memset(&cur, 0, sizeof cur);
		uint64_t index = 0, tree = 0;
		char name[48];
		snprintf(name, sizeof name, "thread %zu", i + 1);
		rc = proven_part(name, f->thread[i], pol, cpbytes, &index, &tree, &env, &cur, d);
		pl_envelope_release(&env);
		if (rc == PL_OK && (index >= r->index || at < 0 || index != (uint64_t)at || strcmp(cur.type, want) != 0))
			rc = pl_diag_set(d, PL_EVERIFY,
					 "thread part %zu is entry %llu (a %s), not the %s %lld the %s names before entry %llu",
					 i + 1, (unsigned long long)index, cur.type, want, (long long)at, from->type,
					 (unsigned long long)r->index);
		if (rc != PL_OK) {
			pl_stmt_release(&cur);
			break;
		}
		r->thread[i] = index;
		snprintf(r->thread_type[i], sizeof r->thread_type[i], "%s", cur.type);
		r->nthread = i + 1;
		pl_stmt_release(&prev);
		prev = cur;
		from = &prev;
	}
	const char *more = NULL;
	if (rc == PL_OK && pl_dfile_thread_link(from->type, &more) != NULL)
		rc = pl_diag_set(d, PL_EFORMAT, "the thread parts stop at a %s, before the entry that opens its thread", from->type);
	if (rc == PL_OK && r->tlp[0] == '\0')
		label_of(from, r->tlp);
	if (rc == PL_OK && strcmp(from->type, "session.propose") == 0) {
		/* the session's parties: who must endorse its outcome */
		snprintf(r->parties[r->nparties++], PL_PARTY_MAX + 1, "%s", from->author);
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(from->body, "participants"), i, p)
		{
			if (json_is_string(p) && r->nparties < PL_DFILE_ENDORSE_MAX)
				snprintf(r->parties[r->nparties++], PL_PARTY_MAX + 1, "%s", json_string_value(p));
		}
	}
	pl_stmt_release(&prev);
	return rc;
}

/* The endorsement pairs of an outcome's file: each an outcome.endorse of the outcome at r->index (leaf
 * hash leaf, in its refs), position endorse, signed by the key its endorser part establishes before it,
 * by one of the session's parties, each at most once. */
static int endorsements(const pl_dfile *f, const pl_policy *pol, pl_span *cpbytes, const pl_hash *leaf,
			pl_dfile_result *r, pl_diag *d)
{
	for (size_t k = 0; k < PL_DFILE_ENDORSE_MAX; k++)
		r->endorsed_at[k] = UINT64_MAX;
	if (f->nendorse > 0 && (strcmp(r->st.type, "session.outcome") != 0 || r->nparties == 0))
		return pl_diag_set(d, PL_EFORMAT, "endorsement parts belong to a session's outcome, with its session as thread part");
	int rc = PL_OK;
	for (size_t k = 0; rc == PL_OK && k < f->nendorse; k++) {
		pl_envelope env;
		pl_stmt st;
		memset(&env, 0, sizeof env);
		memset(&st, 0, sizeof st);
		uint64_t at = 0, tree = 0, key_at = 0;
		char name[48], type[PL_TYPE_MAX + 1];
		snprintf(name, sizeof name, "endorsement %zu", k + 1);
		rc = proven_part(name, f->endorsement[k], pol, cpbytes, &at, &tree, &env, &st, d);
		const pl_ref *ref = NULL;
		json_int_t o = json_integer_value(json_object_get(st.body, "outcome"));
		const char *pos = json_string_value(json_object_get(st.body, "position"));
		if (rc == PL_OK && (strcmp(st.type, "outcome.endorse") != 0 || o < 0 || (uint64_t)o != r->index ||
				    !pl_stmt_has_ref(&st, r->index, &ref) || memcmp(ref->leaf.b, leaf->b, PL_HASH_SIZE) != 0))
			rc = pl_diag_set(d, PL_EVERIFY, "%s (entry %llu) is not an endorsement of outcome %llu bound to its text",
					 name, (unsigned long long)at, (unsigned long long)r->index);
		if (rc == PL_OK && (pos == NULL || strcmp(pos, "endorse") != 0))
			rc = pl_diag_set(d, PL_EVERIFY, "%s (entry %llu) is a dissent, not an endorsement", name,
					 (unsigned long long)at);
		size_t who = PL_DFILE_ENDORSE_MAX;
		for (size_t i = 0; rc == PL_OK && i < r->nparties; i++)
			if (strcmp(r->parties[i], st.author) == 0)
				who = i;
		if (rc == PL_OK && who == PL_DFILE_ENDORSE_MAX)
			rc = pl_diag_set(d, PL_EVERIFY, "%s is by %s, who took no part in the session", name, st.author);
		if (rc == PL_OK && r->endorsed_at[who] != UINT64_MAX)
			rc = pl_diag_set(d, PL_EFORMAT, "%s endorses twice in the file", st.author);
		pl_identity id;
		snprintf(name, sizeof name, "endorser %zu", k + 1);
		if (rc == PL_OK)
			rc = key_part(name, f->endorser[k], pol, cpbytes, at, st.author, &id, &key_at, type, d);
		if (rc == PL_OK && (rc = pl_envelope_verify(&env, id.sign_pk, NULL)) != PL_OK)
			rc = rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory")
					     : pl_diag_set(d, PL_EVERIFY, "endorsement %zu is not signed by the key of %s that entry %llu "
									  "established",
							   k + 1, st.author, (unsigned long long)key_at);
		if (rc == PL_OK) {
			r->endorsed_at[who] = at;
			r->nendorsed++;
		}
		pl_stmt_release(&st);
		pl_envelope_release(&env);
	}
	return rc;
}

int pl_dfile_check(const uint8_t *p, size_t n, const pl_policy *pol, pl_dfile_result *r, pl_diag *d)
{
	memset(r, 0, sizeof *r);
	pl_dfile f;
	int rc = pl_dfile_parse(p, n, &f, d);
	if (rc != PL_OK)
		return rc;
	pl_envelope env;
	memset(&env, 0, sizeof env);
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_disclosure x;
	memset(&x, 0, sizeof x);
	pl_span cp = {NULL, 0};
	pl_identity author, reader;
	/* the statement, proven */
	pl_hash leaf;
	if ((rc = proven_leaf("statement", f.statement, pol, &cp, &r->index, &r->tree_size, &env, &r->st, &leaf, d)) !=
	    PL_OK)
		goto out;
	if ((rc = pl_dfile_sealed_of(&r->st, &obj, d)) != PL_OK) {
		rc = rc == PL_ENOTFOUND ? pl_diag_set(d, PL_EFORMAT, "the statement (entry %llu) is not sealed: nothing to "
								     "disclose",
						      (unsigned long long)r->index)
					: rc;
		goto out;
	}
	if ((r->head = malloc(sizeof *r->head)) == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	pl_diag why = {0};
	if ((rc = pl_sealed_parse(obj.data, obj.len, r->head, &r->bucket, &why)) != PL_OK) {
		rc = rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory")
				     : pl_diag_set(d, PL_EFORMAT, "the statement's sealed body is malformed: %s", why.msg);
		goto out;
	}
	/* signed by the key its author held, established by the author part */
	if ((rc = key_part("author", f.author, pol, &cp, r->index, r->st.author, &author, &r->author_key,
			   r->author_key_type, d)) != PL_OK)
		goto out;
	if ((rc = pl_envelope_verify(&env, author.sign_pk, NULL)) == PL_ENOMEM) {
		pl_diag_set(d, rc, "out of memory");
		goto out;
	}
	if (rc != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "the statement is not signed by the key of %s that entry %llu established",
				 r->st.author, (unsigned long long)r->author_key);
		goto out;
	}
	if ((rc = thread_parts(&f, pol, &cp, r, d)) != PL_OK || (rc = endorsements(&f, pol, &cp, &leaf, r, d)) != PL_OK)
		goto out;
	pl_seal_ctx ctx = {.origin = r->st.log, .type = r->st.type, .author = r->st.author, .seq = r->st.seq};
	if (f.block.n > 0 && f.block.p[0] == PL_DISCLOSURE_MAGIC[0] && f.block.n >= strlen(PL_DISCLOSURE_MAGIC) &&
	    memcmp(f.block.p, PL_DISCLOSURE_MAGIC, strlen(PL_DISCLOSURE_MAGIC)) == 0) {
		r->kind = PL_DFILE_DISCLOSURE;
		if (f.reader.n != 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "a disclosure has no reader part");
			goto out;
		}
		if ((rc = pl_disclosure_parse(f.block.p, f.block.n, &x, d)) != PL_OK)
			goto out;
		rc = pl_disclosure_check(&ctx, obj.data, obj.len, &x, &r->fields, d);
		goto out;
	}
	r->kind = PL_DFILE_PROOF;
	pl_sealproof pr;
	if ((rc = pl_sealproof_parse(f.block.p, f.block.n, &pr, d)) != PL_OK)
		goto out;
	r->proof = pr.kind;
	const uint8_t *pk = NULL;
	if (pr.kind == PL_SEALPROOF_BOX) {
		if (f.reader.n == 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "a box proof needs the reader part (the entry of %s's key)", pr.party);
			goto out;
		}
		snprintf(r->reader, sizeof r->reader, "%s", pr.party);
		char type[PL_TYPE_MAX + 1];
		if ((rc = key_part("reader", f.reader, pol, &cp, r->index, pr.party, &reader, &r->reader_key, type, d)) !=
		    PL_OK)
			goto out;
		pk = reader.box_pk;
	} else if (f.reader.n != 0) {
		rc = pl_diag_set(d, PL_EFORMAT, "a key proof has no reader part");
		goto out;
	}
	rc = pl_sealproof_check(&ctx, obj.data, obj.len, &pr, pk, &r->fault, d);
	sodium_memzero(&pr, sizeof pr);
out:
	pl_disclosure_release(&x);
	pl_buf_release(&obj);
	pl_envelope_release(&env);
	return rc;
}
