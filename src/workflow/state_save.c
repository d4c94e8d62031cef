/*
 * state_save.c - the workflow state as bytes and back (state.h: pl_wf_save,
 * pl_wf_load), so a replay resumes from saved state instead of entry 0.
 *
 * The bytes are this program's own (base/binenc.h), versioned; a state that
 * does not load is simply rebuilt from the log. Loading checks every
 * cross-reference (party numbers, norm sets, request positions, ordered
 * ids), so a damaged file can never make the engine index out of bounds.
 */
#include "workflow/state.h"

#include "base/binenc.h"
#include "workflow/norms.h"
#include "workflow/vocab.h"

#include <stdlib.h>
#include <string.h>

#define STATE_VERSION 4 /* 2: requests keep whether they are narrowed (sealed statements); 3: groups;
			  4: sessions and outcomes */
#define TEXT_MAX 65535

static void save_tlp(pl_enc *e, const char *tlp)
{
	pl_enc_u64(e, (uint64_t)(pl_vocab_find(pl_tlp_labels, tlp ? tlp : "") + 1)); /* 0: none */
}

static const char *load_tlp(pl_dec *d)
{
	size_t n = 0;
	while (pl_tlp_labels[n] != NULL)
		n++;
	uint64_t k = pl_dec_u64(d, n);
	return k == 0 || d->rc != PL_OK ? NULL : pl_tlp_labels[k - 1];
}

static void save_pids(pl_enc *e, const pl_pid *p, size_t n)
{
	pl_enc_u64(e, n);
	for (size_t i = 0; i < n; i++)
		pl_enc_u64(e, p[i]);
}

/* Allocates *out (n items of size sz, zeroed); n 0 leaves NULL. */
static void *alloc_items(pl_dec *d, size_t n, size_t sz)
{
	if (n == 0 || d->rc != PL_OK)
		return NULL;
	void *p = calloc(n, sz);
	if (p == NULL)
		pl_dec_fail(d, PL_ENOMEM);
	return p;
}

static pl_pid *load_pids(pl_dec *d, size_t max, size_t nparties, size_t *n)
{
	*n = pl_dec_count(d, max, 1);
	pl_pid *p = alloc_items(d, *n, sizeof *p);
	for (size_t i = 0; p != NULL && i < *n; i++)
		p[i] = (pl_pid)pl_dec_u64(d, nparties ? nparties - 1 : 0);
	if (*n > 0 && nparties == 0)
		pl_dec_fail(d, PL_EFORMAT);
	if (d->rc != PL_OK) {
		free(p);
		*n = 0;
		return NULL;
	}
	return p;
}

int pl_wf_save(const pl_wf *w, pl_buf *out)
{
	pl_enc e = pl_enc_of(out);
	pl_enc_u64(&e, STATE_VERSION);
	pl_enc_u64(&e, w->nparties);
	for (size_t i = 0; i < w->nparties; i++) {
		const pl_wf_party *p = &w->parties[i];
		pl_enc_str(&e, p->name);
		pl_enc_u64(&e, p->nsubs);
		for (size_t k = 0; k < p->nsubs; k++) {
			pl_enc_u64(&e, p->subs[k].set);
			pl_enc_u64(&e, p->subs[k].since);
			pl_enc_u64(&e, p->subs[k].until);
		}
	}
	pl_enc_u64(&e, w->nsets);
	for (size_t i = 0; i < w->nsets; i++) {
		const pl_wf_set *s = &w->sets[i];
		pl_enc_str(&e, s->hash);
		pl_enc_u64(&e, s->idx);
		pl_enc_u64(&e, s->author);
		pl_enc_i64(&e, s->time);
		pl_enc_str(&e, s->name);
		pl_enc_str(&e, s->version);
		pl_enc_u64(&e, s->nids);
		for (size_t k = 0; k < s->nids; k++)
			pl_enc_str(&e, s->ids[k]);
	}
	pl_enc_u64(&e, w->ncases);
	for (size_t i = 0; i < w->ncases; i++) {
		const pl_wf_case *c = &w->cases[i];
		pl_enc_u64(&e, c->id);
		pl_enc_u64(&e, c->author);
		pl_enc_i64(&e, c->time);
		pl_enc_str(&e, c->title);
		pl_enc_str(&e, c->cls);
		pl_enc_str(&e, c->rsit_type);
		save_tlp(&e, c->tlp);
		save_pids(&e, c->recipients, c->nrecipients);
		pl_enc_i64(&e, c->set);
		pl_enc_u64(&e, c->nnorms);
		for (size_t k = 0; k < c->nnorms; k++)
			pl_enc_str(&e, c->norms[k]);
		pl_enc_bool(&e, c->closed);
		pl_enc_u64(&e, c->closed_idx);
		pl_enc_i64(&e, c->closed_time);
		pl_enc_i64(&e, c->outcome);
		pl_enc_u64(&e, c->nrequests);
		for (size_t k = 0; k < c->nrequests; k++)
			pl_enc_u64(&e, c->requests[k]);
		pl_enc_u64(&e, c->last_idx);
		pl_enc_i64(&e, c->last_time);
	}
	pl_enc_u64(&e, w->nrequests);
	for (size_t i = 0; i < w->nrequests; i++) {
		const pl_wf_request *r = &w->requests[i];
		pl_enc_u64(&e, r->id);
		pl_enc_u64(&e, r->case_id);
		pl_enc_u64(&e, r->author);
		pl_enc_i64(&e, r->kind);
		pl_enc_i64(&e, r->time);
		pl_enc_i64(&e, r->due);
		pl_enc_i64(&e, r->ack_due);
		pl_enc_bool(&e, r->due_default);
		pl_enc_bool(&e, r->narrowed);
		pl_enc_u64(&e, r->nt);
		for (size_t k = 0; k < r->nt; k++) {
			const pl_wf_target *t = &r->t[k];
			pl_enc_u64(&e, t->party);
			pl_enc_u64(&e, t->ack_idx);
			pl_enc_i64(&e, t->ack_time);
			pl_enc_u64(&e, t->answer_idx);
			pl_enc_i64(&e, t->answer_time);
			pl_enc_i64(&e, t->status);
			pl_enc_i64(&e, t->due);
			pl_enc_i64(&e, t->preserved_until);
			pl_enc_u64(&e, t->responses);
		}
		pl_enc_i64(&e, r->state);
		pl_enc_u64(&e, r->ended_idx);
		pl_enc_i64(&e, r->ended_time);
		pl_enc_u64(&e, r->queries);
		pl_enc_u64(&e, r->updates);
		pl_enc_u64(&e, r->last_idx);
	}
	pl_enc_u64(&e, w->npings);
	for (size_t i = 0; i < w->npings; i++) {
		const pl_wf_ping *p = &w->pings[i];
		pl_enc_u64(&e, p->id);
		pl_enc_u64(&e, p->author);
		pl_enc_i64(&e, p->time);
		pl_enc_bool(&e, p->to_all);
		pl_enc_u64(&e, p->nt);
		for (size_t k = 0; k < p->nt; k++) {
			pl_enc_u64(&e, p->t[k].party);
			pl_enc_u64(&e, p->t[k].pong_idx);
			pl_enc_i64(&e, p->t[k].pong_time);
		}
	}
	pl_enc_u64(&e, w->nevidence);
	for (size_t i = 0; i < w->nevidence; i++) {
		const pl_wf_evidence *v = &w->evidence[i];
		pl_enc_u64(&e, v->id);
		pl_enc_u64(&e, v->case_id);
		pl_enc_u64(&e, v->author);
		pl_enc_i64(&e, v->time);
		pl_enc_str(&e, v->title);
		save_tlp(&e, v->tlp);
		save_pids(&e, v->recipients, v->nrecipients);
		pl_enc_bool(&e, v->sealed);
		pl_enc_i64(&e, v->files);
		pl_enc_i64(&e, v->bytes);
		pl_enc_u64(&e, v->findings);
		pl_enc_i64(&e, v->last_result);
	}
	pl_enc_u64(&e, w->nfindings);
	for (size_t i = 0; i < w->nfindings; i++) {
		const pl_wf_finding *f = &w->findings[i];
		pl_enc_u64(&e, f->id);
		pl_enc_u64(&e, f->evidence_id);
		pl_enc_u64(&e, f->author);
		pl_enc_i64(&e, f->time);
		pl_enc_i64(&e, f->result);
		save_tlp(&e, f->tlp);
	}
	pl_enc_u64(&e, w->ngroups);
	for (size_t i = 0; i < w->ngroups; i++) {
		const pl_wf_group *g = &w->groups[i];
		pl_enc_u64(&e, g->id);
		pl_enc_u64(&e, g->author);
		pl_enc_i64(&e, g->time);
		pl_enc_i64(&e, g->due);
		save_tlp(&e, g->tlp);
		pl_enc_i64(&e, g->kind);
		pl_enc_i64(&e, g->state);
		pl_enc_u64(&e, g->established_idx);
		pl_enc_u64(&e, g->ended_idx);
		pl_enc_i64(&e, g->ended_time);
		pl_enc_u64(&e, g->last_idx);
		pl_enc_u64(&e, g->ninv);
		for (size_t k = 0; k < g->ninv; k++) {
			const pl_wf_invitee *x = &g->inv[k];
			pl_enc_u64(&e, x->party);
			pl_enc_i64(&e, x->answer);
			pl_enc_u64(&e, x->answer_idx);
			pl_enc_i64(&e, x->answer_time);
			pl_enc_u64(&e, x->left_idx);
			pl_enc_i64(&e, x->left_time);
		}
	}
	pl_enc_u64(&e, w->nsessions);
	for (size_t i = 0; i < w->nsessions; i++) {
		const pl_wf_session *x = &w->sessions[i];
		pl_enc_u64(&e, x->id);
		pl_enc_u64(&e, x->author);
		pl_enc_i64(&e, x->time);
		pl_enc_i64(&e, x->due);
		pl_enc_i64(&e, x->from);
		pl_enc_i64(&e, x->until);
		save_tlp(&e, x->tlp);
		pl_enc_u64(&e, x->group);
		pl_enc_i64(&e, x->state);
		pl_enc_u64(&e, x->reschedules);
		pl_enc_u64(&e, x->ended_idx);
		pl_enc_i64(&e, x->ended_time);
		pl_enc_u64(&e, x->cancelled_by);
		pl_enc_u64(&e, x->cites);
		pl_enc_i64(&e, x->held_at);
		pl_enc_u64(&e, x->outcomes);
		pl_enc_u64(&e, x->last_idx);
		pl_enc_u64(&e, x->np);
		for (size_t k = 0; k < x->np; k++) {
			pl_enc_u64(&e, x->p[k].party);
			pl_enc_i64(&e, x->p[k].answer);
			pl_enc_u64(&e, x->p[k].answer_idx);
			pl_enc_i64(&e, x->p[k].answer_time);
		}
	}
	pl_enc_u64(&e, w->noutcomes);
	for (size_t i = 0; i < w->noutcomes; i++) {
		const pl_wf_outcome *o = &w->outcomes[i];
		pl_enc_u64(&e, o->id);
		pl_enc_u64(&e, o->session_id);
		pl_enc_u64(&e, o->author);
		pl_enc_i64(&e, o->time);
		pl_enc_i64(&e, o->kind);
		pl_enc_u64(&e, o->agreed_idx);
		pl_enc_i64(&e, o->agreed_time);
		pl_enc_u64(&e, o->npos);
		for (size_t k = 0; k < o->npos; k++) {
			pl_enc_u64(&e, o->pos[k].party);
			pl_enc_i64(&e, o->pos[k].position);
			pl_enc_u64(&e, o->pos[k].idx);
			pl_enc_i64(&e, o->pos[k].time);
		}
	}
	return e.rc;
}

/* Objects are kept in index order: each id above the one before. */
static void ordered(pl_dec *d, uint64_t id, uint64_t *last, size_t i)
{
	if (i > 0 && id <= *last)
		pl_dec_fail(d, PL_EFORMAT);
	*last = id;
}

static void load_parties(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, UINT32_MAX - 1, 2);
	w->parties = alloc_items(d, n, sizeof *w->parties);
	w->capparties = w->parties ? n : 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_party *p = &w->parties[i];
		w->nparties = i + 1;
		pl_dec_str(d, p->name, sizeof p->name);
		p->nsubs = pl_dec_count(d, SIZE_MAX / sizeof *p->subs, 3);
		p->subs = alloc_items(d, p->nsubs, sizeof *p->subs);
		p->capsubs = p->subs ? p->nsubs : 0;
		for (size_t k = 0; p->subs != NULL && k < p->nsubs; k++) {
			p->subs[k].set = (uint32_t)pl_dec_u64(d, UINT32_MAX);
			p->subs[k].since = pl_dec_u64(d, UINT64_MAX);
			p->subs[k].until = pl_dec_u64(d, UINT64_MAX);
		}
		if (d->rc != PL_OK)
			p->nsubs = 0;
	}
}

static void load_sets(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, INT32_MAX, 8);
	w->sets = alloc_items(d, n, sizeof *w->sets);
	w->capsets = w->sets ? n : 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_set *s = &w->sets[i];
		w->nsets = i + 1;
		pl_dec_str(d, s->hash, sizeof s->hash);
		s->idx = pl_dec_u64(d, UINT64_MAX);
		s->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		s->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		pl_dec_str(d, s->name, sizeof s->name);
		pl_dec_str(d, s->version, sizeof s->version);
		s->nids = pl_dec_count(d, PL_NORMS_MAX, 1);
		s->ids = alloc_items(d, s->nids, sizeof *s->ids);
		for (size_t k = 0; s->ids != NULL && k < s->nids; k++)
			pl_dec_str(d, s->ids[k], sizeof s->ids[k]);
		if (d->rc != PL_OK)
			s->nids = 0;
	}
}

static void load_cases(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_case), 8);
	w->cases = alloc_items(d, n, sizeof *w->cases);
	w->capcases = w->cases ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_case *c = &w->cases[i];
		w->ncases = i + 1;
		c->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, c->id, &last, i);
		c->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		c->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		c->title = pl_dec_str_dup(d, TEXT_MAX);
		char cls[64], type[64];
		pl_dec_str(d, cls, sizeof cls);
		pl_dec_str(d, type, sizeof type);
		c->cls = cls[0] ? pl_rsit_class(cls) : NULL; /* "": a sealed concern's */
		c->rsit_type = cls[0] && type[0] ? pl_rsit_type(cls, type) : NULL;
		if (d->rc == PL_OK && ((cls[0] && c->cls == NULL) || (type[0] && c->rsit_type == NULL)))
			pl_dec_fail(d, PL_EFORMAT);
		c->tlp = load_tlp(d);
		c->recipients = load_pids(d, PL_WF_PARTIES_MAX, w->nparties, &c->nrecipients);
		c->set = (int)pl_dec_i64(d, -1, (int64_t)w->nsets - 1);
		c->nnorms = pl_dec_count(d, PL_NORMS_MAX, 1);
		c->norms = alloc_items(d, c->nnorms, sizeof *c->norms);
		for (size_t k = 0; c->norms != NULL && k < c->nnorms; k++)
			pl_dec_str(d, c->norms[k], sizeof c->norms[k]);
		c->closed = pl_dec_bool(d);
		c->closed_idx = pl_dec_u64(d, UINT64_MAX);
		c->closed_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		c->outcome = (int)pl_dec_i64(d, INT32_MIN, INT32_MAX);
		c->nrequests = pl_dec_count(d, UINT32_MAX, 1);
		c->requests = alloc_items(d, c->nrequests, sizeof *c->requests);
		c->caprequests = c->requests ? c->nrequests : 0;
		for (size_t k = 0; c->requests != NULL && k < c->nrequests; k++)
			c->requests[k] = (uint32_t)pl_dec_u64(d, UINT32_MAX); /* positions: checked below */
		c->last_idx = pl_dec_u64(d, UINT64_MAX);
		c->last_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		if (d->rc != PL_OK)
			c->nnorms = c->nrequests = 0;
	}
}

static void load_requests(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, UINT32_MAX, 8);
	w->requests = alloc_items(d, n, sizeof *w->requests);
	w->caprequests = w->requests ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_request *r = &w->requests[i];
		w->nrequests = i + 1;
		r->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, r->id, &last, i);
		r->case_id = pl_dec_u64(d, UINT64_MAX);
		r->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		r->kind = (int)pl_dec_i64(d, 0, INT32_MAX);
		r->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		r->due = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		r->ack_due = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		r->due_default = pl_dec_bool(d);
		r->narrowed = pl_dec_bool(d);
		r->nt = pl_dec_count(d, PL_WF_PARTIES_MAX, 9);
		r->t = alloc_items(d, r->nt, sizeof *r->t);
		for (size_t k = 0; r->t != NULL && k < r->nt; k++) {
			pl_wf_target *t = &r->t[k];
			t->party = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
			t->ack_idx = pl_dec_u64(d, UINT64_MAX);
			t->ack_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
			t->answer_idx = pl_dec_u64(d, UINT64_MAX);
			t->answer_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
			t->status = (int)pl_dec_i64(d, -1, INT32_MAX);
			t->due = pl_dec_i64(d, INT64_MIN, INT64_MAX);
			t->preserved_until = pl_dec_i64(d, INT64_MIN, INT64_MAX);
			t->responses = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		}
		r->state = (int)pl_dec_i64(d, PL_REQ_OPEN, PL_REQ_ANSWERED);
		r->ended_idx = pl_dec_u64(d, UINT64_MAX);
		r->ended_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		r->queries = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		r->updates = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		r->last_idx = pl_dec_u64(d, UINT64_MAX);
		if (d->rc != PL_OK)
			r->nt = 0;
	}
}

static void load_pings(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_ping), 5);
	w->pings = alloc_items(d, n, sizeof *w->pings);
	w->cappings = w->pings ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_ping *p = &w->pings[i];
		w->npings = i + 1;
		p->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, p->id, &last, i);
		p->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		p->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		p->to_all = pl_dec_bool(d);
		p->nt = pl_dec_count(d, SIZE_MAX / sizeof *p->t, 3);
		p->t = alloc_items(d, p->nt, sizeof *p->t);
		for (size_t k = 0; p->t != NULL && k < p->nt; k++) {
			p->t[k].party = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
			p->t[k].pong_idx = pl_dec_u64(d, UINT64_MAX);
			p->t[k].pong_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		}
		if (d->rc != PL_OK)
			p->nt = 0;
	}
}

static void load_evidence(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_evidence), 8);
	w->evidence = alloc_items(d, n, sizeof *w->evidence);
	w->capevidence = w->evidence ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_evidence *v = &w->evidence[i];
		w->nevidence = i + 1;
		v->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, v->id, &last, i);
		v->case_id = pl_dec_u64(d, UINT64_MAX);
		v->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		v->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		v->title = pl_dec_str_dup(d, TEXT_MAX);
		v->tlp = load_tlp(d);
		v->recipients = load_pids(d, PL_WF_PARTIES_MAX, w->nparties, &v->nrecipients);
		v->sealed = pl_dec_bool(d);
		v->files = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		v->bytes = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		v->findings = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		v->last_result = (int)pl_dec_i64(d, -1, INT32_MAX);
	}
}

static void load_findings(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_finding), 6);
	w->findings = alloc_items(d, n, sizeof *w->findings);
	w->capfindings = w->findings ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_finding *f = &w->findings[i];
		w->nfindings = i + 1;
		f->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, f->id, &last, i);
		f->evidence_id = pl_dec_u64(d, UINT64_MAX);
		f->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		f->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		f->result = (int)pl_dec_i64(d, -1, INT32_MAX); /* -1: sealed */
		f->tlp = load_tlp(d);
	}
}

static void load_groups(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_group), 12);
	w->groups = alloc_items(d, n, sizeof *w->groups);
	w->capgroups = w->groups ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_group *g = &w->groups[i];
		w->ngroups = i + 1;
		g->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, g->id, &last, i);
		g->author = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
		g->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		g->due = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		g->tlp = load_tlp(d);
		g->kind = (int)pl_dec_i64(d, PL_GROUP_BILATERAL, PL_GROUP_MULTILATERAL);
		g->state = (int)pl_dec_i64(d, PL_GROUP_PROPOSED, PL_GROUP_DISSOLVED);
		g->established_idx = pl_dec_u64(d, UINT64_MAX);
		g->ended_idx = pl_dec_u64(d, UINT64_MAX);
		g->ended_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		g->last_idx = pl_dec_u64(d, UINT64_MAX);
		size_t k = pl_dec_count(d, PL_WF_PARTIES_MAX, 6);
		g->inv = alloc_items(d, k, sizeof *g->inv);
		for (size_t j = 0; g->inv != NULL && j < k && d->rc == PL_OK; j++) {
			pl_wf_invitee *x = &g->inv[j];
			g->ninv = j + 1;
			x->party = (pl_pid)pl_dec_u64(d, w->nparties ? w->nparties - 1 : 0);
			x->answer = (int)pl_dec_i64(d, -1, PL_ANSWER_DECLINE);
			x->answer_idx = pl_dec_u64(d, UINT64_MAX);
			x->answer_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
			x->left_idx = pl_dec_u64(d, UINT64_MAX);
			x->left_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		}
		if (d->rc == PL_OK && (k == 0 || w->nparties == 0))
			pl_dec_fail(d, PL_EFORMAT); /* a group invites someone */
	}
}

#define PID(d, w) ((pl_pid)pl_dec_u64((d), (w)->nparties ? (w)->nparties - 1 : 0))

static void load_sessions(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_session), 18);
	w->sessions = alloc_items(d, n, sizeof *w->sessions);
	w->capsessions = w->sessions ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_session *x = &w->sessions[i];
		w->nsessions = i + 1;
		x->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, x->id, &last, i);
		x->author = PID(d, w);
		x->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->due = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->from = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->until = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->tlp = load_tlp(d);
		x->group = pl_dec_u64(d, UINT64_MAX);
		x->state = (int)pl_dec_i64(d, PL_SESSION_PROPOSED, PL_SESSION_CANCELLED);
		x->reschedules = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		x->ended_idx = pl_dec_u64(d, UINT64_MAX);
		x->ended_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->cancelled_by = PID(d, w);
		x->cites = pl_dec_u64(d, UINT64_MAX);
		x->held_at = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		x->outcomes = (uint32_t)pl_dec_u64(d, UINT32_MAX);
		x->last_idx = pl_dec_u64(d, UINT64_MAX);
		size_t k = pl_dec_count(d, PL_WF_PARTIES_MAX, 4);
		x->p = alloc_items(d, k, sizeof *x->p);
		for (size_t j = 0; x->p != NULL && j < k && d->rc == PL_OK; j++) {
			x->np = j + 1;
			x->p[j].party = PID(d, w);
			x->p[j].answer = (int)pl_dec_i64(d, -1, PL_ANSWER_DECLINE);
			x->p[j].answer_idx = pl_dec_u64(d, UINT64_MAX);
			x->p[j].answer_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		}
		if (d->rc == PL_OK && (k == 0 || w->nparties == 0))
			pl_dec_fail(d, PL_EFORMAT); /* a session has participants */
	}
}

static void load_outcomes(pl_dec *d, pl_wf *w)
{
	size_t n = pl_dec_count(d, SIZE_MAX / sizeof(pl_wf_outcome), 9);
	w->outcomes = alloc_items(d, n, sizeof *w->outcomes);
	w->capoutcomes = w->outcomes ? n : 0;
	uint64_t last = 0;
	for (size_t i = 0; i < n && d->rc == PL_OK; i++) {
		pl_wf_outcome *o = &w->outcomes[i];
		w->noutcomes = i + 1;
		o->id = pl_dec_u64(d, UINT64_MAX);
		ordered(d, o->id, &last, i);
		o->session_id = pl_dec_u64(d, UINT64_MAX);
		o->author = PID(d, w);
		o->time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		o->kind = (int)pl_dec_i64(d, 0, 1);
		o->agreed_idx = pl_dec_u64(d, UINT64_MAX);
		o->agreed_time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		size_t k = pl_dec_count(d, PL_WF_PARTIES_MAX + 1, 4);
		o->pos = alloc_items(d, k, sizeof *o->pos);
		for (size_t j = 0; o->pos != NULL && j < k && d->rc == PL_OK; j++) {
			o->npos = j + 1;
			o->pos[j].party = PID(d, w);
			o->pos[j].position = (int)pl_dec_i64(d, -1, PL_POSITION_DISSENT);
			o->pos[j].idx = pl_dec_u64(d, UINT64_MAX);
			o->pos[j].time = pl_dec_i64(d, INT64_MIN, INT64_MAX);
		}
		if (d->rc == PL_OK && k == 0)
			pl_dec_fail(d, PL_EFORMAT);
	}
}

/* Cross-references that the engine follows without checking. */
static void check_links(pl_dec *d, const pl_wf *w)
{
	for (size_t i = 0; d->rc == PL_OK && i < w->nparties; i++)
		for (size_t k = 0; k < w->parties[i].nsubs; k++)
			if (w->parties[i].subs[k].set >= w->nsets)
				pl_dec_fail(d, PL_EFORMAT);
	for (size_t i = 0; d->rc == PL_OK && i < w->ncases; i++)
		for (size_t k = 0; k < w->cases[i].nrequests; k++)
			if (w->cases[i].requests[k] >= w->nrequests)
				pl_dec_fail(d, PL_EFORMAT);
	for (size_t i = 0; d->rc == PL_OK && i < w->nrequests; i++)
		if (pl_wf_case_get(w, w->requests[i].case_id) == NULL)
			pl_dec_fail(d, PL_EFORMAT);
	for (size_t i = 0; d->rc == PL_OK && i < w->nevidence; i++)
		if (pl_wf_case_get(w, w->evidence[i].case_id) == NULL)
			pl_dec_fail(d, PL_EFORMAT);
	for (size_t i = 0; d->rc == PL_OK && i < w->nfindings; i++)
		if (pl_wf_evidence_get(w, w->findings[i].evidence_id) == NULL)
			pl_dec_fail(d, PL_EFORMAT);
	for (size_t i = 0; d->rc == PL_OK && i < w->noutcomes; i++)
		if (pl_wf_session_get(w, w->outcomes[i].session_id) == NULL)
			pl_dec_fail(d, PL_EFORMAT);
}

int pl_wf_load(pl_wf *w, pl_dec *d)
{
	pl_wf_release(w);
	if (pl_dec_u64(d, UINT64_MAX) != STATE_VERSION)
		pl_dec_fail(d, PL_EFORMAT);
	load_parties(d, w);
	load_sets(d, w);
	load_cases(d, w);
	load_requests(d, w);
	load_pings(d, w);
	load_evidence(d, w);
	load_findings(d, w);
	load_groups(d, w);
	load_sessions(d, w);
	load_outcomes(d, w);
	check_links(d, w);
	int rc = d->rc == PL_OK ? pl_wf_index_parties(w) : PL_OK;
	if (rc != PL_OK)
		pl_dec_fail(d, rc);
	if (d->rc != PL_OK)
		pl_wf_release(w);
	return d->rc;
}
