/* members_check.c - admission (members.h): a submission parsed and checked
 * against the registry (author, signatures, seq, references) and the rules of
 * the membership statements: charter, enroll, key.rotate, key.revoke,
 * contact.update. */
#include "statement/members_impl.h"

#include "base/json.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void pl_submission_release(pl_submission *s)
{
	pl_envelope_release(&s->env);
	pl_stmt_release(&s->st);
}

int pl_submission_parse(const uint8_t *raw, size_t n, const char *origin, const pl_admission *a, pl_submission *s,
			pl_refusal *v)
{
	memset(s, 0, sizeof *s);
	s->raw.p = raw;
	s->raw.n = n;
	if (n > PL_DSSE_MAX)
		return pl_refuse(v, PL_R_TOO_LARGE, "a statement envelope holds at most %d bytes; this one has %zu",
				 PL_DSSE_MAX, n);
	pl_diag d = {0};
	int rc = pl_envelope_parse(raw, n, &s->env, &d);
	if (rc == PL_ENOMEM)
		return PL_ENOMEM;
	if (rc != PL_OK)
		return pl_refuse(v, PL_R_ENVELOPE_MALFORMED, "the DSSE envelope is malformed: %s", d.msg);
	if (strcmp(s->env.payload_type, PL_STATEMENT_TYPE) != 0)
		return pl_refuse(v, PL_R_PAYLOAD_TYPE_UNKNOWN, "the payload type must be %s", PL_STATEMENT_TYPE);
	if ((rc = pl_stmt_parse(s->env.payload, s->env.payload_len, &s->st, &d)) == PL_ENOMEM)
		return PL_ENOMEM;
	if (rc != PL_OK)
		return pl_refuse(v, PL_R_PAYLOAD_MALFORMED, "the statement is malformed: %s", d.msg);
	if (strcmp(s->st.log, origin) != 0)
		return pl_refuse(v, PL_R_WRONG_LOG, "the statement is for the log \"%.100s\"; this log is \"%.100s\"",
				 s->st.log, origin);
	if (a->skew >= 0) {
		int64_t delta = s->st.time - a->now;
		if (delta > a->skew || -delta > a->skew)
			return pl_refuse(v, PL_R_CLOCK_SKEW, 
					 "the statement's time is %lld s away from this server's clock; at most %lld s "
					 "are allowed",
					 (long long)(delta < 0 ? -delta : delta), (long long)a->skew);
	}
	pl_leaf_hash(raw, n, &s->leaf);
	return PL_OK;
}

void pl_submission_preverify(const pl_members *m, pl_submission *s)
{
	const pl_member *mem = pl_members_find(m, s->st.author);
	if (mem == NULL || !mem->active)
		return;
	memcpy(s->key, mem->id.sign_pk, PL_ED25519_PK_SIZE);
	int rc = pl_envelope_verify(&s->env, s->key, NULL);
	s->sig_ok = rc == PL_OK;
	s->preverified = rc != PL_ENOMEM; /* out of memory: check again later */
}

/* The author's signature (the envelope's first), reusing a pre-verification
 * made with the same key: PL_OK, PL_EVERIFY, or PL_ENOMEM (which says nothing
 * about the signature). A replay trusting signatures still checks the keyid. */
static int signed_by(const pl_admission *a, pl_submission *s, const uint8_t pk[PL_ED25519_PK_SIZE])
{
	if (a->trust_signatures)
		return pl_envelope_keyid_is(&s->env, 0, pk) ? PL_OK : PL_EVERIFY;
	if (s->preverified && sodium_memcmp(s->key, pk, PL_ED25519_PK_SIZE) == 0)
		return s->sig_ok ? PL_OK : PL_EVERIFY;
	int rc = pl_envelope_verify(&s->env, pk, NULL);
	return rc == PL_OK || rc == PL_ENOMEM ? rc : PL_EVERIFY;
}

/* Exactly the signatures a statement's type needs: one by its author, two for
 * a key.rotate (the old key's, then the new key's); nothing unsigned or
 * unchecked is stored. */
static int signature_count(const pl_submission *s, pl_refusal *v)
{
	bool rotate = strcmp(s->st.type, "key.rotate") == 0;
	if (s->env.nsigs == (rotate ? 2u : 1u))
		return PL_OK;
	return pl_refuse(v, PL_R_BAD_SIGNATURE, "a %s carries exactly %s; this envelope has %zu", s->st.type,
			 rotate ? "two signatures, the old key's then the new key's" : "one signature, its author's",
			 s->env.nsigs);
}

static int refuse_unsigned(pl_refusal *v, int rc, const char *what, const char *author)
{
	if (rc == PL_ENOMEM)
		return PL_ENOMEM;
	return pl_refuse(v, PL_R_BAD_SIGNATURE, "the %s is not signed by %s's %skey", what, author,
			 strcmp(what, "charter") == 0 ? "" : "current ");
}

static int body_keys(const json_t *body, const char *const *allowed, const char *const *required, pl_refusal *v)
{
	pl_diag d = {0};
	if (pl_json_keys(body, allowed, required, "the body", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	return PL_OK;
}

static int body_int(const json_t *o, const char *key, int64_t min, int64_t max, int64_t *out, pl_refusal *v)
{
	pl_diag d = {0};
	if (pl_json_int(o, key, min, max, out, &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	return PL_OK;
}

int pl_members_parse_charter(const json_t *body, pl_charter *c, pl_identity *founders, size_t *nf, pl_refusal *v)
{
	int rc;
	static const char *const keys[] = {"name", "founders", "admission", "deadlines", NULL};
	static const char *const req[] = {"founders", "admission", "deadlines", NULL};
	static const char *const akeys[] = {"sponsors", NULL};
	static const char *const dkeys[] = {"ack", "response", NULL};
	memset(c, 0, sizeof *c);
	if ((rc = body_keys(body, keys, req, v)) != PL_OK)
		return rc;
	pl_diag d = {0};
	const char *name;
	if (pl_json_str_opt(body, "name", 128, &name, &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	snprintf(c->name, sizeof c->name, "%s", name ? name : "");
	json_t *fs = json_object_get(body, "founders");
	if (!json_is_array(fs) || json_array_size(fs) < 1 || json_array_size(fs) > PL_FOUNDERS_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"founders\" must list 1 to %d identities", PL_FOUNDERS_MAX);
	size_t i;
	json_t *f;
	json_array_foreach(fs, i, f)
	{
		int frc = pl_identity_from_json(f, &founders[i], &d);
		if (frc == PL_ENOMEM)
			return PL_ENOMEM;
		if (frc != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "founder %zu: %s", i, d.msg);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(founders[j].party, founders[i].party) == 0)
				return pl_refuse(v, PL_R_BODY_INVALID, "the founder %s is listed twice", founders[i].party);
			if (memcmp(founders[j].sign_pk, founders[i].sign_pk, PL_ED25519_PK_SIZE) == 0 ||
			    memcmp(founders[j].box_pk, founders[i].box_pk, PL_X25519_PK_SIZE) == 0)
				return pl_refuse(v, PL_R_KEY_REUSED, "the founders %s and %s share a key: a key belongs to one party",
						 founders[j].party, founders[i].party);
			if (pl_party_confusable(founders[j].party, founders[i].party))
				return pl_refuse(v, PL_R_NAME_CONFUSABLE, "the founders %s and %s have confusable names",
						 founders[j].party, founders[i].party);
		}
	}
	*nf = json_array_size(fs);
	json_t *adm = json_object_get(body, "admission"), *dl = json_object_get(body, "deadlines");
	int64_t k, ack, resp;
	if (pl_json_keys(adm, akeys, akeys, "\"admission\"", &d) != PL_OK ||
	    pl_json_keys(dl, dkeys, dkeys, "\"deadlines\"", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	if ((rc = body_int(adm, "sponsors", 1, PL_SPONSORS_MAX, &k, v)) != PL_OK ||
	    (rc = body_int(dl, "ack", 60, 366 * 86400, &ack, v)) != PL_OK ||
	    (rc = body_int(dl, "response", 60, 366 * 86400, &resp, v)) != PL_OK)
		return rc;
	c->sponsors = (size_t)k;
	c->ack_seconds = ack;
	c->response_seconds = resp;
	return PL_OK;
}

static int check_charter(const pl_members *m, const pl_admission *a, pl_submission *s, pl_refusal *v)
{
	int rc;
	if (m->size != 0 || m->chartered)
		return pl_refuse(v, PL_R_CHARTER_EXISTS, "the charter is entry 0 and this log already has one");
	pl_charter c;
	pl_identity founders[PL_FOUNDERS_MAX];
	size_t nf = 0;
	if ((rc = pl_members_parse_charter(s->st.body, &c, founders, &nf, v)) != PL_OK)
		return rc;
	const pl_identity *author = NULL;
	for (size_t i = 0; i < nf; i++)
		if (strcmp(founders[i].party, s->st.author) == 0)
			author = &founders[i];
	if (author == NULL)
		return pl_refuse(v, PL_R_UNKNOWN_AUTHOR, "the charter's author %s is not one of its founders",
				 s->st.author);
	if ((rc = signature_count(s, v)) != PL_OK)
		return rc;
	int sig = signed_by(a, s, author->sign_pk);
	if (sig != PL_OK)
		return refuse_unsigned(v, sig, "charter", s->st.author);
	if (s->st.seq != 1)
		return pl_refuse(v, s->st.seq < 1 ? PL_R_SEQ_REPLAYED : PL_R_SEQ_SKIPPED,
				 "the charter is its author's first statement: seq must be 1");
	if (s->st.nrefs != 0)
		return pl_refuse(v, PL_R_REF_MISSING, "the charter cannot refer to earlier entries");
	return PL_OK;
}

static int identity_in(const json_t *body, pl_identity *id, pl_refusal *v)
{
	int rc;
	static const char *const keys[] = {"identity", NULL};
	if ((rc = body_keys(body, keys, keys, v)) != PL_OK)
		return rc;
	pl_diag d = {0};
	rc = pl_identity_from_json(json_object_get(body, "identity"), id, &d);
	if (rc == PL_ENOMEM)
		return PL_ENOMEM;
	if (rc == PL_EVERIFY)
		return pl_refuse(v, PL_R_IDENTITY_PROOF_INVALID, "%s", d.msg);
	if (rc != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "the identity is malformed: %s", d.msg);
	return PL_OK;
}

/*
 * A key belongs to the one party that first held it, and a key that ended
 * (rotated away or revoked) never comes back: refuses (key_reused) an
 * identity whose signing or encryption key a party of the log holds or has
 * held. self (may be NULL) is the party rotating its keys, which may keep its
 * current encryption key.
 */
static int keys_unused(const pl_members *m, const pl_identity *id, const pl_member *self, pl_refusal *v)
{
	for (size_t i = 0; i < m->n; i++) {
		const pl_member *e = &m->m[i];
		bool keeps_box = e == self && e->active && memcmp(id->box_pk, e->id.box_pk, PL_X25519_PK_SIZE) == 0;
		for (size_t k = 0; k < e->nkeys; k++) {
			const pl_member_key *y = &e->keys[k];
			bool sign = memcmp(y->sign_pk, id->sign_pk, PL_ED25519_PK_SIZE) == 0;
			bool box = !keeps_box && memcmp(y->box_pk, id->box_pk, PL_X25519_PK_SIZE) == 0;
			if (!sign && !box)
				continue;
			const char *which = sign ? "signing" : "encryption";
			if (y->until == UINT64_MAX)
				return pl_refuse(v, PL_R_KEY_REUSED, "the %s key of this identity of %s is %s's: a key belongs to "
						 "one party", which, id->party, e->id.party);
			/* a rotation ends a key at the entry that starts the next one */
			bool revoked = k + 1 == e->nkeys ? !e->active : e->keys[k + 1].from != y->until;
			return pl_refuse(v, PL_R_KEY_REUSED,
					 "the %s key of this identity of %s was %s's until entry %llu (%s): a key that "
					 "ended never comes back",
					 which, id->party, e->id.party, (unsigned long long)y->until,
					 revoked ? "revoked" : "rotated away");
		}
	}
	return PL_OK;
}

static int check_enroll(const pl_members *m, pl_submission *s, pl_refusal *v)
{
	int rc;
	pl_identity id;
	if ((rc = identity_in(s->st.body, &id, v)) != PL_OK)
		return rc;
	const pl_member *existing = pl_members_find(m, id.party);
	if (existing != NULL && existing->active)
		return pl_refuse(v, PL_R_ALREADY_MEMBER, "%s is already a member", id.party);
	for (size_t i = 0; i < m->n; i++)
		if (pl_party_confusable(id.party, m->m[i].id.party))
			return pl_refuse(v, PL_R_NAME_CONFUSABLE, "%s looks like the member %s (both read as a party "
					 "of the same name once case, '.', '-' and look-alike characters are set aside)",
					 id.party, m->m[i].id.party);
	/* a revoked party comes back only with keys no party ever held, and K sponsors like a new one */
	if ((rc = keys_unused(m, &id, NULL, v)) != PL_OK)
		return rc;
	const pl_candidate *c = pl_members_find_candidate(m, &id);
	if (c != NULL)
		for (size_t i = 0; i < c->nsponsors; i++)
			if (strcmp(c->sponsors[i], s->st.author) == 0)
				return pl_refuse(v, PL_R_ALREADY_SPONSORED, "%s already enrolled this identity of %s",
						 s->st.author, id.party);
	return PL_OK;
}

static int check_rotate(const pl_members *m, const pl_member *mem, const pl_admission *a, pl_submission *s,
			pl_refusal *v)
{
	int rc;
	pl_identity id;
	if ((rc = identity_in(s->st.body, &id, v)) != PL_OK)
		return rc;
	if (strcmp(id.party, s->st.author) != 0)
		return pl_refuse(v, PL_R_NOT_OWN_KEY, "a party rotates only its own key");
	if (sodium_memcmp(id.sign_pk, mem->id.sign_pk, PL_ED25519_PK_SIZE) == 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "the new signing key is the current one");
	if ((rc = keys_unused(m, &id, mem, v)) != PL_OK)
		return rc;
	/* the old key's signature was checked with the author's; the new key's comes second */
	int sig = a->trust_signatures ? (pl_envelope_keyid_is(&s->env, 1, id.sign_pk) ? PL_OK : PL_EVERIFY)
				      : pl_envelope_verify_sig(&s->env, 1, id.sign_pk);
	if (sig == PL_ENOMEM)
		return PL_ENOMEM;
	if (sig != PL_OK)
		return pl_refuse(v, PL_R_BAD_SIGNATURE,
				 "a key rotation is signed by the old key and by the new key, in this order");
	return PL_OK;
}

int pl_members_contact_check(const json_t *body, pl_refusal *v)
{
	int rc;
	static const char *const keys[] = {"contact", NULL};
	static const char *const ckeys[] = {"name", "email", "phone", "url", "hours", "note", NULL};
	if ((rc = body_keys(body, keys, keys, v)) != PL_OK)
		return rc;
	const json_t *c = json_object_get(body, "contact");
	pl_diag d = {0};
	if (pl_json_keys(c, ckeys, NULL, "\"contact\"", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	if (json_object_size(c) == 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"contact\" is empty");
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)(uintptr_t)c, k, x)
	{
		if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 256)
			return pl_refuse(v, PL_R_BODY_INVALID, "contact \"%s\" must be a string of 1 to 256 bytes", k);
	}
	pl_buf b;
	pl_buf_init(&b, PL_CONTACT_MAX - 1);
	rc = pl_json_dump(c, &b);
	pl_buf_release(&b);
	if (rc != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "contact details are too long");
	return PL_OK;
}

static int check_revoke(const json_t *body, pl_refusal *v)
{
	int rc;
	static const char *const keys[] = {"reason", NULL};
	if ((rc = body_keys(body, keys, NULL, v)) != PL_OK)
		return rc;
	const char *r;
	pl_diag d = {0};
	if (pl_json_str_opt(body, "reason", 512, &r, &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	return PL_OK;
}

int pl_admission_check(const pl_members *m, const pl_admission *a, pl_submission *s, pl_refusal *v)
{
	const char *type = s->st.type;
	if (!m->chartered) {
		if (strcmp(type, "charter") != 0)
			return pl_refuse(v, PL_R_NO_CHARTER, "this log has no charter yet: entry 0 must be the charter");
		return check_charter(m, a, s, v);
	}
	if (strcmp(type, "charter") == 0)
		return pl_refuse(v, PL_R_CHARTER_EXISTS, "the charter is entry 0 and this log already has one");
	if (s->st.time < m->charter.time)
		return pl_refuse(v, PL_R_DATED_BEFORE_CHARTER, "the statement is dated %lld s before the log's charter",
				 (long long)(m->charter.time - s->st.time));
	const pl_member *mem = pl_members_find(m, s->st.author);
	if (mem == NULL)
		return pl_refuse(v, PL_R_UNKNOWN_AUTHOR, "%s is not a member of this log", s->st.author);
	if (!mem->active)
		return pl_refuse(v, PL_R_KEY_REVOKED, "%s's key is revoked; it signs nothing more", s->st.author);
	int rc = signature_count(s, v);
	if (rc != PL_OK)
		return rc;
	int sig = signed_by(a, s, mem->id.sign_pk);
	if (sig != PL_OK)
		return refuse_unsigned(v, sig, "envelope", s->st.author);
	if (s->st.seq <= mem->seq)
		return pl_refuse(v, PL_R_SEQ_REPLAYED, "%s already used seq %llu; the next is %llu", s->st.author,
				 (unsigned long long)s->st.seq, (unsigned long long)(mem->seq + 1));
	if (s->st.seq > mem->seq + 1)
		return pl_refuse(v, PL_R_SEQ_SKIPPED, "%s's next seq is %llu, not %llu", s->st.author,
				 (unsigned long long)(mem->seq + 1), (unsigned long long)s->st.seq);
	for (size_t i = 0; i < s->st.nrefs; i++) {
		pl_hash h;
		if (a->leaf == NULL || a->leaf(a->leaf_ctx, s->st.refs[i].index, &h) != PL_OK)
			return pl_refuse(v, PL_R_REF_MISSING, "the referenced entry %llu does not exist",
					 (unsigned long long)s->st.refs[i].index);
		if (!pl_hash_eq(&h, &s->st.refs[i].leaf))
			return pl_refuse(v, PL_R_REF_MISMATCH, "entry %llu has another leaf hash than the reference",
					 (unsigned long long)s->st.refs[i].index);
	}
	if (strcmp(type, "enroll") == 0)
		return check_enroll(m, s, v);
	if (strcmp(type, "key.rotate") == 0)
		return check_rotate(m, mem, a, s, v);
	if (strcmp(type, "key.revoke") == 0)
		return check_revoke(s->st.body, v);
	if (strcmp(type, "contact.update") == 0)
		return json_object_get(s->st.body, "sealed") != NULL ? pl_members_check_sealed_contact(m, s, v)
								      : pl_members_contact_check(s->st.body, v);
	if (strcmp(type, "members.rekey") == 0)
		return pl_members_check_rekey(m, s, v);
	if (strcmp(type, "share") == 0)
		return pl_members_check_share(m, s, v);
	if (a->other_types != NULL)
		return a->other_types(a->type_ctx, m, s, v);
	return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", type);
}
