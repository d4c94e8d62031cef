/* state.c - the workflow state's storage (state.h): initialised and
 * released; its objects looked up by the index of the entry that created
 * them, a request's addressees by party. */
#include "workflow/state_impl.h"

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
	for (size_t i = 0; i < w->ngroups; i++)
		free(w->groups[i].inv);
	for (size_t i = 0; i < w->nsessions; i++)
		free(w->sessions[i].p);
	for (size_t i = 0; i < w->noutcomes; i++)
		free(w->outcomes[i].pos);
	free(w->sessions);
	free(w->outcomes);
	free(w->groups);
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

const pl_wf_group *pl_wf_group_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->groups, w->ngroups, id);
}

const pl_wf_session *pl_wf_session_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->sessions, w->nsessions, id);
}

const pl_wf_outcome *pl_wf_outcome_get(const pl_wf *w, uint64_t id)
{
	BSEARCH(w->outcomes, w->noutcomes, id);
}

const pl_wf_participant *pl_wf_participant_of(const pl_wf *w, const pl_wf_session *s, const char *party)
{
	int p = pl_wf_find_party(w, party);
	for (size_t i = 0; p >= 0 && i < s->np; i++)
		if (s->p[i].party == (pl_pid)p)
			return &s->p[i];
	return NULL;
}

const pl_wf_invitee *pl_wf_invitee_of(const pl_wf *w, const pl_wf_group *g, const char *party)
{
	int p = pl_wf_find_party(w, party);
	for (size_t i = 0; p >= 0 && i < g->ninv; i++)
		if (g->inv[i].party == (pl_pid)p)
			return &g->inv[i];
	return NULL;
}

int pl_wf_set_find(const pl_wf *w, const char *hash)
{
	for (size_t i = 0; i < w->nsets; i++)
		if (strcmp(w->sets[i].hash, hash) == 0)
			return (int)i;
	return -1;
}

const pl_wf_target *pl_wf_target_of(const pl_wf *w, const pl_wf_request *r, const char *party)
{
	int p = pl_wf_find_party(w, party);
	for (size_t i = 0; p >= 0 && i < r->nt; i++)
		if (r->t[i].party == (pl_pid)p)
			return &r->t[i];
	return NULL;
}
