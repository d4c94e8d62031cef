/* types_groups.c - the bodies of standing groups, checked on their own
 * (types.h; docs/groups.md, section 2; docs/workflow.md, "Standing groups").
 * Sealed, the group's name, mandate, cadence, experts and every reason are
 * in the sealed body: their rules (reasons to decline, to leave, to
 * dissolve; due_reason with due) become content rules. */
#include "workflow/types_impl.h"

#include "workflow/vocab.h"

#include <string.h>

#define GROUP_NAME_MAX PL_WF_TITLE_MAX
#define GROUP_CADENCE_MAX 256
#define GROUP_EXPERTS_MAX 16
#define GROUP_EXPERT_MAX 256
#define GROUP_REASONS_MAX 1024

/* "experts": 1..16 strings of 1..256 bytes (who the party names to the group), when present. */
static int experts(const json_t *body, pl_refusal *v)
{
	const json_t *a = json_object_get(body, "experts");
	if (a == NULL)
		return PL_OK;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > GROUP_EXPERTS_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"experts\" must list 1 to %d names", GROUP_EXPERTS_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);
		if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > GROUP_EXPERT_MAX)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"experts\" holds strings of 1 to %d bytes", GROUP_EXPERT_MAX);
	}
	return PL_OK;
}

/* "reasons", required in clear when must (sealed: a content rule). */
int pl_wf_reasons(const pl_stmt *s, const pl_wf_body *b, bool must, const char *why, pl_refusal *v)
{
	const char *r;
	int rc = pl_wf_str(s->body, "reasons", GROUP_REASONS_MAX, false, &r, v);
	if (rc == PL_OK && CLEAR(b) && must && (r == NULL || *r == '\0'))
		return pl_refuse(v, PL_R_REASONS_MISSING, "%s gives its reasons (\"reasons\")", why);
	return rc;
}

static int parse_propose(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc, tlp;
	static const char *const allowed[] = {"tlp", "kind", "invited", "due", "name", "mandate", "cadence",
					      "experts", "due_reason", NULL};
	static const char *const required[] = {"tlp", "kind", "invited", "due", "name", "mandate", NULL};
	const char *name, *mandate, *cadence, *reason;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "tlp", pl_tlp_labels, PL_R_TLP_UNKNOWN, &tlp, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "kind", pl_group_kinds, PL_R_GROUP_KIND_UNKNOWN, &b->kind, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "name", GROUP_NAME_MAX, CLEAR(b), &name, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "mandate", PL_WF_TEXT_MAX, CLEAR(b), &mandate, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "cadence", GROUP_CADENCE_MAX, false, &cadence, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "due_reason", 1024, false, &reason, v)) != PL_OK ||
	    (rc = experts(s->body, v)) != PL_OK || (rc = pl_wf_later(s, "due", &b->due, v)) != PL_OK)
		return rc;
	b->tlp = pl_tlp_labels[tlp];
	if (!CLEAR(b) && tlp == PL_TLP_CLEAR)
		return pl_refuse(v, PL_R_SEALED_NOT_ALLOWED, "a TLP:CLEAR group is in clear: no \"sealed\"");
	if (b->due == 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "the body lacks \"due\": a proposal sets the answers' deadline");
	if (CLEAR(b) && reason == NULL)
		return pl_refuse(v, PL_R_DUE_REASON_MISSING, "a proposal gives the reason for its deadline in \"due_reason\"");
	if ((rc = pl_wf_party_list(s, "invited", PL_WF_PARTIES_MAX, b, v)) != PL_OK)
		return rc;
	if (b->kind == PL_GROUP_BILATERAL && b->nparties != 1)
		return pl_refuse(v, PL_R_INVITED_COUNT, "a bilateral group invites exactly one party, not %zu", b->nparties);
	return PL_OK;
}

int pl_wf_parse_group(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const answer_keys[] = {"group", "answer", "reasons", "experts", NULL};
	static const char *const answer_required[] = {"group", "answer", NULL};
	static const char *const end_keys[] = {"group", "reasons", NULL};
	static const char *const end_required[] = {"group", NULL};
	switch (b->type) {
	case PL_WF_GROUP_PROPOSE:
		return parse_propose(s, b, v);
	case PL_WF_GROUP_ANSWER:
		if ((rc = pl_wf_keys(b, s->body, answer_keys, answer_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "group", &b->target, v)) != PL_OK ||
		    (rc = pl_wf_word(s->body, "answer", pl_group_answers, PL_R_ANSWER_UNKNOWN, &b->kind, v)) != PL_OK ||
		    (rc = experts(s->body, v)) != PL_OK)
			return rc;
		return pl_wf_reasons(s, b, b->kind == PL_ANSWER_DECLINE, "declining a group", v);
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		if ((rc = pl_wf_keys(b, s->body, end_keys, end_required, v)) != PL_OK ||
		    (rc = pl_wf_ref_field(s, "group", &b->target, v)) != PL_OK)
			return rc;
		return pl_wf_reasons(s, b, true, b->type == PL_WF_GROUP_LEAVE ? "leaving a group" : "dissolving a group", v);
	default:
		return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
	}
}
