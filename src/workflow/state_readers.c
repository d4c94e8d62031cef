/* state_readers.c - the readers of a sealed statement, checked against the
 * log at its index (state.h: pl_wf_readers_check, pl_wf_sealing_check;
 * docs/confidentiality.md, section 2). No cryptography: names and key
 * fingerprints are compared, the sealed body is never opened. */
#include "workflow/state_impl.h"

#include "workflow/vocab.h"

#include <stdio.h>
#include <string.h>

/* A set of reader names (the members' own strings), each an active member. */
typedef struct readers {
	const char *name[PL_SEAL_READERS_MAX];
	size_t n;
} readers;

static void add(readers *r, const pl_members *m, const char *name)
{
	const pl_member *e = pl_members_get(m, name);
	if (e == NULL || !e->active) /* revoked since: no reader of anything later */
		return;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return;
	if (r->n < PL_SEAL_READERS_MAX)
		r->name[r->n++] = e->id.party;
}

static void case_parties(const pl_wf *w, const pl_members *m, const pl_wf_case *c, readers *r)
{
	add(r, m, pl_wf_party_name(w, c->author));
	for (size_t i = 0; i < c->nrecipients; i++)
		add(r, m, pl_wf_party_name(w, c->recipients[i]));
}

/* The readers of request q's thread: its case's parties, or narrowed, its author and addressees. */
static void request_parties(const pl_wf *w, const pl_members *m, const pl_wf_request *q, readers *r)
{
	if (!q->narrowed) {
		const pl_wf_case *c = pl_wf_case_get(w, q->case_id);
		if (c != NULL)
			case_parties(w, m, c, r);
		return;
	}
	add(r, m, pl_wf_party_name(w, q->author));
	for (size_t i = 0; i < q->nt; i++)
		add(r, m, pl_wf_party_name(w, q->t[i].party));
}

/* The readers of group g's thread: its proposer and every party it invited. */
static void group_parties(const pl_wf *w, const pl_members *m, const pl_wf_group *g, readers *r)
{
	add(r, m, pl_wf_party_name(w, g->author));
	for (size_t i = 0; i < g->ninv; i++)
		add(r, m, pl_wf_party_name(w, g->inv[i].party));
}

/* The readers of session x's thread: its proposer and every participant. */
static void session_parties(const pl_wf *w, const pl_members *m, const pl_wf_session *x, readers *r)
{
	add(r, m, pl_wf_party_name(w, x->author));
	for (size_t i = 0; i < x->np; i++)
		add(r, m, pl_wf_party_name(w, x->p[i].party));
}

/*
 * The thread of s: its label (NULL for a statement outside threads), its
 * readers in *a and, for a request, the narrowed set in *narrow (n = 0
 * otherwise). Evidence and findings carry their own label and recipients:
 * their readers are their author and recipients, as their blobs'. The
 * targets exist: check_rules ran first.
 */
static const char *thread(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, readers *a,
			  readers *narrow)
{
	const pl_wf_case *c = NULL;
	const pl_wf_request *q = NULL;
	const pl_wf_group *g = NULL;
	a->n = narrow->n = 0;
	switch (b->type) {
	case PL_WF_GROUP_PROPOSE:
	case PL_WF_SESSION_PROPOSE:
	case PL_WF_CONCERN:
		add(a, m, s->author);
		for (size_t i = 0; i < b->nparties; i++)
			add(a, m, b->parties[i]);
		return b->tlp;
	case PL_WF_REQUEST:
		if ((c = pl_wf_case_get(w, b->target)) == NULL)
			return NULL;
		case_parties(w, m, c, a);
		add(narrow, m, s->author);
		for (size_t i = 0; i < b->nparties; i++)
			add(narrow, m, b->parties[i]);
		return c->tlp;
	case PL_WF_CLOSE:
		if ((c = pl_wf_case_get(w, b->target)) == NULL)
			return NULL;
		case_parties(w, m, c, a);
		return c->tlp;
	case PL_WF_ACK:
	case PL_WF_RESPONSE:
	case PL_WF_STATUS:
	case PL_WF_WITHDRAW:
		if ((q = pl_wf_request_get(w, b->target)) == NULL || (c = pl_wf_case_get(w, q->case_id)) == NULL)
			return NULL;
		request_parties(w, m, q, a);
		return c->tlp;
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		if ((g = pl_wf_group_get(w, b->target)) == NULL)
			return NULL;
		group_parties(w, m, g, a);
		return g->tlp;
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
	case PL_WF_OUTCOME_ENDORSE: {
		uint64_t sid = b->target;
		if (b->type == PL_WF_OUTCOME_ENDORSE) {
			const pl_wf_outcome *o = pl_wf_outcome_get(w, b->target);
			if (o == NULL)
				return NULL;
			sid = o->session_id;
		}
		const pl_wf_session *x = pl_wf_session_get(w, sid);
		if (x == NULL)
			return NULL;
		session_parties(w, m, x, a);
		return x->tlp;
	}
	case PL_WF_EVIDENCE:
	case PL_WF_FINDING:
		add(a, m, s->author);
		for (size_t i = 0; i < b->nparties; i++)
			add(a, m, b->parties[i]);
		return b->tlp;
	default:
		return NULL;
	}
}

/* Are the party entries of h exactly the names of r (h has no epoch entry, no name twice)? */
static bool same(const pl_seal_head *h, const readers *r)
{
	if (h->n != r->n)
		return false;
	for (size_t i = 0; i < r->n; i++) {
		size_t k = 0;
		while (k < h->n && strcmp(h->e[k].party, r->name[i]) != 0)
			k++;
		if (k == h->n)
			return false;
	}
	return true;
}

static void names(const readers *r, char *out, size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < r->n && at + 1 < cap; i++) {
		int k = snprintf(out + at, cap - at, "%s%s", i ? ", " : "", r->name[i]);
		if (k < 0)
			break;
		at += (size_t)k;
	}
}

static int check_head(const pl_members *m, const pl_stmt *s, const pl_wf_body *b, const char *label,
		      const readers *a, const readers *narrow, const pl_seal_head *h, pl_refusal *v)
{
	/* evidence and findings go to named recipients whatever their label, as their blobs do */
	bool green = strcmp(label, "TLP:GREEN") == 0 && b->type != PL_WF_EVIDENCE && b->type != PL_WF_FINDING;
	if (green)
		return pl_members_epoch_check(m, h, "a TLP:GREEN statement is", v);
	for (size_t i = 0; i < h->n; i++)
		if (h->e[i].type == PL_SEAL_EPOCH)
			return pl_refuse(v, PL_R_READERS_MISMATCH,
					 "a %s statement is sealed to the parties of its thread, not to the members' key", label);
	if (!same(h, a) && !(narrow->n > 0 && same(h, narrow))) {
		char want[160], alt[160];
		names(a, want, sizeof want);
		names(narrow, alt, sizeof alt);
		return pl_refuse(v, PL_R_READERS_MISMATCH, "the readers of this %s %s are %s%s%s%s",
				 pl_wf_type_name(b->type), label, want, narrow->n ? " (or, narrowed, " : "", alt,
				 narrow->n ? ")" : "");
	}
	for (size_t i = 0; i < h->n; i++) {
		const pl_member *e = pl_members_get(m, h->e[i].party);
		uint8_t fp[PL_SEAL_FP_SIZE];
		pl_seal_fingerprint(e->id.box_pk, fp); /* a name of a or narrow: an active member */
		if (memcmp(fp, h->e[i].fp, sizeof fp) != 0)
			return pl_refuse(v, PL_R_READER_KEY_STALE,
					 "sealed to a key of %s (fingerprint %02x%02x%02x%02x...) it does not hold at this "
					 "index: refresh the copy and seal again",
					 h->e[i].party, h->e[i].fp[0], h->e[i].fp[1], h->e[i].fp[2], h->e[i].fp[3]);
	}
	(void)s;
	return PL_OK;
}

int pl_wf_readers_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	int rc;
	readers a, narrow;
	if (b->seal == NULL)
		return PL_OK;
	const char *label = thread(w, m, s, b, &a, &narrow);
	if (label == NULL)
		return PL_OK; /* pl_wf_parse refused "sealed" in every other type */
	if (strcmp(label, "TLP:CLEAR") == 0)
		return pl_refuse(v, PL_R_SEALED_NOT_ALLOWED, "a TLP:CLEAR thread is in clear: no \"sealed\"");
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	if ((rc = pl_wf_sealed_head(b, h, v)) == PL_OK)
		rc = check_head(m, s, b, label, &a, &narrow, h, v);
	free(h);
	return rc;
}

int pl_wf_sealing_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	readers a, narrow;
	if (b->seal != NULL)
		return PL_OK;
	const char *label = thread(w, m, s, b, &a, &narrow);
	if (label == NULL || strcmp(label, "TLP:CLEAR") == 0)
		return PL_OK;
	return pl_refuse(v, PL_R_SEALING_REQUIRED, "a %s statement of a %s thread is sealed to its readers (\"sealed\")",
			 pl_wf_type_name(b->type), label);
}

int pl_wf_request_narrowed(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, bool *narrowed)
{
	int rc;
	readers a, narrow;
	pl_refusal v = {0};
	*narrowed = false;
	if (b->seal == NULL || b->type != PL_WF_REQUEST || thread(w, m, s, b, &a, &narrow) == NULL)
		return PL_OK;
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	if ((rc = pl_wf_sealed_head(b, h, &v)) == PL_OK)
		*narrowed = !same(h, &a) && same(h, &narrow);
	free(h);
	return rc == PL_ENOMEM ? PL_ENOMEM : PL_OK;
}
