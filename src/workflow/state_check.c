/* state_check.c - the workflow rules that depend on the log so far
 * (pl_wf_check): each statement checked against the state, every broken rule
 * refused with its own code. */
#include "workflow/state_impl.h"

#include "workflow/vocab.h"

#include <string.h>

static bool in_case(const pl_wf *w, const pl_wf_case *c, const char *party)
{
	int p = pl_wf_find_party(w, party);
	if (p < 0)
		return false;
	if (c->author == (pl_pid)p)
		return true;
	for (size_t i = 0; i < c->nrecipients; i++)
		if (c->recipients[i] == (pl_pid)p)
			return true;
	return false;
}

static bool subscribed(const pl_wf *w, const char *party, int set)
{
	int p = pl_wf_find_party(w, party);
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
	if ((*t = pl_wf_target_of(w, *r, s->author)) == NULL)
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

/* The time of the object a statement answers or adds to (its target), or INT64_MIN when it has none. */
static int64_t target_time(const pl_wf *w, const pl_wf_body *b)
{
	const pl_wf_case *c;
	const pl_wf_request *r;
	const pl_wf_ping *p;
	const pl_wf_evidence *e;
	const pl_wf_group *g;
	const pl_wf_session *x;
	const pl_wf_outcome *o;
	switch (b->type) {
	case PL_WF_PONG:
		return (p = pl_wf_ping_get(w, b->target)) != NULL ? p->time : INT64_MIN;
	case PL_WF_REQUEST:
	case PL_WF_CLOSE:
	case PL_WF_EVIDENCE:
		return (c = pl_wf_case_get(w, b->target)) != NULL ? c->time : INT64_MIN;
	case PL_WF_ACK:
	case PL_WF_RESPONSE:
	case PL_WF_STATUS:
	case PL_WF_WITHDRAW:
		return (r = pl_wf_request_get(w, b->target)) != NULL ? r->time : INT64_MIN;
	case PL_WF_FINDING:
		return (e = pl_wf_evidence_get(w, b->target)) != NULL ? e->time : INT64_MIN;
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		return (g = pl_wf_group_get(w, b->target)) != NULL ? g->time : INT64_MIN;
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
		return (x = pl_wf_session_get(w, b->target)) != NULL ? x->time : INT64_MIN;
	case PL_WF_OUTCOME_ENDORSE:
		return (o = pl_wf_outcome_get(w, b->target)) != NULL ? o->time : INT64_MIN;
	default:
		return INT64_MIN;
	}
}

static int check_rules(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v);

int pl_wf_check(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	int rc = check_rules(w, m, s, b, v);
	if (rc != PL_OK || (rc = pl_wf_readers_check(w, m, s, b, v)) != PL_OK)
		return rc;
	/* nothing is dated before what it answers: an answer before its question would read as a negative
	 * response time (clients date a statement no earlier than the entries it refers to) */
	int64_t t = target_time(w, b);
	if (s->time < t)
		return pl_refuse(v, PL_R_DATED_BEFORE_TARGET, "the statement is dated %lld s before the entry it answers",
				 (long long)(t - s->time));
	if (b->type == PL_WF_FINDING) {
		const pl_wf_evidence *e = pl_wf_evidence_get(w, b->target);
		if (e != NULL && strcmp(pl_wf_party_name(w, e->author), s->author) == 0)
			return pl_refuse(v, PL_R_OWN_EVIDENCE, "a finding on evidence is made by another party than its author");
	}
	return PL_OK;
}

static int check_rules(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
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
		int me = pl_wf_find_party(w, s->author);
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
		if ((rc = check_to_members(m, b, v)) != PL_OK ||
		    (b->has_group && (rc = pl_wf_in_group(w, b->group, s->author, b->parties, b->nparties, v)) != PL_OK))
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
		if (b->kind == PL_STATUS_UPDATE && pl_wf_target_of(w, r, s->author) == NULL)
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
	case PL_WF_GROUP_PROPOSE:
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		return pl_wf_check_group(w, m, s, b, v);
	case PL_WF_SESSION_PROPOSE:
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
	case PL_WF_OUTCOME_ENDORSE:
		return pl_wf_check_session(w, m, s, b, v);
	case PL_WF_NTYPES:
		break;
	}
	return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
}
