/* index_rows.c - the rows one entry changes, from the engine's state after applying it (index_db.h). */
#include "workflow/index_db.h"

#include "base/codec.h"
#include "workflow/vocab.h"

#include <stdio.h>
#include <string.h>

/* ---- writing rows ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void bind_idx(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v == PL_WF_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bind_time(sqlite3_stmt *st, int i, bool present, int64_t t)
{
	if (!present)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, t);
}

static int step(pl_index *x, sqlite3_stmt *st, pl_diag *d)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return pl_index_db_err(x->db, d, "write");
	return PL_OK;
}

static int put_parties(pl_index *x, const pl_members *m, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_PARTY];
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < m->n; i++) {
		const pl_member *e = &m->m[i];
		char key[PL_ED25519_PK_HEX_LEN + 1];
		pl_hex_encode(e->id.sign_pk, PL_ED25519_PK_SIZE, key);
		sqlite3_bind_text(st, 1, e->id.party, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)e->since);
		sqlite3_bind_int(st, 3, e->founder);
		sqlite3_bind_int(st, 4, e->active);
		sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, e->nkeys ? (sqlite3_int64)e->keys[e->nkeys - 1].from : 0);
		sqlite3_bind_text(st, 7, e->contact, -1, SQLITE_STATIC);
		rc = step(x, st, d);
		/* its key history: which key signed entries from which index on */
		for (size_t k = 0; rc == PL_OK && k < e->nkeys; k++) {
			sqlite3_stmt *ks = x->q[Q_KEY];
			pl_hex_encode(e->keys[k].sign_pk, PL_ED25519_PK_SIZE, key);
			sqlite3_bind_text(ks, 1, e->id.party, -1, SQLITE_STATIC);
			sqlite3_bind_text(ks, 2, key, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ks, 3, (sqlite3_int64)e->keys[k].from);
			bind_idx(ks, 4, e->keys[k].until == UINT64_MAX ? PL_WF_NONE : e->keys[k].until);
			rc = step(x, ks, d);
		}
	}
	return rc;
}

static int put_set(pl_index *x, const pl_wf *w, int pos, const pl_stmt *s, pl_diag *d)
{
	const pl_wf_set *e = &w->sets[pos];
	sqlite3_stmt *st = x->q[Q_SET];
	sqlite3_bind_text(st, 1, e->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->idx);
	sqlite3_bind_text(st, 3, pl_wf_party_name(w, e->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, e->time);
	sqlite3_bind_text(st, 5, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)e->nids);
	int rc = step(x, st, d);
	const json_t *norms = json_object_get(s->body, "norms");
	st = x->q[Q_NORM];
	for (size_t i = 0; rc == PL_OK && i < json_array_size(norms); i++) {
		const json_t *n = json_array_get(norms, i);
		sqlite3_bind_text(st, 1, e->hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, json_string_value(json_object_get(n, "id")));
		bind_text(st, 4, json_string_value(json_object_get(n, "short")));
		bind_text(st, 5, json_string_value(json_object_get(n, "gist")));
		bind_text(st, 6, json_string_value(json_object_get(n, "source")));
		rc = step(x, st, d);
	}
	return rc;
}

static int put_subs(pl_index *x, const pl_wf *w, int party, pl_diag *d)
{
	const pl_wf_party *p = &w->parties[party];
	sqlite3_stmt *st = x->q[Q_SUB_DEL];
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	int rc = step(x, st, d);
	st = x->q[Q_SUB];
	for (size_t i = 0; rc == PL_OK && i < p->nsubs; i++) {
		sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w->sets[p->subs[i].set].hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)p->subs[i].since);
		bind_idx(st, 4, p->subs[i].until);
		rc = step(x, st, d);
	}
	return rc;
}

static int put_case(pl_index *x, const pl_wf *w, const pl_wf_case *c, bool with_parties, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_CASE];
	char norms[PL_NORMS_MAX * (PL_NORM_ID_MAX + 1) + 1] = "";
	size_t off = 0;
	for (size_t i = 0; i < c->nnorms; i++)
		off += (size_t)snprintf(norms + off, sizeof norms - off, "%s%s", i ? "," : "", c->norms[i]);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->id);
	sqlite3_bind_text(st, 2, pl_wf_party_name(w, c->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->time);
	sqlite3_bind_text(st, 4, c->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->cls ? c->cls : "", -1, SQLITE_STATIC); /* "": sealed */
	bind_text(st, 6, c->rsit_type);
	sqlite3_bind_text(st, 7, c->tlp, -1, SQLITE_STATIC);
	bind_text(st, 8, c->set >= 0 ? w->sets[c->set].hash : NULL);
	bind_text(st, 9, c->nnorms ? norms : NULL);
	sqlite3_bind_text(st, 10, c->closed ? "closed" : "open", -1, SQLITE_STATIC);
	bind_idx(st, 11, c->closed_idx);
	bind_time(st, 12, c->closed, c->closed_time);
	bind_text(st, 13, c->outcome >= 0 ? pl_case_outcomes[c->outcome] : NULL);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)c->nrequests);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)c->last_idx);
	sqlite3_bind_int64(st, 16, c->last_time);
	int rc = step(x, st, d);
	if (!with_parties)
		return rc;
	st = x->q[Q_CASE_PARTY];
	for (size_t i = 0; rc == PL_OK && i <= c->nrecipients; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)c->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, i == 0 ? c->author : c->recipients[i - 1]), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, i == 0 ? "author" : "recipient", -1, SQLITE_STATIC);
		rc = step(x, st, d);
	}
	return rc;
}

static const char *const REQ_STATES[] = {"open", "withdrawn", "closed", "answered"};

static int put_request(pl_index *x, const pl_wf *w, const pl_wf_request *r, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_REQUEST];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->case_id);
	sqlite3_bind_text(st, 3, pl_wf_party_name(w, r->author), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pl_request_kinds[r->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->time);
	sqlite3_bind_int64(st, 6, r->due);
	sqlite3_bind_int(st, 7, r->due_default);
	sqlite3_bind_int64(st, 8, r->ack_due);
	sqlite3_bind_text(st, 9, REQ_STATES[r->state], -1, SQLITE_STATIC);
	bind_idx(st, 10, r->ended_idx);
	bind_time(st, 11, r->ended_idx != PL_WF_NONE, r->ended_time);
	sqlite3_bind_int64(st, 12, r->queries);
	sqlite3_bind_int64(st, 13, r->updates);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)r->last_idx);
	int rc = step(x, st, d);
	st = x->q[Q_TARGET];
	for (size_t i = 0; rc == PL_OK && i < r->nt; i++) {
		const pl_wf_target *t = &r->t[i];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, t->party), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, r->state == PL_REQ_OPEN && t->answer_idx == PL_WF_NONE);
		bind_idx(st, 4, t->ack_idx);
		bind_time(st, 5, t->ack_idx != PL_WF_NONE, t->ack_time);
		bind_idx(st, 6, t->answer_idx);
		bind_time(st, 7, t->answer_idx != PL_WF_NONE, t->answer_time);
		bind_text(st, 8, t->status >= 0 ? pl_response_statuses[t->status] : NULL);
		sqlite3_bind_int64(st, 9, t->due);
		bind_time(st, 10, t->preserved_until != 0, t->preserved_until);
		sqlite3_bind_int64(st, 11, t->responses);
		rc = step(x, st, d);
	}
	return rc;
}

static int put_ping(pl_index *x, const pl_wf *w, const pl_wf_ping *p, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_PING];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)p->id);
	sqlite3_bind_text(st, 2, pl_wf_party_name(w, p->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->time);
	sqlite3_bind_int(st, 4, p->to_all);
	int rc = step(x, st, d);
	st = x->q[Q_PING_TARGET];
	for (size_t i = 0; rc == PL_OK && i < p->nt; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)p->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, p->t[i].party), -1, SQLITE_STATIC);
		bind_idx(st, 3, p->t[i].pong_idx);
		bind_time(st, 4, p->t[i].pong_idx != PL_WF_NONE, p->t[i].pong_time);
		rc = step(x, st, d);
	}
	return rc;
}

static int put_evidence(pl_index *x, const pl_wf *w, const pl_wf_evidence *e, pl_diag *d)
{
	char rec[PL_WF_PARTIES_MAX * (PL_PARTY_MAX + 1) + 1] = "";
	size_t off = 0;
	for (size_t i = 0; i < e->nrecipients; i++)
		off += (size_t)snprintf(rec + off, sizeof rec - off, "%s%s", i ? "," : "", pl_wf_party_name(w, e->recipients[i]));
	sqlite3_stmt *st = x->q[Q_EVIDENCE];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)e->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->case_id);
	sqlite3_bind_text(st, 3, pl_wf_party_name(w, e->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, e->time);
	sqlite3_bind_text(st, 5, e->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->tlp, -1, SQLITE_STATIC);
	bind_text(st, 7, e->nrecipients ? rec : NULL);
	sqlite3_bind_int(st, 8, e->sealed);
	sqlite3_bind_int64(st, 9, e->files);
	sqlite3_bind_int64(st, 10, e->bytes);
	sqlite3_bind_int64(st, 11, e->findings);
	bind_text(st, 12, e->last_result >= 0 ? pl_finding_results[e->last_result] : NULL);
	return step(x, st, d);
}

static int put_finding(pl_index *x, const pl_wf *w, const pl_wf_finding *f, uint64_t case_id, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_FINDING];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)f->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)f->evidence_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)case_id);
	sqlite3_bind_text(st, 4, pl_wf_party_name(w, f->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->time);
	sqlite3_bind_text(st, 6, f->result >= 0 ? pl_finding_results[f->result] : "sealed", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->tlp, -1, SQLITE_STATIC);
	return step(x, st, d);
}

static const char *const GROUP_STATES[] = {"proposed", "established", "declined", "dissolved"};

/* A group's row and one row per party: its proposer, then each invited party with its answer. */
static int put_group(pl_index *x, const pl_wf *w, const pl_wf_group *g, pl_diag *d)
{
	if (g == NULL)
		return PL_OK;
	sqlite3_stmt *st = x->q[Q_GROUP];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g->id);
	sqlite3_bind_text(st, 2, pl_wf_party_name(w, g->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, g->time);
	sqlite3_bind_text(st, 4, g->tlp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pl_group_kinds[g->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, g->due);
	sqlite3_bind_text(st, 7, GROUP_STATES[g->state], -1, SQLITE_STATIC);
	bind_idx(st, 8, g->established_idx);
	bind_idx(st, 9, g->ended_idx);
	bind_time(st, 10, g->ended_idx != PL_WF_NONE, g->ended_time);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)g->last_idx);
	int rc = step(x, st, d);
	st = x->q[Q_GROUP_PARTY];
	for (size_t i = 0; rc == PL_OK && i <= g->ninv; i++) {
		const pl_wf_invitee *v = i > 0 ? &g->inv[i - 1] : NULL;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)g->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, v ? v->party : g->author), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, v ? "invited" : "proposer", -1, SQLITE_STATIC);
		bind_text(st, 4, v && v->answer >= 0 ? pl_group_answers[v->answer] : NULL);
		bind_idx(st, 5, v ? v->answer_idx : PL_WF_NONE);
		bind_time(st, 6, v && v->answer_idx != PL_WF_NONE, v ? v->answer_time : 0);
		bind_idx(st, 7, v ? v->left_idx : PL_WF_NONE);
		bind_time(st, 8, v && v->left_idx != PL_WF_NONE, v ? v->left_time : 0);
		rc = step(x, st, d);
	}
	return rc;
}

static const char *const SESSION_STATES[] = {"proposed", "accepted", "held", "cancelled"};

/* A session's row and one row per party: its proposer, then each participant with its answer. */
static int put_session(pl_index *x, const pl_wf *w, const pl_wf_session *s, pl_diag *d)
{
	if (s == NULL)
		return PL_OK;
	sqlite3_stmt *st = x->q[Q_SESSION];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)s->id);
	sqlite3_bind_text(st, 2, pl_wf_party_name(w, s->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, s->time);
	sqlite3_bind_text(st, 4, s->tlp, -1, SQLITE_STATIC);
	bind_idx(st, 5, s->group);
	sqlite3_bind_int64(st, 6, s->due);
	sqlite3_bind_int64(st, 7, s->from);
	sqlite3_bind_int64(st, 8, s->until);
	sqlite3_bind_text(st, 9, SESSION_STATES[s->state], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, s->reschedules);
	bind_idx(st, 11, s->ended_idx);
	bind_time(st, 12, s->ended_idx != PL_WF_NONE, s->ended_time);
	bind_text(st, 13, s->state == PL_SESSION_CANCELLED ? pl_wf_party_name(w, s->cancelled_by) : NULL);
	bind_idx(st, 14, s->cites);
	bind_time(st, 15, s->state == PL_SESSION_HELD, s->held_at);
	sqlite3_bind_int64(st, 16, s->outcomes);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)s->last_idx);
	int rc = step(x, st, d);
	st = x->q[Q_SESSION_PARTY];
	for (size_t i = 0; rc == PL_OK && i <= s->np; i++) {
		const pl_wf_participant *p = i > 0 ? &s->p[i - 1] : NULL;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)s->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, p ? p->party : s->author), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p ? "participant" : "proposer", -1, SQLITE_STATIC);
		bind_text(st, 4, p && p->answer >= 0 ? pl_group_answers[p->answer] : NULL);
		bind_idx(st, 5, p ? p->answer_idx : PL_WF_NONE);
		bind_time(st, 6, p && p->answer_idx != PL_WF_NONE, p ? p->answer_time : 0);
		rc = step(x, st, d);
	}
	return rc;
}

/* An outcome's row and each party's position. */
static int put_outcome(pl_index *x, const pl_wf *w, const pl_wf_outcome *o, pl_diag *d)
{
	if (o == NULL)
		return PL_OK;
	sqlite3_stmt *st = x->q[Q_OUTCOME];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)o->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)o->session_id);
	sqlite3_bind_text(st, 3, pl_wf_party_name(w, o->author), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->time);
	sqlite3_bind_text(st, 5, pl_outcome_kinds[o->kind], -1, SQLITE_STATIC);
	bind_idx(st, 6, o->agreed_idx);
	bind_time(st, 7, o->agreed_idx != PL_WF_NONE, o->agreed_time);
	int rc = step(x, st, d);
	st = x->q[Q_POSITION];
	for (size_t i = 0; rc == PL_OK && i < o->npos; i++) {
		const pl_wf_position *p = &o->pos[i];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)o->id);
		sqlite3_bind_text(st, 2, pl_wf_party_name(w, p->party), -1, SQLITE_STATIC);
		bind_text(st, 3, p->position >= 0 ? pl_positions[p->position] : NULL);
		bind_idx(st, 4, p->idx);
		bind_time(st, 5, p->idx != PL_WF_NONE, p->time);
		rc = step(x, st, d);
	}
	return rc;
}

/* The rows entry index changed, from the engine's state after applying it. */
int pl_index_record(pl_index *x, const pl_engine *e, const pl_stmt *s, uint64_t index, const pl_hash *leaf,
		  const pl_wf_effect *ef, pl_diag *d)
{
	const pl_wf *w = &e->wf;
	char lb[PL_HASH_B64_LEN + 1];
	pl_b64_encode(leaf->b, PL_HASH_SIZE, lb);
	sqlite3_stmt *st = x->q[Q_ENTRY];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	sqlite3_bind_text(st, 2, s->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->seq);
	sqlite3_bind_int64(st, 5, s->time);
	bind_idx(st, 6, ef->case_id);
	bind_idx(st, 7, ef->request_id);
	sqlite3_bind_text(st, 8, lb, -1, SQLITE_STATIC);
	int rc = step(x, st, d);
	if (rc != PL_OK)
		return rc;
	if (ef->type < 0) {
		if (strcmp(s->type, "charter") == 0) {
			char v[32];
			snprintf(v, sizeof v, "%lld", (long long)e->members.charter.ack_seconds);
			if ((rc = pl_index_meta_put(x, "ack_seconds", v, d)) != PL_OK)
				return rc;
			snprintf(v, sizeof v, "%lld", (long long)e->members.charter.response_seconds);
			if ((rc = pl_index_meta_put(x, "response_seconds", v, d)) != PL_OK)
				return rc;
		}
		return put_parties(x, &e->members, d);
	}
	switch ((pl_wf_type)ef->type) {
	case PL_WF_PING:
	case PL_WF_PONG:
		return put_ping(x, w, pl_wf_ping_get(w, ef->ping_id), d);
	case PL_WF_NORMS_PUBLISH:
		return put_set(x, w, ef->set, s, d);
	case PL_WF_NORMS_SUBSCRIBE:
	case PL_WF_NORMS_WITHDRAW:
		return put_subs(x, w, ef->party, d);
	case PL_WF_CONCERN:
		if (json_is_integer(json_object_get(s->body, "group"))) { /* raised in a group (admitted: it is one) */
			sqlite3_bind_int64(x->q[Q_GROUP_CASE], 1, (sqlite3_int64)json_integer_value(json_object_get(s->body, "group")));
			sqlite3_bind_int64(x->q[Q_GROUP_CASE], 2, (sqlite3_int64)index);
			if ((rc = step(x, x->q[Q_GROUP_CASE], d)) != PL_OK)
				return rc;
		}
		return put_case(x, w, pl_wf_case_get(w, ef->case_id), true, d);
	case PL_WF_REQUEST:
	case PL_WF_ACK:
	case PL_WF_RESPONSE:
	case PL_WF_STATUS:
	case PL_WF_WITHDRAW:
		if ((rc = put_request(x, w, pl_wf_request_get(w, ef->request_id), d)) != PL_OK)
			return rc;
		return put_case(x, w, pl_wf_case_get(w, ef->case_id), false, d);
	case PL_WF_CLOSE: {
		const pl_wf_case *c = pl_wf_case_get(w, ef->case_id);
		for (size_t i = 0; rc == PL_OK && i < c->nrequests; i++)
			rc = put_request(x, w, &w->requests[c->requests[i]], d);
		return rc == PL_OK ? put_case(x, w, c, false, d) : rc;
	}
	case PL_WF_EVIDENCE:
	case PL_WF_FINDING:
		if ((rc = put_evidence(x, w, pl_wf_evidence_get(w, ef->evidence_id), d)) != PL_OK)
			return rc;
		if (ef->finding_id != PL_WF_NONE &&
		    (rc = put_finding(x, w, pl_wf_finding_get(w, ef->finding_id), ef->case_id, d)) != PL_OK)
			return rc;
		return put_case(x, w, pl_wf_case_get(w, ef->case_id), false, d);
	case PL_WF_GROUP_PROPOSE:
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		return put_group(x, w, pl_wf_group_get(w, ef->group_id), d);
	case PL_WF_SESSION_PROPOSE:
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
	case PL_WF_OUTCOME_ENDORSE:
		if ((rc = put_session(x, w, pl_wf_session_get(w, ef->session_id), d)) != PL_OK)
			return rc;
		/* every entry of the session's thread, reschedules and earlier positions included */
		sqlite3_bind_int64(x->q[Q_SESSION_ENTRY], 1, (sqlite3_int64)ef->session_id);
		sqlite3_bind_int64(x->q[Q_SESSION_ENTRY], 2, (sqlite3_int64)index);
		if ((rc = step(x, x->q[Q_SESSION_ENTRY], d)) != PL_OK)
			return rc;
		return ef->outcome_id != PL_WF_NONE ? put_outcome(x, w, pl_wf_outcome_get(w, ef->outcome_id), d) : PL_OK;
	case PL_WF_NTYPES:
		break;
	}
	return PL_OK;
}
