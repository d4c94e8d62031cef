/* state_apply.c - an admitted statement recorded in the workflow state
 * (pl_wf_apply), and what it touched reported for the index. */
#include "workflow/state_impl.h"

#include "workflow/vocab.h"

#include <string.h>

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
	if (pl_array_grow((void **)&w->pings, &w->cappings, w->npings, sizeof *w->pings) != PL_OK)
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
		int q = pl_wf_intern(w, name);
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
	if (pl_array_grow((void **)&w->sets, &w->capsets, w->nsets, sizeof *w->sets) != PL_OK)
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
	if (pl_array_grow((void **)&p->subs, &p->capsubs, p->nsubs, sizeof *p->subs) != PL_OK)
		return PL_ENOMEM;
	p->subs[p->nsubs++] = (pl_wf_sub){.set = (uint32_t)set, .since = index, .until = PL_WF_NONE};
	return PL_OK;
}

static int apply_concern(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (pl_array_grow((void **)&w->cases, &w->capcases, w->ncases, sizeof *w->cases) != PL_OK)
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
	c->cls = b->cls ? pl_rsit_class(b->cls) : NULL; /* NULL, and title "": sealed */
	c->rsit_type = b->cls && b->rsit_type ? pl_rsit_type(b->cls, b->rsit_type) : NULL;
	c->title = strdup(b->title ? b->title : "");
	c->recipients = calloc(b->nparties, sizeof *c->recipients);
	c->norms = b->nnorms ? calloc(b->nnorms, sizeof *c->norms) : NULL;
	if (c->title == NULL || c->recipients == NULL || (b->nnorms && c->norms == NULL))
		goto nomem;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = pl_wf_intern(w, b->parties[i]);
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
	if (pl_array_grow((void **)&w->requests, &w->caprequests, w->nrequests, sizeof *w->requests) != PL_OK ||
	    pl_array_grow((void **)&c->requests, &c->caprequests, c->nrequests, sizeof *c->requests) != PL_OK)
		return PL_ENOMEM;
	pl_wf_request *r = &w->requests[w->nrequests];
	memset(r, 0, sizeof *r);
	r->id = r->last_idx = index;
	r->case_id = c->id;
	r->author = (pl_pid)me;
	r->kind = b->kind;
	r->time = s->time;
	r->due_default = b->due == 0;
	if (pl_wf_request_narrowed(w, m, s, b, &r->narrowed) != PL_OK)
		return PL_ENOMEM;
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
		int q = pl_wf_intern(w, b->parties[i]);
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
	pl_wf_target *t = r ? (pl_wf_target *)(uintptr_t)pl_wf_target_of(w, r, s->author) : NULL;
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
	if (pl_array_grow((void **)&w->evidence, &w->capevidence, w->nevidence, sizeof *w->evidence) != PL_OK)
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
		int q = pl_wf_intern(w, b->parties[i]);
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
	if (pl_array_grow((void **)&w->findings, &w->capfindings, w->nfindings, sizeof *w->findings) != PL_OK)
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
			   .ping_id = PL_WF_NONE, .evidence_id = PL_WF_NONE, .finding_id = PL_WF_NONE, .group_id = PL_WF_NONE, .session_id = PL_WF_NONE,
			   .outcome_id = PL_WF_NONE, .set = -1,
			   .party = -1};
	int me = pl_wf_intern(w, s->author);
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
	case PL_WF_GROUP_PROPOSE:
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		rc = pl_wf_apply_group(w, s, b, index, me);
		ef.group_id = b->type == PL_WF_GROUP_PROPOSE ? index : b->target;
		break;
	case PL_WF_SESSION_PROPOSE:
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
	case PL_WF_OUTCOME_ENDORSE:
		rc = pl_wf_apply_session(w, s, b, index, me, &ef);
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
