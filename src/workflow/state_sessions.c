/* state_sessions.c - consultation sessions, their outcomes and endorsements in the workflow state
 * (state_impl.h: pl_wf_check_session, pl_wf_apply_session; docs/groups.md, sections 3 and 4;
 * docs/workflow.md, "Consultation sessions"). */
#include "workflow/state_impl.h"

#include "base/buf.h"
#include "workflow/vocab.h"

#include <string.h>

static bool is_convener(const pl_wf *w, const pl_wf_session *x, const char *party)
{
	return strcmp(pl_wf_party_name(w, x->author), party) == 0;
}

/* A party to the case c (its author or a recipient). */
static bool case_party(const pl_wf *w, const pl_wf_case *c, const char *party)
{
	if (strcmp(pl_wf_party_name(w, c->author), party) == 0)
		return true;
	for (size_t i = 0; i < c->nrecipients; i++)
		if (strcmp(pl_wf_party_name(w, c->recipients[i]), party) == 0)
			return true;
	return false;
}

/* The case entry id is, or whose request it is; NULL for anything else. */
static const pl_wf_case *thread_case(const pl_wf *w, uint64_t id)
{
	const pl_wf_case *c = pl_wf_case_get(w, id);
	const pl_wf_request *r = c == NULL ? pl_wf_request_get(w, id) : NULL;
	return c != NULL ? c : r != NULL ? pl_wf_case_get(w, r->case_id) : NULL;
}

static int check_propose(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	for (size_t k = 0; k < b->nparties; k++) {
		const pl_member *e = pl_members_get(m, b->parties[k]);
		if (e == NULL || !e->active)
			return pl_refuse(v, PL_R_UNKNOWN_PARTY, "%s is not an active member of this log", b->parties[k]);
	}
	int rc;
	if (b->has_group && (rc = pl_wf_in_group(w, b->group, s->author, b->parties, b->nparties, v)) != PL_OK)
		return rc;
	for (size_t t = 0; t < b->nthreads; t++) {
		const pl_wf_case *c = thread_case(w, b->threads[t]);
		if (c == NULL)
			return pl_refuse(v, PL_R_CASE_UNKNOWN, "the agenda's entry %llu is neither a case nor a request",
					 (unsigned long long)b->threads[t]);
		if (!case_party(w, c, s->author))
			return pl_refuse(v, PL_R_AGENDA_NOT_PARTICIPANT, "%s is not a party to case %llu", s->author,
					 (unsigned long long)c->id);
		for (size_t k = 0; k < b->nparties; k++)
			if (!case_party(w, c, b->parties[k]))
				return pl_refuse(v, PL_R_AGENDA_NOT_PARTICIPANT,
						 "%s is not a party to case %llu: the agenda would name a thread to someone "
						 "who cannot read it",
						 b->parties[k], (unsigned long long)c->id);
	}
	return PL_OK;
}

/* The session a statement is about, neither held nor cancelled. */
static int open_session(const pl_wf *w, uint64_t id, const pl_wf_session **out, pl_refusal *v)
{
	const pl_wf_session *x = pl_wf_session_get(w, id);
	if (x == NULL)
		return pl_refuse(v, PL_R_SESSION_UNKNOWN, "entry %llu is not a session proposal", (unsigned long long)id);
	if (x->state == PL_SESSION_HELD || x->state == PL_SESSION_CANCELLED)
		return pl_refuse(v, PL_R_SESSION_ENDED, "session %llu was %s at entry %llu", (unsigned long long)id,
				 x->state == PL_SESSION_HELD ? "held" : "cancelled", (unsigned long long)x->ended_idx);
	*out = x;
	return PL_OK;
}

int pl_wf_check_session(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	int rc;
	const pl_wf_session *x = NULL;
	const pl_wf_participant *p;
	if (b->type == PL_WF_SESSION_PROPOSE)
		return check_propose(w, m, s, b, v);
	if (b->type == PL_WF_OUTCOME_ENDORSE) {
		const pl_wf_outcome *o = pl_wf_outcome_get(w, b->target);
		if (o == NULL)
			return pl_refuse(v, PL_R_SESSION_OUTCOME_UNKNOWN, "entry %llu is not a session's outcome",
					 (unsigned long long)b->target);
		const pl_wf_position *mine = NULL;
		for (size_t i = 0; i < o->npos; i++)
			if (strcmp(pl_wf_party_name(w, o->pos[i].party), s->author) == 0)
				mine = &o->pos[i];
		if (mine == NULL)
			return pl_refuse(v, PL_R_NOT_SESSION_PARTICIPANT, "%s took no part in session %llu", s->author,
					 (unsigned long long)o->session_id);
		if (mine->position == PL_POSITION_ENDORSE)
			return pl_refuse(v, PL_R_ALREADY_ENDORSED, "%s endorsed outcome %llu at entry %llu: an endorsement stands",
					 s->author, (unsigned long long)o->id, (unsigned long long)mine->idx);
		return PL_OK;
	}
	if (b->type == PL_WF_SESSION_OUTCOME) {
		if ((x = pl_wf_session_get(w, b->target)) == NULL)
			return pl_refuse(v, PL_R_SESSION_UNKNOWN, "entry %llu is not a session proposal", (unsigned long long)b->target);
		if (x->state != PL_SESSION_HELD)
			return pl_refuse(v, PL_R_SESSION_NOT_HELD, "session %llu was not held: it has no outcome",
					 (unsigned long long)x->id);
		if (!is_convener(w, x, s->author) && pl_wf_participant_of(w, x, s->author) == NULL)
			return pl_refuse(v, PL_R_NOT_SESSION_PARTICIPANT, "%s took no part in session %llu", s->author,
					 (unsigned long long)x->id);
		return PL_OK;
	}
	if ((rc = open_session(w, b->target, &x, v)) != PL_OK || x == NULL)
		return rc;
	p = pl_wf_participant_of(w, x, s->author);
	switch (b->type) {
	case PL_WF_SESSION_ANSWER:
		if (p == NULL)
			return pl_refuse(v, PL_R_NOT_INVITED, "%s is not a participant of session %llu", s->author,
					 (unsigned long long)x->id);
		if (p->answer_idx != PL_WF_NONE)
			return pl_refuse(v, PL_R_ALREADY_ANSWERED, "%s answered session %llu at entry %llu (to withdraw, it "
								   "cancels)",
					 s->author, (unsigned long long)x->id, (unsigned long long)p->answer_idx);
		return PL_OK;
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_HELD:
		if (!is_convener(w, x, s->author))
			return pl_refuse(v, PL_R_NOT_CONVENER, "session %llu is %s by its proposer, %s", (unsigned long long)x->id,
					 b->type == PL_WF_SESSION_HELD ? "recorded as held" : "rescheduled",
					 pl_wf_party_name(w, x->author));
		if (b->type == PL_WF_SESSION_HELD && (b->win_from < x->from || b->win_from > x->until))
			return pl_refuse(v, PL_R_HELD_OUTSIDE_WINDOW, "session %llu's window is %lld to %lld; held_at is %lld",
					 (unsigned long long)x->id, (long long)x->from, (long long)x->until, (long long)b->win_from);
		return PL_OK;
	case PL_WF_SESSION_CANCEL:
		if (p == NULL && !is_convener(w, x, s->author))
			return pl_refuse(v, PL_R_NOT_SESSION_PARTICIPANT, "%s takes no part in session %llu", s->author,
					 (unsigned long long)x->id);
		if (b->nthreads == 1 && thread_case(w, b->threads[0]) == NULL)
			return pl_refuse(v, PL_R_CASE_UNKNOWN, "the cancellation cites entry %llu, neither a case nor a request",
					 (unsigned long long)b->threads[0]);
		return PL_OK;
	default:
		return PL_OK;
	}
}

static int apply_propose(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (pl_array_grow((void **)&w->sessions, &w->capsessions, w->nsessions, sizeof *w->sessions) != PL_OK)
		return PL_ENOMEM;
	pl_wf_session *x = &w->sessions[w->nsessions];
	*x = (pl_wf_session){.id = index, .author = (pl_pid)me, .time = s->time, .due = b->due, .from = b->win_from,
			     .until = b->win_until, .tlp = pl_tlp_labels[pl_vocab_find(pl_tlp_labels, b->tlp)],
			     .group = b->has_group ? b->group : PL_WF_NONE, .state = PL_SESSION_PROPOSED,
			     .ended_idx = PL_WF_NONE, .cites = PL_WF_NONE, .last_idx = index};
	if ((x->p = calloc(b->nparties, sizeof *x->p)) == NULL)
		return PL_ENOMEM;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = pl_wf_intern(w, b->parties[i]);
		if (q < 0) {
			free(x->p);
			return PL_ENOMEM;
		}
		x->p[i] = (pl_wf_participant){.party = (pl_pid)q, .answer = -1, .answer_idx = PL_WF_NONE};
	}
	x->np = b->nparties;
	w->nsessions++;
	return PL_OK;
}

/* An outcome of session x: a position for its proposer and each participant, none taken yet. */
static int apply_outcome(pl_wf *w, pl_wf_session *x, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (pl_array_grow((void **)&w->outcomes, &w->capoutcomes, w->noutcomes, sizeof *w->outcomes) != PL_OK)
		return PL_ENOMEM;
	pl_wf_outcome *o = &w->outcomes[w->noutcomes];
	*o = (pl_wf_outcome){.id = index, .session_id = x->id, .author = (pl_pid)me, .time = s->time, .kind = b->kind,
			     .agreed_idx = PL_WF_NONE};
	if ((o->pos = calloc(x->np + 1, sizeof *o->pos)) == NULL)
		return PL_ENOMEM;
	o->pos[0] = (pl_wf_position){.party = x->author, .position = -1, .idx = PL_WF_NONE};
	for (size_t i = 0; i < x->np; i++)
		o->pos[i + 1] = (pl_wf_position){.party = x->p[i].party, .position = -1, .idx = PL_WF_NONE};
	o->npos = x->np + 1;
	x->outcomes++;
	w->noutcomes++;
	return PL_OK;
}

static int apply_endorse(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me, pl_wf_effect *ef)
{
	pl_wf_outcome *o = (pl_wf_outcome *)(uintptr_t)pl_wf_outcome_get(w, b->target);
	if (o == NULL)
		return PL_EINVAL;
	size_t endorsed = 0;
	for (size_t i = 0; i < o->npos; i++) {
		pl_wf_position *p = &o->pos[i];
		if (p->party == (pl_pid)me)
			*p = (pl_wf_position){.party = p->party, .position = b->kind, .idx = index, .time = s->time};
		endorsed += p->position == PL_POSITION_ENDORSE;
	}
	if (endorsed == o->npos && o->agreed_idx == PL_WF_NONE) {
		o->agreed_idx = index;
		o->agreed_time = s->time;
	}
	ef->outcome_id = o->id;
	ef->session_id = o->session_id;
	pl_wf_session *x = (pl_wf_session *)(uintptr_t)pl_wf_session_get(w, o->session_id);
	if (x != NULL)
		x->last_idx = index;
	return PL_OK;
}

int pl_wf_apply_session(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me, pl_wf_effect *ef)
{
	if (b->type == PL_WF_SESSION_PROPOSE) {
		ef->session_id = index;
		return apply_propose(w, s, b, index, me);
	}
	if (b->type == PL_WF_OUTCOME_ENDORSE)
		return apply_endorse(w, s, b, index, me, ef);
	pl_wf_session *x = (pl_wf_session *)(uintptr_t)pl_wf_session_get(w, b->target);
	if (x == NULL)
		return PL_EINVAL;
	ef->session_id = x->id;
	x->last_idx = index;
	pl_wf_participant *p = (pl_wf_participant *)(uintptr_t)pl_wf_participant_of(w, x, s->author);
	switch (b->type) {
	case PL_WF_SESSION_ANSWER: {
		if (p == NULL)
			return PL_EINVAL;
		p->answer = b->kind;
		p->answer_idx = index;
		p->answer_time = s->time;
		size_t accepted = 0;
		for (size_t i = 0; i < x->np; i++)
			accepted += x->p[i].answer == PL_ANSWER_ACCEPT;
		if (accepted == x->np)
			x->state = PL_SESSION_ACCEPTED;
		return PL_OK;
	}
	case PL_WF_SESSION_RESCHEDULE:
		x->from = b->win_from;
		x->until = b->win_until;
		x->reschedules++;
		return PL_OK;
	case PL_WF_SESSION_CANCEL:
		x->state = PL_SESSION_CANCELLED;
		x->ended_idx = index;
		x->ended_time = s->time;
		x->cancelled_by = (pl_pid)me;
		x->cites = b->nthreads == 1 ? b->threads[0] : PL_WF_NONE;
		return PL_OK;
	case PL_WF_SESSION_HELD:
		x->state = PL_SESSION_HELD;
		x->ended_idx = index;
		x->ended_time = s->time;
		x->held_at = b->win_from;
		return PL_OK;
	case PL_WF_SESSION_OUTCOME:
		ef->outcome_id = index;
		return apply_outcome(w, x, s, b, index, me);
	default:
		return PL_EINVAL;
	}
}
