/* types_sessions.c - the bodies of consultation sessions, their outcomes and endorsements, checked on
 * their own (types.h; docs/groups.md, section 2; docs/workflow.md, "Consultation sessions"). Sealed,
 * the agenda's texts, the format, the place, every reason and note and an outcome's text are in the
 * sealed body: their rules (an agenda, a known format, reasons to decline, reschedule and cancel, a
 * dissent's note, due_reason) become content rules. */
#include "workflow/types_impl.h"

#include "base/json.h"
#include "base/timefmt.h"
#include "workflow/vocab.h"

#include <string.h>

#define AGENDA_ITEMS_MAX 16
#define AGENDA_ITEM_MAX 1024
#define PLACE_MAX 256
#define NOTE_MAX 1024

/* A required time field (body_invalid when absent or malformed). */
static int time_field(const json_t *o, const char *key, int64_t *out, pl_refusal *v)
{
	const char *t;
	int rc = pl_wf_str(o, key, PL_TIME_LEN, true, &t, v);
	if (rc == PL_OK && pl_time_parse(t, strlen(t), out) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must be a time like 2026-01-31T12:00:00Z", key);
	return rc;
}

/* "window": {"from", "until"}, from after the statement's time, until after from, at most 30 days. */
static int window(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	static const char *const keys[] = {"from", "until", NULL};
	const json_t *w = json_object_get(s->body, "window");
	pl_diag d = {0};
	if (!json_is_object(w) || pl_json_keys(w, keys, keys, "\"window\"", &d) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg[0] ? d.msg : "\"window\" must be {\"from\", \"until\"}");
	int rc;
	if ((rc = time_field(w, "from", &b->win_from, v)) != PL_OK || (rc = time_field(w, "until", &b->win_until, v)) != PL_OK)
		return rc;
	if (b->win_from <= s->time)
		return pl_refuse(v, PL_R_DATE_PAST, "the window must start after the statement's time");
	if (b->win_until <= b->win_from || b->win_until - b->win_from > PL_WF_WINDOW_MAX)
		return pl_refuse(v, PL_R_WINDOW_INVALID, "a window ends after it starts, at most %d days later",
				 PL_WF_WINDOW_MAX / 86400);
	return PL_OK;
}

/* "threads": 1..16 distinct entries (cases or requests), each in refs. */
static int threads(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	const json_t *a = json_object_get(s->body, "threads");
	if (a == NULL)
		return PL_OK;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > PL_WF_THREADS_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"threads\" lists 1 to %d cases or requests", PL_WF_THREADS_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);
		json_int_t k = json_integer_value(x);
		if (!json_is_integer(x) || k < 0)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"threads\" lists entry indexes");
		if (!pl_stmt_has_ref(s, (uint64_t)k, NULL))
			return pl_refuse(v, PL_R_REF_MISSING, "the thread (entry %lld) must also be listed in refs", (long long)k);
		for (size_t j = 0; j < b->nthreads; j++)
			if (b->threads[j] == (uint64_t)k)
				return pl_refuse(v, PL_R_BODY_INVALID, "\"threads\" names entry %lld twice", (long long)k);
		b->threads[b->nthreads++] = (uint64_t)k;
	}
	return PL_OK;
}

/* The agenda: 1..16 texts of 1..1024 bytes (sealed: a content rule). */
static int agenda(const json_t *body, pl_refusal *v)
{
	const json_t *a = json_object_get(body, "agenda");
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > AGENDA_ITEMS_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"agenda\" lists 1 to %d items", AGENDA_ITEMS_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);
		if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > AGENDA_ITEM_MAX)
			return pl_refuse(v, PL_R_BODY_INVALID, "agenda items are texts of 1 to %d bytes", AGENDA_ITEM_MAX);
	}
	return PL_OK;
}

static int parse_propose(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc, tlp, format;
	static const char *const allowed[] = {"tlp", "participants", "window", "due", "group", "threads", "agenda",
					      "format", "place", "due_reason", NULL};
	static const char *const required[] = {"tlp", "participants", "window", "due", "agenda", "format", NULL};
	const char *place, *reason;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "tlp", pl_tlp_labels, PL_R_TLP_UNKNOWN, &tlp, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "place", PLACE_MAX, false, &place, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "due_reason", 1024, false, &reason, v)) != PL_OK ||
	    (rc = pl_wf_later(s, "due", &b->due, v)) != PL_OK || (rc = window(s, b, v)) != PL_OK ||
	    (rc = threads(s, b, v)) != PL_OK || (rc = pl_wf_party_list(s, "participants", PL_WF_PARTIES_MAX, b, v)) != PL_OK)
		return rc;
	b->tlp = pl_tlp_labels[tlp];
	if (!CLEAR(b) && tlp == PL_TLP_CLEAR)
		return pl_refuse(v, PL_R_SEALED_NOT_ALLOWED, "a TLP:CLEAR session is in clear: no \"sealed\"");
	if (b->due == 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "the body lacks \"due\": a proposal sets the answers' deadline");
	if (json_object_get(s->body, "group") != NULL) {
		if ((rc = pl_wf_ref_field(s, "group", &b->group, v)) != PL_OK)
			return rc;
		b->has_group = true;
	}
	if (!CLEAR(b))
		return PL_OK; /* agenda, format, place, due_reason: sealed, content rules */
	if (reason == NULL)
		return pl_refuse(v, PL_R_DUE_REASON_MISSING, "a proposal gives the reason for its deadline in \"due_reason\"");
	if ((rc = agenda(s->body, v)) != PL_OK)
		return rc;
	return pl_wf_word(s->body, "format", pl_session_formats, PL_R_FORMAT_UNKNOWN, &format, v);
}

int pl_wf_parse_session(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	const char *note;
	static const char *const answer_keys[] = {"session", "answer", "reasons", NULL};
	static const char *const answer_required[] = {"session", "answer", NULL};
	static const char *const resched_keys[] = {"session", "window", "reasons", NULL};
	static const char *const resched_required[] = {"session", "window", NULL};
	static const char *const cancel_keys[] = {"session", "cites", "reasons", NULL};
	static const char *const session_required[] = {"session", NULL};
	static const char *const held_keys[] = {"session", "held_at", "note", NULL};
	static const char *const held_required[] = {"session", "held_at", NULL};
	static const char *const outcome_keys[] = {"session", "kind", "text", NULL};
	static const char *const outcome_required[] = {"session", "kind", "text", NULL};
	static const char *const endorse_keys[] = {"outcome", "position", "note", NULL};
	static const char *const endorse_required[] = {"outcome", "position", NULL};
	switch (b->type) {
	case PL_WF_SESSION_PROPOSE:
		return parse_propose(s, b, v);
	case PL_WF_SESSION_ANSWER:
		if ((rc = pl_wf_keys(b, s->body, answer_keys, answer_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "session", &b->target, v)) != PL_OK ||
		    (rc = pl_wf_word(s->body, "answer", pl_group_answers, PL_R_ANSWER_UNKNOWN, &b->kind, v)) != PL_OK)
			return rc;
		return pl_wf_reasons(s, b, b->kind == PL_ANSWER_DECLINE, "declining a session", v);
	case PL_WF_SESSION_RESCHEDULE:
		if ((rc = pl_wf_keys(b, s->body, resched_keys, resched_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "session", &b->target, v)) != PL_OK || (rc = window(s, b, v)) != PL_OK)
			return rc;
		return pl_wf_reasons(s, b, true, "rescheduling a session", v);
	case PL_WF_SESSION_CANCEL:
		if ((rc = pl_wf_keys(b, s->body, cancel_keys, session_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "session", &b->target, v)) != PL_OK)
			return rc;
		if (json_object_get(s->body, "cites") != NULL) {
			if ((rc = pl_wf_ref_field(s, "cites", &b->threads[0], v)) != PL_OK)
				return rc;
			b->nthreads = 1;
		}
		return pl_wf_reasons(s, b, true, "cancelling a session", v);
	case PL_WF_SESSION_HELD:
		if ((rc = pl_wf_keys(b, s->body, held_keys, held_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "session", &b->target, v)) != PL_OK ||
		    (rc = time_field(s->body, "held_at", &b->win_from, v)) != PL_OK ||
		    (rc = pl_wf_str(s->body, "note", NOTE_MAX, false, &note, v)) != PL_OK)
			return rc;
		if (b->win_from > s->time)
			return pl_refuse(v, PL_R_HELD_OUTSIDE_WINDOW, "a session is recorded as held once it was: \"held_at\" is after the statement");
		return PL_OK;
	case PL_WF_SESSION_OUTCOME:
		if ((rc = pl_wf_keys(b, s->body, outcome_keys, outcome_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "session", &b->target, v)) != PL_OK ||
		    (rc = pl_wf_word(s->body, "kind", pl_outcome_kinds, PL_R_KIND_UNKNOWN, &b->kind, v)) != PL_OK)
			return rc;
		return pl_wf_str(s->body, "text", PL_WF_TEXT_MAX, CLEAR(b), &note, v);
	case PL_WF_OUTCOME_ENDORSE:
		if ((rc = pl_wf_keys(b, s->body, endorse_keys, endorse_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "outcome", &b->target, v)) != PL_OK ||
		    (rc = pl_wf_word(s->body, "position", pl_positions, PL_R_POSITION_UNKNOWN, &b->kind, v)) != PL_OK ||
		    (rc = pl_wf_str(s->body, "note", NOTE_MAX, false, &note, v)) != PL_OK)
			return rc;
		if (CLEAR(b) && b->kind == PL_POSITION_DISSENT && note == NULL)
			return pl_refuse(v, PL_R_REASONS_MISSING, "a dissent says why in \"note\"");
		return PL_OK;
	default:
		return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
	}
}
