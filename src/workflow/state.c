/* state.c - the workflow state engine (state.h). */
#include "workflow/state.h"

#include "workflow/vocab.h"

#include <stdlib.h>
#include <string.h>

void pl_wf_init(pl_wf *w)
{
	memset(w, 0, sizeof *w);
}

void pl_wf_release(pl_wf *w)
{
	for (size_t i = 0; i < w->nparties; i++)
		free(w->parties[i].subs);
	for (size_t i = 0; i < w->nsets; i++)
		free(w->sets[i].ids);
	for (size_t i = 0; i < w->ncases; i++) {
		free(w->cases[i].title);
		free(w->cases[i].recipients);
		free(w->cases[i].norms);
		free(w->cases[i].requests);
	}
	for (size_t i = 0; i < w->nrequests; i++)
		free(w->requests[i].t);
	for (size_t i = 0; i < w->npings; i++)
		free(w->pings[i].t);
	for (size_t i = 0; i < w->nevidence; i++) {
		free(w->evidence[i].title);
		free(w->evidence[i].recipients);
	}
	free(w->evidence);
	free(w->findings);
	free(w->parties);
	free(w->slots);
	free(w->sets);
	free(w->cases);
	free(w->requests);
	free(w->pings);
	memset(w, 0, sizeof *w);
}

/* Grows an array of elements of size sz to hold one more. */
static int grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return PL_OK;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, c * sz);
	if (q == NULL)
		return PL_ENOMEM;
	*p = q;
	*cap = c;
	return PL_OK;
}

/* ---- parties: names interned into numbers ---- */

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int find_party(const pl_wf *w, const char *name)
{
	if (w->nslots == 0)
		return -1;
	for (size_t i = name_hash(name) & (w->nslots - 1);; i = (i + 1) & (w->nslots - 1)) {
		uint32_t s = w->slots[i];
		if (s == 0)
			return -1;
		if (strcmp(w->parties[s - 1].name, name) == 0)
			return (int)(s - 1);
	}
}

static int rehash(pl_wf *w, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof *s);
	if (s == NULL)
		return PL_ENOMEM;
	for (size_t p = 0; p < w->nparties; p++) {
		size_t i = name_hash(w->parties[p].name) & (nslots - 1);
		while (s[i] != 0)
			i = (i + 1) & (nslots - 1);
		s[i] = (uint32_t)(p + 1);
	}
	free(w->slots);
	w->slots = s;
	w->nslots = nslots;
	return PL_OK;
}

/* The number of party name, added if new; -1 when out of memory. */
static int intern(pl_wf *w, const char *name)
{
	int p = find_party(w, name);
	if (p >= 0)
		return p;
	if (grow((void **)&w->parties, &w->capparties, w->nparties, sizeof *w->parties) != PL_OK)
		return -1;
	pl_wf_party *e = &w->parties[w->nparties++];
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	if (2 * w->nparties > w->nslots) {
		if (rehash(w, w->nslots ? w->nslots * 2 : 64) != PL_OK) {
			w->nparties--;
			return -1;
		}
	} else {
		size_t i = name_hash(name) & (w->nslots - 1);
		while (w->slots[i] != 0)
			i = (i + 1) & (w->nslots - 1);
		w->slots[i] = (uint32_t)w->nparties;
	}
	return (int)(w->nparties - 1);
}

int pl_wf_index_parties(pl_wf *w)
{
	if (w->nparties == 0)
		return PL_OK;
	size_t n = 64;
	while (2 * w->nparties > n)
		n *= 2;
	int rc = rehash(w, n);
	for (size_t p = 0; rc == PL_OK && p < w->nparties; p++)
		if (find_party(w, w->parties[p].name) != (int)p)
			rc = PL_EFORMAT; /* a name twice */
	return rc;
}

const char *pl_wf_party_name(const pl_wf *w, pl_pid p)
{
	return p < w->nparties ? w->parties[p].name : "?";
}

/* ---- lookups: objects are kept in index order ---- */

#define BSEARCH(arr, n, key)                                  \
	do {                                                  \
		size_t lo = 0, hi = (n);                      \
		while (lo < hi) {                             \
			size_t mid = lo + (hi - lo) / 2;      \
			if ((arr)[mid].id < (key))            \
				lo = mid + 1;                 \
			else                                  \
				hi = mid;                     \
		}                                             \
		return lo < (n) && (arr)[lo].id == (key) ? &(arr)[lo] : NULL; \
	} while (0)

const pl_wf_case *pl_wf_case_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->cases, w->ncases, id);
}

const pl_wf_request *pl_wf_request_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->requests, w->nrequests, id);
}

const pl_wf_ping *pl_wf_ping_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->pings, w->npings, id);
}

const pl_wf_evidence *pl_wf_evidence_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->evidence, w->nevidence, id);
}

const pl_wf_finding *pl_wf_finding_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->findings, w->nfindings, id);
}

int pl_wf_set_find(const pl_wf *w, const char *hash)
{
	for (size_t i = 0; i < w->nsets; i++)
		if (strcmp(w->sets[i].hash, hash) == 0)
			return (int)i;
	return -1;
}

static bool in_case(const pl_wf *w, const pl_wf_case *c, const char *party)
{
	int p = find_party(w, party);
	if (p < 0)
		return false;
	if (c->author == (pl_pid)p)
		return true;
	for (size_t i = 0; i < c->nrecipients; i++)
		if (c->recipients[i] == (pl_pid)p)
			return true;
	return false;
}

static const pl_wf_target *target_of(const pl_wf *w, const pl_wf_request *r, const char *party)
{
	int p = find_party(w, party);
	for (size_t i = 0; p >= 0 && i < r->nt; i++)
		if (r->t[i].party == (pl_pid)p)
			return &r->t[i];
	return NULL;
}

static bool subscribed(const pl_wf *w, const char *party, int set)
{
	int p = find_party(w, party);
	if (p < 0)
		return false;
	const pl_wf_party *e = &w->parties[p];
	for (size_t i = 0; i < e->nsubs; i++)
		if (e->subs[i].set == (uint32_t)set && e->subs[i].until == PL_WF_NONE)
			return true;
	return false;
}

static bool active_member(const pl_members *m, const char *party)
{
	const pl_member *e = pl_members_get(m, party);
	return e != NULL && e->active;
}

/* ---- rules ---- */

/* The request a statement is about, after the checks every such statement shares. */
static int open_request(const pl_wf *w, const pl_stmt *s, uint64_t id, const pl_wf_request **out, pl_refusal *v)
{
	const pl_wf_request *r = pl_wf_request_get(w, id);
	if (r == NULL)
		return pl_refuse(v, PL_R_REQUEST_UNKNOWN, "entry %llu is not a request", (unsigned long long)id);
	if (r->state == PL_REQ_WITHDRAWN)
		return pl_refuse(v, PL_R_REQUEST_WITHDRAWN, "request %llu was withdrawn by %s", (unsigned long long)id,
				 pl_wf_party_name(w, r->author));
	const pl_wf_case *c = pl_wf_case_get(w, r->case_id);
	if (c == NULL || c->closed)
		return pl_refuse(v, PL_R_CASE_CLOSED, "the case of request %llu is closed", (unsigned long long)id);
	(void)s;
	*out = r;
	return PL_OK;
}

/* An open request id addressed to s's author, who has not answered it yet (ack, response). */
static int unanswered(const pl_wf *w, const pl_stmt *s, uint64_t id, const pl_wf_request **r,
		      const pl_wf_target **t, pl_refusal *v)
{
	int rc;
	if ((rc = open_request(w, s, id, r, v)) != PL_OK)
		return rc;
	if ((*t = target_of(w, *r, s->author)) == NULL)
		return pl_refuse(v, PL_R_NOT_ADDRESSED, "request %llu is not addressed to %s",
				 (unsigned long long)(*r)->id, s->author);
	if ((*t)->answer_idx != PL_WF_NONE)
		return pl_refuse(v, PL_R_ALREADY_ANSWERED, "%s answered request %llu at entry %llu", s->author,
				 (unsigned long long)(*r)->id, (unsigned long long)(*t)->answer_idx);
	return PL_OK;
}

static int check_to_members(const pl_members *m, const pl_wf_body *b, pl_refusal *v)
{
	for (size_t i = 0; i < b->nparties; i++)
		if (!active_member(m, b->parties[i]))
			return pl_refuse(v, PL_R_UNKNOWN_PARTY, "%s is not an active member of this log",
					 b->parties[i]);
	return PL_OK;
}

int pl_wf_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	int rc;
	const pl_wf_request *r = NULL;
	const pl_wf_target *t;
	switch (b->type) {
	case PL_WF_PING:
		return check_to_members(m, b, v);
	case PL_WF_PONG: {
		const pl_wf_ping *p = pl_wf_ping_get(w, b->target);
		if (p == NULL)
			return pl_refuse(v, PL_R_NOT_A_PING, "entry %llu is not a ping", (unsigned long long)b->target);
		int me = find_party(w, s->author);
		for (size_t i = 0; me >= 0 && i < p->nt; i++) {
			if (p->t[i].party != (pl_pid)me)
				continue;
			if (p->t[i].pong_idx != PL_WF_NONE)
				return pl_refuse(v, PL_R_ALREADY_ANSWERED, "%s answered ping %llu at entry %llu",
						 s->author, (unsigned long long)b->target,
						 (unsigned long long)p->t[i].pong_idx);
			return PL_OK;
		}
		return pl_refuse(v, PL_R_NOT_ADDRESSED, "ping %llu is not addressed to %s",
				 (unsigned long long)b->target, s->author);
	}
	case PL_WF_NORMS_PUBLISH:
		if (pl_wf_set_find(w, b->set) >= 0)
			return pl_refuse(v, PL_R_NORMS_DUPLICATE, "the norm set %.16s... is already published", b->set);
		return PL_OK;
	case PL_WF_NORMS_SUBSCRIBE:
	case PL_WF_NORMS_WITHDRAW: {
		int set = pl_wf_set_find(w, b->set);
		if (set < 0)
			return pl_refuse(v, PL_R_NORMS_UNKNOWN, "no norm set %.16s... was published in this log", b->set);
		bool sub = subscribed(w, s->author, set);
		if (b->type == PL_WF_NORMS_SUBSCRIBE && sub)
			return pl_refuse(v, PL_R_ALREADY_SUBSCRIBED, "%s already subscribes to %s", s->author,
					 w->sets[set].name);
		if (b->type == PL_WF_NORMS_WITHDRAW && !sub)
			return pl_refuse(v, PL_R_NOT_SUBSCRIBED, "%s does not subscribe to %s", s->author,
					 w->sets[set].name);
		return PL_OK;
	}
	case PL_WF_CONCERN: {
		if ((rc = check_to_members(m, b, v)) != PL_OK)
			return rc;
		if (b->nnorms == 0)
			return PL_OK;
		int set = pl_wf_set_find(w, b->set);
		if (set < 0)
			return pl_refuse(v, PL_R_NORMS_UNKNOWN, "no norm set %.16s... was published in this log", b->set);
		for (size_t i = 0; i < b->nnorms; i++) {
			size_t k = 0;
			while (k < w->sets[set].nids && strcmp(w->sets[set].ids[k], b->norm_ids[i]) != 0)
				k++;
			if (k == w->sets[set].nids)
				return pl_refuse(v, PL_R_NORM_UNKNOWN, "the set %s has no norm \"%s\"", w->sets[set].name,
						 b->norm_ids[i]);
		}
		return PL_OK;
	}
	case PL_WF_REQUEST: {
		const pl_wf_case *c = pl_wf_case_get(w, b->target);
		if (c == NULL)
			return pl_refuse(v, PL_R_CASE_UNKNOWN, "entry %llu is not a concern", (unsigned long long)b->target);
		if (c->closed)
			return pl_refuse(v, PL_R_CASE_CLOSED, "case %llu was closed at entry %llu",
					 (unsigned long long)c->id, (unsigned long long)c->closed_idx);
		if (!in_case(w, c, s->author))
			return pl_refuse(v, PL_R_NOT_PARTICIPANT, "%s is not a party to case %llu", s->author,
					 (unsigned long long)c->id);
		for (size_t i = 0; i < b->nparties; i++)
			if (!in_case(w, c, b->parties[i]))
				return pl_refuse(v, PL_R_ADDRESSEE_NOT_PARTICIPANT, "%s is not a party to case %llu",
						 b->parties[i], (unsigned long long)c->id);
		return check_to_members(m, b, v);
	}
	case PL_WF_ACK:
		if ((rc = unanswered(w, s, b->target, &r, &t, v)) != PL_OK)
			return rc;
		if (t->ack_idx != PL_WF_NONE)
			return pl_refuse(v, PL_R_ALREADY_ACKNOWLEDGED, "%s acknowledged request %llu at entry %llu",
					 s->author, (unsigned long long)r->id, (unsigned long long)t->ack_idx);
		return PL_OK;
	case PL_WF_RESPONSE:
		if ((rc = unanswered(w, s, b->target, &r, &t, v)) != PL_OK)
			return rc;
		if (r->kind == PL_KIND_PRESERVATION && (b->kind == PL_RESP_GRANTED || b->kind == PL_RESP_PARTLY) &&
		    b->preserved_until == 0)
			return pl_refuse(v, PL_R_PRESERVATION_EXPIRY_MISSING, 
					 "a preservation confirmation states until when the data is kept "
					 "(\"preserved_until\", at least 60 days away)");
		if (r->kind != PL_KIND_PRESERVATION && b->preserved_until != 0)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"preserved_until\" answers preservation requests only");
		return PL_OK;
	case PL_WF_STATUS:
		if ((rc = open_request(w, s, b->target, &r, v)) != PL_OK)
			return rc;
		if (b->kind == PL_STATUS_QUERY && strcmp(pl_wf_party_name(w, r->author), s->author) != 0)
			return pl_refuse(v, PL_R_NOT_REQUESTER, "only %s, who made request %llu, asks for its status",
					 pl_wf_party_name(w, r->author), (unsigned long long)r->id);
		if (b->kind == PL_STATUS_UPDATE && target_of(w, r, s->author) == NULL)
			return pl_refuse(v, PL_R_NOT_ADDRESSED, "request %llu is not addressed to %s",
					 (unsigned long long)r->id, s->author);
		return PL_OK;
	case PL_WF_WITHDRAW: {
		if ((rc = open_request(w, s, b->target, &r, v)) != PL_OK)
			return rc;
		if (strcmp(pl_wf_party_name(w, r->author), s->author) != 0)
			return pl_refuse(v, PL_R_NOT_REQUESTER, "only %s, who made request %llu, may withdraw it",
					 pl_wf_party_name(w, r->author), (unsigned long long)r->id);
		size_t open = 0;
		for (size_t i = 0; i < r->nt; i++)
			open += r->t[i].answer_idx == PL_WF_NONE;
		if (open == 0)
			return pl_refuse(v, PL_R_ALREADY_ANSWERED, "every addressee has answered request %llu",
					 (unsigned long long)r->id);
		return PL_OK;
	}
	case PL_WF_CLOSE: {
		const pl_wf_case *c = pl_wf_case_get(w, b->target);
		if (c == NULL)
			return pl_refuse(v, PL_R_CASE_UNKNOWN, "entry %llu is not a concern", (unsigned long long)b->target);
		if (strcmp(pl_wf_party_name(w, c->author), s->author) != 0)
			return pl_refuse(v, PL_R_NOT_CASE_AUTHOR, "only %s, who raised case %llu, may close it",
					 pl_wf_party_name(w, c->author), (unsigned long long)c->id);
		if (c->closed)
			return pl_refuse(v, PL_R_CASE_CLOSED, "case %llu was closed at entry %llu",
					 (unsigned long long)c->id, (unsigned long long)c->closed_idx);
		return PL_OK;
	}
	case PL_WF_EVIDENCE:
	case PL_WF_FINDING: {
		uint64_t cid = b->target;
		if (b->type == PL_WF_FINDING) {
			const pl_wf_evidence *ev = pl_wf_evidence_get(w, b->target);
			if (ev == NULL)
				return pl_refuse(v, PL_R_EVIDENCE_UNKNOWN, "entry %llu is not an evidence statement",
						 (unsigned long long)b->target);
			cid = ev->case_id;
		}
		const pl_wf_case *c = pl_wf_case_get(w, cid);
		if (c == NULL)
			return pl_refuse(v, PL_R_CASE_UNKNOWN, "entry %llu is not a concern", (unsigned long long)cid);
		if (c->closed)
			return pl_refuse(v, PL_R_CASE_CLOSED, "case %llu was closed at entry %llu", (unsigned long long)c->id,
					 (unsigned long long)c->closed_idx);
		if (!in_case(w, c, s->author))
			return pl_refuse(v, PL_R_NOT_PARTICIPANT, "%s is not a party to case %llu", s->author,
					 (unsigned long long)c->id);
		for (size_t i = 0; i < b->nparties; i++)
			if (!in_case(w, c, b->parties[i]))
				return pl_refuse(v, PL_R_RECIPIENT_NOT_PARTICIPANT, 
						 "%s is not a party to case %llu and may not receive its material", b->parties[i],
						 (unsigned long long)c->id);
		return check_to_members(m, b, v);
	}
	case PL_WF_NTYPES:
		break;
	}
	return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
}

/* ---- apply ---- */

static pl_wf_case *case_mut(pl_wf *w, uint64_t id)
{
	return (pl_wf_case *)(uintptr_t)pl_wf_case_get(w, id);
}

static pl_wf_request *request_mut(pl_wf *w, uint64_t id)
{
	return (pl_wf_request *)(uintptr_t)pl_wf_request_get(w, id);
}

static int apply_ping(pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (grow((void **)&w->pings, &w->cappings, w->npings, sizeof *w->pings) != PL_OK)
		return PL_ENOMEM;
	pl_wf_ping *p = &w->pings[w->npings];
	memset(p, 0, sizeof *p);
	p->id = index;
	p->author = (pl_pid)me;
	p->time = s->time;
	p->to_all = b->nparties == 0;
	size_t n = b->nparties ? b->nparties : m->n;
	p->t = calloc(n ? n : 1, sizeof *p->t);
	if (p->t == NULL)
		return PL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = b->nparties ? b->parties[i] : m->m[i].id.party;
		if (!b->nparties && (!m->m[i].active || strcmp(name, s->author) == 0))
			continue;
		int q = intern(w, name);
		if (q < 0) {
			free(p->t);
			return PL_ENOMEM;
		}
		p->t[p->nt].party = (pl_pid)q;
		p->t[p->nt].pong_idx = PL_WF_NONE;
		p->nt++;
	}
	w->npings++;
	return PL_OK;
}

static int apply_publish(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (grow((void **)&w->sets, &w->capsets, w->nsets, sizeof *w->sets) != PL_OK)
		return PL_ENOMEM;
	pl_wf_set *e = &w->sets[w->nsets];
	memset(e, 0, sizeof *e);
	memcpy(e->hash, b->set, sizeof e->hash);
	e->idx = index;
	e->author = (pl_pid)me;
	e->time = s->time;
	snprintf(e->name, sizeof e->name, "%s", json_string_value(json_object_get(s->body, "name")));
	snprintf(e->version, sizeof e->version, "%s", json_string_value(json_object_get(s->body, "version")));
	const json_t *norms = json_object_get(s->body, "norms");
	e->nids = json_array_size(norms);
	e->ids = calloc(e->nids, sizeof *e->ids);
	if (e->ids == NULL)
		return PL_ENOMEM;
	for (size_t i = 0; i < e->nids; i++)
		snprintf(e->ids[i], sizeof e->ids[i], "%s",
			 json_string_value(json_object_get(json_array_get(norms, i), "id")));
	w->nsets++;
	return PL_OK;
}

static int apply_subscription(pl_wf *w, const pl_wf_body *b, uint64_t index, int me)
{
	int set = pl_wf_set_find(w, b->set);
	if (set < 0)
		return PL_EINVAL;
	pl_wf_party *p = &w->parties[me];
	if (b->type == PL_WF_NORMS_WITHDRAW) {
		for (size_t i = 0; i < p->nsubs; i++)
			if (p->subs[i].set == (uint32_t)set && p->subs[i].until == PL_WF_NONE)
				p->subs[i].until = index;
		return PL_OK;
	}
	if (grow((void **)&p->subs, &p->capsubs, p->nsubs, sizeof *p->subs) != PL_OK)
		return PL_ENOMEM;
	p->subs[p->nsubs++] = (pl_wf_sub){.set = (uint32_t)set, .since = index, .until = PL_WF_NONE};
	return PL_OK;
}

static int apply_concern(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (grow((void **)&w->cases, &w->capcases, w->ncases, sizeof *w->cases) != PL_OK)
		return PL_ENOMEM;
	pl_wf_case *c = &w->cases[w->ncases];
	memset(c, 0, sizeof *c);
	c->id = c->last_idx = index;
	c->author = (pl_pid)me;
	c->time = c->last_time = s->time;
	c->set = b->nnorms ? pl_wf_set_find(w, b->set) : -1;
	c->tlp = pl_tlp_labels[pl_vocab_find(pl_tlp_labels, b->tlp)];
	c->closed_idx = PL_WF_NONE;
	c->outcome = -1;
	/* the vocabulary's static strings, not the statement's */
	c->cls = pl_rsit_class(b->cls);
	c->rsit_type = b->rsit_type ? pl_rsit_type(b->cls, b->rsit_type) : NULL;
	c->title = strdup(b->title);
	c->recipients = calloc(b->nparties, sizeof *c->recipients);
	c->norms = b->nnorms ? calloc(b->nnorms, sizeof *c->norms) : NULL;
	if (c->title == NULL || c->recipients == NULL || (b->nnorms && c->norms == NULL))
		goto nomem;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = intern(w, b->parties[i]);
		if (q < 0)
			goto nomem;
		c->recipients[c->nrecipients++] = (pl_pid)q;
	}
	for (size_t i = 0; i < b->nnorms; i++)
		snprintf(c->norms[c->nnorms++], sizeof c->norms[0], "%s", b->norm_ids[i]);
	w->ncases++;
	return PL_OK;
nomem:
	free(c->title);
	free(c->recipients);
	free(c->norms);
	return PL_ENOMEM;
}

static int apply_request(pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, uint64_t index,
			 int me)
{
	pl_wf_case *c = case_mut(w, b->target);
	if (c == NULL)
		return PL_EINVAL;
	if (grow((void **)&w->requests, &w->caprequests, w->nrequests, sizeof *w->requests) != PL_OK ||
	    grow((void **)&c->requests, &c->caprequests, c->nrequests, sizeof *c->requests) != PL_OK)
		return PL_ENOMEM;
	pl_wf_request *r = &w->requests[w->nrequests];
	memset(r, 0, sizeof *r);
	r->id = r->last_idx = index;
	r->case_id = c->id;
	r->author = (pl_pid)me;
	r->kind = b->kind;
	r->time = s->time;
	r->due_default = b->due == 0;
	r->due = b->due ? b->due : s->time + m->charter.response_seconds;
	r->ack_due = s->time + m->charter.ack_seconds;
	if (r->ack_due > r->due)
		r->ack_due = r->due;
	r->state = PL_REQ_OPEN;
	r->ended_idx = PL_WF_NONE;
	r->t = calloc(b->nparties, sizeof *r->t);
	if (r->t == NULL)
		return PL_ENOMEM;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = intern(w, b->parties[i]);
		if (q < 0) {
			free(r->t);
			return PL_ENOMEM;
		}
		r->t[i] = (pl_wf_target){.party = (pl_pid)q, .ack_idx = PL_WF_NONE, .answer_idx = PL_WF_NONE,
					 .status = -1, .due = r->due};
	}
	r->nt = b->nparties;
	c->requests[c->nrequests++] = (uint32_t)w->nrequests;
	w->nrequests++;
	return PL_OK;
}

static int apply_answer(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index)
{
	pl_wf_request *r = request_mut(w, b->target);
	pl_wf_target *t = r ? (pl_wf_target *)(uintptr_t)target_of(w, r, s->author) : NULL;
	if (t == NULL)
		return PL_EINVAL; /* not admitted */
	r->last_idx = index;
	if (t->ack_idx == PL_WF_NONE) {
		t->ack_idx = index; /* a response acknowledges too */
		t->ack_time = s->time;
	}
	if (b->type == PL_WF_ACK)
		return PL_OK;
	t->responses++;
	t->status = b->kind;
	if (b->kind == PL_RESP_POSTPONED) {
		/* a postponement moves the deadline only when given before it */
		if (s->time <= t->due)
			t->due = b->until;
		return PL_OK;
	}
	t->answer_idx = index;
	t->answer_time = s->time;
	t->preserved_until = b->preserved_until;
	size_t open = 0;
	for (size_t i = 0; i < r->nt; i++)
		open += r->t[i].answer_idx == PL_WF_NONE;
	if (open == 0 && r->state == PL_REQ_OPEN)
		r->state = PL_REQ_ANSWERED;
	return PL_OK;
}

static int apply_evidence(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (grow((void **)&w->evidence, &w->capevidence, w->nevidence, sizeof *w->evidence) != PL_OK)
		return PL_ENOMEM;
	pl_wf_evidence *e = &w->evidence[w->nevidence];
	memset(e, 0, sizeof *e);
	e->id = index;
	e->case_id = b->target;
	e->author = (pl_pid)me;
	e->time = s->time;
	e->tlp = pl_tlp_labels[pl_vocab_find(pl_tlp_labels, b->tlp)];
	e->sealed = b->sealed;
	e->files = json_integer_value(json_object_get(s->body, "files"));
	e->bytes = json_integer_value(json_object_get(s->body, "bytes"));
	e->last_result = -1;
	e->title = strdup(b->title);
	e->recipients = calloc(b->nparties ? b->nparties : 1, sizeof *e->recipients);
	if (e->title == NULL || e->recipients == NULL)
		goto nomem;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = intern(w, b->parties[i]);
		if (q < 0)
			goto nomem;
		e->recipients[e->nrecipients++] = (pl_pid)q;
	}
	w->nevidence++;
	return PL_OK;
nomem:
	free(e->title);
	free(e->recipients);
	return PL_ENOMEM;
}

static int apply_finding(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	pl_wf_evidence *ev = (pl_wf_evidence *)(uintptr_t)pl_wf_evidence_get(w, b->target);
	if (ev == NULL)
		return PL_EINVAL;
	if (grow((void **)&w->findings, &w->capfindings, w->nfindings, sizeof *w->findings) != PL_OK)
		return PL_ENOMEM;
	w->findings[w->nfindings++] = (pl_wf_finding){.id = index, .evidence_id = ev->id, .author = (pl_pid)me,
						      .time = s->time, .result = b->kind,
						      .tlp = pl_tlp_labels[pl_vocab_find(pl_tlp_labels, b->tlp)]};
	ev->findings++;
	ev->last_result = b->kind;
	return PL_OK;
}

int pl_wf_apply(pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, uint64_t index, pl_wf_effect *e)
{
	pl_wf_effect ef = {.type = (int)b->type, .case_id = PL_WF_NONE, .request_id = PL_WF_NONE,
			   .ping_id = PL_WF_NONE, .evidence_id = PL_WF_NONE, .finding_id = PL_WF_NONE, .set = -1,
			   .party = -1};
	int me = intern(w, s->author);
	if (me < 0)
		return PL_ENOMEM;
	int rc = PL_OK;
	pl_wf_request *r;
	pl_wf_case *c;
	switch (b->type) {
	case PL_WF_PING:
		rc = apply_ping(w, m, s, b, index, me);
		ef.ping_id = index;
		break;
	case PL_WF_PONG: {
		pl_wf_ping *p = (pl_wf_ping *)(uintptr_t)pl_wf_ping_get(w, b->target);
		if (p == NULL)
			return PL_EINVAL;
		for (size_t i = 0; i < p->nt; i++)
			if (p->t[i].party == (pl_pid)me) {
				p->t[i].pong_idx = index;
				p->t[i].pong_time = s->time;
			}
		ef.ping_id = b->target;
		break;
	}
	case PL_WF_NORMS_PUBLISH:
		rc = apply_publish(w, s, b, index, me);
		ef.set = (int)w->nsets - 1;
		break;
	case PL_WF_NORMS_SUBSCRIBE:
	case PL_WF_NORMS_WITHDRAW:
		rc = apply_subscription(w, b, index, me);
		ef.set = pl_wf_set_find(w, b->set);
		ef.party = me;
		break;
	case PL_WF_CONCERN:
		rc = apply_concern(w, s, b, index, me);
		ef.case_id = index;
		break;
	case PL_WF_REQUEST:
		rc = apply_request(w, m, s, b, index, me);
		ef.case_id = b->target;
		ef.request_id = index;
		break;
	case PL_WF_ACK:
	case PL_WF_RESPONSE:
		rc = apply_answer(w, s, b, index);
		ef.request_id = b->target;
		break;
	case PL_WF_STATUS:
		if ((r = request_mut(w, b->target)) == NULL)
			return PL_EINVAL;
		r->last_idx = index;
		if (b->kind == PL_STATUS_QUERY)
			r->queries++;
		else
			r->updates++;
		ef.request_id = b->target;
		break;
	case PL_WF_WITHDRAW:
		if ((r = request_mut(w, b->target)) == NULL)
			return PL_EINVAL;
		r->state = PL_REQ_WITHDRAWN;
		r->ended_idx = r->last_idx = index;
		r->ended_time = s->time;
		ef.request_id = b->target;
		break;
	case PL_WF_CLOSE:
		if ((c = case_mut(w, b->target)) == NULL)
			return PL_EINVAL;
		c->closed = true;
		c->closed_idx = index;
		c->closed_time = s->time;
		c->outcome = b->kind;
		for (size_t i = 0; i < c->nrequests; i++) {
			r = &w->requests[c->requests[i]];
			if (r->state == PL_REQ_OPEN) {
				r->state = PL_REQ_CLOSED;
				r->ended_idx = index;
				r->ended_time = s->time;
			}
		}
		ef.case_id = b->target;
		break;
	case PL_WF_EVIDENCE:
		rc = apply_evidence(w, s, b, index, me);
		ef.case_id = b->target;
		ef.evidence_id = index;
		break;
	case PL_WF_FINDING:
		rc = apply_finding(w, s, b, index, me);
		ef.evidence_id = b->target;
		ef.finding_id = index;
		if (rc == PL_OK) {
			const pl_wf_evidence *ev = pl_wf_evidence_get(w, b->target); /* found: apply_finding used it */
			if (ev != NULL)
				ef.case_id = ev->case_id;
		}
		break;
	case PL_WF_NTYPES:
		break;
	}
	if (rc != PL_OK)
		return rc;
	if (ef.request_id != PL_WF_NONE && ef.case_id == PL_WF_NONE && (r = request_mut(w, ef.request_id)) != NULL)
		ef.case_id = r->case_id;
	if (ef.case_id != PL_WF_NONE && (c = case_mut(w, ef.case_id)) != NULL) {
		c->last_idx = index;
		c->last_time = s->time;
	}
	if (e != NULL)
		*e = ef;
	return PL_OK;
}
