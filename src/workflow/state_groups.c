/* state_groups.c - standing groups in the workflow state (state_impl.h:
 * pl_wf_check_group, pl_wf_apply_group; docs/groups.md, sections 3 and 4;
 * docs/workflow.md, "Standing groups"). */
#include "workflow/state_impl.h"

#include "base/buf.h"
#include "workflow/vocab.h"

#include <string.h>

/* The group a statement is about, not dissolved. */
static int open_group(const pl_wf *w, uint64_t id, const pl_wf_group **out, pl_refusal *v)
{
	const pl_wf_group *g = pl_wf_group_get(w, id);
	if (g == NULL)
		return pl_refuse(v, PL_R_GROUP_UNKNOWN, "entry %llu is not a group proposal", (unsigned long long)id);
	if (g->state == PL_GROUP_DISSOLVED)
		return pl_refuse(v, PL_R_GROUP_DISSOLVED, "group %llu was dissolved at entry %llu", (unsigned long long)id,
				 (unsigned long long)g->ended_idx);
	*out = g;
	return PL_OK;
}

int pl_wf_check_group(const pl_wf *w, const pl_members *m, const pl_stmt *s, const pl_wf_body *b, pl_refusal *v)
{
	int rc;
	const pl_wf_group *g = NULL;
	const pl_wf_invitee *i = NULL;
	if (b->type == PL_WF_GROUP_PROPOSE) {
		for (size_t k = 0; k < b->nparties; k++) {
			const pl_member *e = pl_members_get(m, b->parties[k]);
			if (e == NULL || !e->active)
				return pl_refuse(v, PL_R_UNKNOWN_PARTY, "%s is not an active member of this log", b->parties[k]);
		}
		return PL_OK;
	}
	if ((rc = open_group(w, b->target, &g, v)) != PL_OK || g == NULL)
		return rc;
	bool convener = strcmp(pl_wf_party_name(w, g->author), s->author) == 0;
	i = pl_wf_invitee_of(w, g, s->author);
	switch (b->type) {
	case PL_WF_GROUP_ANSWER:
		if (i == NULL)
			return pl_refuse(v, PL_R_NOT_INVITED, "%s is not invited to group %llu", s->author,
					 (unsigned long long)g->id);
		if (i->answer_idx != PL_WF_NONE)
			return pl_refuse(v, PL_R_ALREADY_ANSWERED,
					 "%s answered group %llu at entry %llu (to change its mind after accepting, it "
					 "leaves)",
					 s->author, (unsigned long long)g->id, (unsigned long long)i->answer_idx);
		return PL_OK;
	case PL_WF_GROUP_LEAVE:
		if (convener)
			return pl_refuse(v, PL_R_NOT_GROUP_MEMBER, "the proposer of group %llu ends it by dissolving it",
					 (unsigned long long)g->id);
		if (i == NULL || i->answer != PL_ANSWER_ACCEPT || i->left_idx != PL_WF_NONE)
			return pl_refuse(v, PL_R_NOT_GROUP_MEMBER, "%s is not a member of group %llu%s", s->author,
					 (unsigned long long)g->id, i != NULL && i->left_idx != PL_WF_NONE ? " (it left)" : "");
		return PL_OK;
	case PL_WF_GROUP_DISSOLVE:
		if (!convener)
			return pl_refuse(v, PL_R_NOT_CONVENER, "group %llu is dissolved by its proposer, %s",
					 (unsigned long long)g->id, pl_wf_party_name(w, g->author));
		return PL_OK;
	default:
		return PL_OK;
	}
}

static int apply_propose(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (pl_array_grow((void **)&w->groups, &w->capgroups, w->ngroups, sizeof *w->groups) != PL_OK)
		return PL_ENOMEM;
	pl_wf_group *g = &w->groups[w->ngroups];
	*g = (pl_wf_group){.id = index, .author = (pl_pid)me, .time = s->time, .due = b->due,
			   .tlp = pl_tlp_labels[pl_vocab_find(pl_tlp_labels, b->tlp)], .kind = b->kind,
			   .state = PL_GROUP_PROPOSED, .established_idx = PL_WF_NONE, .ended_idx = PL_WF_NONE,
			   .last_idx = index};
	if ((g->inv = calloc(b->nparties, sizeof *g->inv)) == NULL)
		return PL_ENOMEM;
	for (size_t i = 0; i < b->nparties; i++) {
		int q = pl_wf_intern(w, b->parties[i]);
		if (q < 0) {
			free(g->inv);
			return PL_ENOMEM;
		}
		g->inv[i] = (pl_wf_invitee){.party = (pl_pid)q, .answer = -1, .answer_idx = PL_WF_NONE,
					    .left_idx = PL_WF_NONE};
	}
	g->ninv = b->nparties;
	w->ngroups++;
	return PL_OK;
}

int pl_wf_apply_group(pl_wf *w, const pl_stmt *s, const pl_wf_body *b, uint64_t index, int me)
{
	if (b->type == PL_WF_GROUP_PROPOSE)
		return apply_propose(w, s, b, index, me);
	pl_wf_group *g = (pl_wf_group *)(uintptr_t)pl_wf_group_get(w, b->target);
	if (g == NULL)
		return PL_EINVAL;
	pl_wf_invitee *i = (pl_wf_invitee *)(uintptr_t)pl_wf_invitee_of(w, g, s->author);
	g->last_idx = index;
	switch (b->type) {
	case PL_WF_GROUP_ANSWER: {
		if (i == NULL)
			return PL_EINVAL;
		i->answer = b->kind;
		i->answer_idx = index;
		i->answer_time = s->time;
		if (b->kind == PL_ANSWER_ACCEPT && g->established_idx == PL_WF_NONE) {
			g->established_idx = index;
			g->state = PL_GROUP_ESTABLISHED;
		}
		size_t declined = 0;
		for (size_t k = 0; k < g->ninv; k++)
			declined += g->inv[k].answer == PL_ANSWER_DECLINE;
		if (declined == g->ninv)
			g->state = PL_GROUP_DECLINED;
		return PL_OK;
	}
	case PL_WF_GROUP_LEAVE:
		if (i == NULL)
			return PL_EINVAL;
		i->left_idx = index;
		i->left_time = s->time;
		if (g->kind == PL_GROUP_BILATERAL) { /* two parties: one leaving ends it */
			g->state = PL_GROUP_DISSOLVED;
			g->ended_idx = index;
			g->ended_time = s->time;
		}
		return PL_OK;
	case PL_WF_GROUP_DISSOLVE:
		g->state = PL_GROUP_DISSOLVED;
		g->ended_idx = index;
		g->ended_time = s->time;
		return PL_OK;
	default:
		return PL_EINVAL;
	}
}

/* A member of group g: its proposer, or an invited party that accepted and has not left. */
static bool group_member(const pl_wf *w, const pl_wf_group *g, const char *party)
{
	if (strcmp(pl_wf_party_name(w, g->author), party) == 0)
		return true;
	const pl_wf_invitee *i = pl_wf_invitee_of(w, g, party);
	return i != NULL && i->answer == PL_ANSWER_ACCEPT && i->left_idx == PL_WF_NONE;
}

int pl_wf_in_group(const pl_wf *w, uint64_t id, const char *author, const char *const *parties, size_t n,
		   pl_refusal *v)
{
	const pl_wf_group *g = NULL;
	int rc = open_group(w, id, &g, v);
	if (rc != PL_OK || g == NULL)
		return rc;
	if (!group_member(w, g, author))
		return pl_refuse(v, PL_R_NOT_GROUP_MEMBER, "%s is not a member of group %llu", author, (unsigned long long)id);
	for (size_t k = 0; k < n; k++)
		if (!group_member(w, g, parties[k]))
			return pl_refuse(v, PL_R_NOT_GROUP_MEMBER, "%s is not a member of group %llu", parties[k],
					 (unsigned long long)id);
	return PL_OK;
}
