/* report.c - `parley report`: every party's record, derived from the index (views.h). */
#include "workflow/views.h"

#include <stdlib.h>
#include <string.h>

typedef struct tally {
	char party[PL_PARTY_MAX + 1];
	bool active;
	int64_t raised, received, requests_made, requests_received;
	int64_t ack[4], ans[4]; /* on time, late, never, pending */
	int64_t *ack_s, *ans_s; /* seconds to acknowledge / to answer */
	size_t nack, nans, capack, capans;
	int64_t pings, pongs;
	/* standing groups: offers made and what came of them; invitations received and how answered */
	int64_t offered, offer_accepted, offer_declined, offer_unanswered;
	int64_t invited, inv_accepted, inv_declined, inv_late, inv_silent, left;
	/* consultation sessions: proposed and what became of them; cancellations made; invitations; outcomes */
	int64_t s_proposed, s_held, s_cancelled, s_cancels_made, s_invited, s_accepted, s_declined, s_silent;
	int64_t o_positions, o_endorsed, o_dissent, o_pending;
	int64_t *end_s; /* seconds from an outcome to this party's endorsement */
	size_t nend, capend;
	json_t *norms;
} tally;

enum { ON_TIME, LATE, NEVER, PENDING };

static int push(int64_t **a, size_t *n, size_t *cap, int64_t v)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		int64_t *p = realloc(*a, c * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		*a = p;
		*cap = c;
	}
	(*a)[(*n)++] = v;
	return PL_OK;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Median in whole seconds (the lower of the two middle values' mean, floored); null when empty. */
static json_t *median(int64_t *a, size_t n)
{
	if (n == 0)
		return json_null();
	qsort(a, n, sizeof *a, cmp64);
	return json_integer(n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2);
}

static tally *find(tally *t, size_t n, const char *party)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t[mid].party, party);
		if (c == 0)
			return &t[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* How a deadline went: done at `at` (if done), due at `due`, the request ended at `end` (if ended). */
static int judge(bool done, int64_t at, int64_t due, bool ended, int64_t end, int64_t now)
{
	if (done)
		return at <= due ? ON_TIME : LATE;
	int64_t horizon = ended && end < now ? end : now;
	if (horizon > due)
		return NEVER;
	return PENDING; /* still open, or ended before it fell due (counted nowhere) */
}

/* Adds per-party counts from a "SELECT party, COUNT(*) ..." query (?1, when it has one: now). */
static int counts_at(sqlite3 *db, const char *sql, int64_t now, tally *t, size_t n, size_t field, pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, now);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		tally *e = find(t, n, (const char *)sqlite3_column_text(st, 0));
		if (e != NULL)
			*(int64_t *)(void *)((char *)e + field) += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? PL_OK : pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
}

static int counts(sqlite3 *db, const char *sql, tally *t, size_t n, size_t field, pl_diag *d)
{
	return counts_at(db, sql, 0, t, n, field, d);
}

static json_t *four(const int64_t *v)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "on_time", (json_int_t)v[ON_TIME], "late", (json_int_t)v[LATE], "never",
			 (json_int_t)v[NEVER], "pending", (json_int_t)v[PENDING]);
}

/* The groups' figures, silence and lapse judged at now (docs/workflow.md, "Standing groups"). */
static int group_counts(sqlite3 *db, int64_t now, tally *t, size_t n, pl_diag *d)
{
	static const struct {
		const char *sql; /* ?1: now */
		size_t field;
	} Q[] = {
		{"SELECT author, COUNT(*) FROM groups GROUP BY author", offsetof(tally, offered)},
		{"SELECT author, COUNT(*) FROM groups WHERE established_idx IS NOT NULL GROUP BY author",
		 offsetof(tally, offer_accepted)},
		{"SELECT author, COUNT(*) FROM groups WHERE state = 'declined' GROUP BY author", offsetof(tally, offer_declined)},
		/* left unanswered: no invited party answered by the deadline */
		{"SELECT author, COUNT(*) FROM groups g WHERE due < ?1 AND NOT EXISTS (SELECT 1 FROM group_parties p"
		 " WHERE p.group_id = g.id AND p.answer_time IS NOT NULL AND p.answer_time <= g.due) GROUP BY author",
		 offsetof(tally, offer_unanswered)},
		{"SELECT party, COUNT(*) FROM group_parties WHERE role = 'invited' GROUP BY party", offsetof(tally, invited)},
		{"SELECT party, COUNT(*) FROM group_parties WHERE answer = 'accept' GROUP BY party",
		 offsetof(tally, inv_accepted)},
		{"SELECT party, COUNT(*) FROM group_parties WHERE answer = 'decline' GROUP BY party",
		 offsetof(tally, inv_declined)},
		{"SELECT p.party, COUNT(*) FROM group_parties p JOIN groups g ON g.id = p.group_id"
		 " WHERE p.answer_time > g.due GROUP BY p.party",
		 offsetof(tally, inv_late)},
		{"SELECT p.party, COUNT(*) FROM group_parties p JOIN groups g ON g.id = p.group_id WHERE p.role = 'invited'"
		 " AND p.answer IS NULL AND g.due < ?1 GROUP BY p.party",
		 offsetof(tally, inv_silent)},
		{"SELECT party, COUNT(*) FROM group_parties WHERE left_idx IS NOT NULL GROUP BY party", offsetof(tally, left)},
	};
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < sizeof Q / sizeof Q[0]; i++)
		rc = counts_at(db, Q[i].sql, now, t, n, Q[i].field, d);
	return rc;
}

/* The sessions' figures (docs/workflow.md, "Consultation sessions and joint outcomes"), silence at now. */
static int session_counts(sqlite3 *db, int64_t now, tally *t, size_t n, pl_diag *d)
{
	static const struct {
		const char *sql; /* ?1: now */
		size_t field;
	} Q[] = {
		{"SELECT author, COUNT(*) FROM sessions GROUP BY author", offsetof(tally, s_proposed)},
		{"SELECT author, COUNT(*) FROM sessions WHERE state = 'held' GROUP BY author", offsetof(tally, s_held)},
		{"SELECT author, COUNT(*) FROM sessions WHERE state = 'cancelled' GROUP BY author", offsetof(tally, s_cancelled)},
		{"SELECT cancelled_by, COUNT(*) FROM sessions WHERE state = 'cancelled' GROUP BY cancelled_by",
		 offsetof(tally, s_cancels_made)},
		{"SELECT party, COUNT(*) FROM session_parties WHERE role = 'participant' GROUP BY party", offsetof(tally, s_invited)},
		{"SELECT party, COUNT(*) FROM session_parties WHERE answer = 'accept' GROUP BY party", offsetof(tally, s_accepted)},
		{"SELECT party, COUNT(*) FROM session_parties WHERE answer = 'decline' GROUP BY party", offsetof(tally, s_declined)},
		{"SELECT p.party, COUNT(*) FROM session_parties p JOIN sessions x ON x.id = p.session_id WHERE"
		 " p.role = 'participant' AND p.answer IS NULL AND x.due < ?1 AND x.state IN ('proposed', 'accepted')"
		 " GROUP BY p.party",
		 offsetof(tally, s_silent)},
		{"SELECT party, COUNT(*) FROM outcome_positions GROUP BY party", offsetof(tally, o_positions)},
		{"SELECT party, COUNT(*) FROM outcome_positions WHERE position = 'endorse' GROUP BY party",
		 offsetof(tally, o_endorsed)},
		{"SELECT party, COUNT(*) FROM outcome_positions WHERE position = 'dissent' GROUP BY party",
		 offsetof(tally, o_dissent)},
		{"SELECT party, COUNT(*) FROM outcome_positions WHERE position IS NULL GROUP BY party", offsetof(tally, o_pending)},
	};
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < sizeof Q / sizeof Q[0]; i++)
		rc = counts_at(db, Q[i].sql, now, t, n, Q[i].field, d);
	sqlite3_stmt *st = NULL;
	if (rc == PL_OK && sqlite3_prepare_v2(db,
					      "SELECT p.party, p.position_time - o.time FROM outcome_positions p JOIN outcomes o"
					      " ON o.id = p.outcome_id WHERE p.position = 'endorse'",
					      -1, &st, NULL) != SQLITE_OK)
		rc = pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	int r = SQLITE_DONE;
	while (rc == PL_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		tally *e = find(t, n, (const char *)sqlite3_column_text(st, 0));
		if (e != NULL && push(&e->end_s, &e->nend, &e->capend, sqlite3_column_int64(st, 1)) != PL_OK)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	if (rc == PL_OK && r != SQLITE_DONE)
		rc = pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static json_t *sessions_json(tally *e)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:o}}", "proposed",
			 (json_int_t)e->s_proposed, "held", (json_int_t)e->s_held, "cancelled", (json_int_t)e->s_cancelled,
			 "cancellations_made", (json_int_t)e->s_cancels_made, "invited", (json_int_t)e->s_invited, "answers",
			 "accepted", (json_int_t)e->s_accepted, "declined", (json_int_t)e->s_declined, "silent",
			 (json_int_t)e->s_silent, "outcomes", "to_take_position_on", (json_int_t)e->o_positions, "endorsed",
			 (json_int_t)e->o_endorsed, "dissenting", (json_int_t)e->o_dissent, "pending",
			 (json_int_t)e->o_pending, "median_seconds_to_endorse", median(e->end_s, e->nend));
}

static json_t *groups_json(const tally *e)
{
	return json_pack("{s:I,s:{s:I,s:I,s:I},s:I,s:{s:I,s:I,s:I,s:I},s:I}", "offered", (json_int_t)e->offered, "offers",
			 "accepted", (json_int_t)e->offer_accepted, "declined", (json_int_t)e->offer_declined,
			 "unanswered", (json_int_t)e->offer_unanswered, "invited", (json_int_t)e->invited, "answers",
			 "accepted", (json_int_t)e->inv_accepted, "declined", (json_int_t)e->inv_declined, "late",
			 (json_int_t)e->inv_late, "silent", (json_int_t)e->inv_silent, "left", (json_int_t)e->left);
}

int pl_view_report(pl_index *x, const char *party, int64_t now, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	tally *t = NULL;
	size_t n = 0, cap = 0;
	int rc = PL_OK, r;
	json_t *arr = NULL;
	if (sqlite3_prepare_v2(db, "SELECT party, active FROM parties ORDER BY party", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			tally *p = realloc(t, c * sizeof *p);
			if (p == NULL)
				goto nomem;
			t = p;
			cap = c;
		}
		memset(&t[n], 0, sizeof t[n]);
		snprintf(t[n].party, sizeof t[n].party, "%s", (const char *)sqlite3_column_text(st, 0));
		t[n].active = sqlite3_column_int(st, 1) != 0;
		if ((t[n].norms = json_array()) == NULL)
			goto nomem;
		n++;
	}
	if (r != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = counts(db, "SELECT author, COUNT(*) FROM cases GROUP BY author", t, n, offsetof(tally, raised), d)) ||
	    (rc = counts(db, "SELECT party, COUNT(*) FROM case_parties WHERE role = 'recipient' GROUP BY party", t, n,
			 offsetof(tally, received), d)) ||
	    (rc = counts(db, "SELECT author, COUNT(*) FROM requests GROUP BY author", t, n,
			 offsetof(tally, requests_made), d)) ||
	    (rc = counts(db, "SELECT party, COUNT(*) FROM ping_targets GROUP BY party", t, n, offsetof(tally, pings), d)) ||
	    (rc = counts(db, "SELECT party, COUNT(*) FROM ping_targets WHERE pong_idx IS NOT NULL GROUP BY party", t, n,
			 offsetof(tally, pongs), d)) ||
	    (rc = group_counts(db, now, t, n, d)) != PL_OK || (rc = session_counts(db, now, t, n, d)) != PL_OK)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "SELECT s.party, s.set_hash, n.name FROM subscriptions s JOIN norm_sets n"
			       " ON n.hash = s.set_hash WHERE s.until IS NULL ORDER BY s.party, s.since",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		tally *e = find(t, n, (const char *)sqlite3_column_text(st, 0));
		if (e != NULL && json_array_append_new(e->norms, json_pack("{s:s,s:s}", "hash", sqlite3_column_text(st, 1),
									   "name", sqlite3_column_text(st, 2))) != 0)
			goto nomem;
	}
	if (r != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT t.party, r.time, r.ack_due, t.due, t.ack_time, t.answer_time, r.ended_time"
			       " FROM request_targets t JOIN requests r ON r.id = t.request_id",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		tally *e = find(t, n, (const char *)sqlite3_column_text(st, 0));
		if (e == NULL)
			continue;
		int64_t time = sqlite3_column_int64(st, 1), ack_due = sqlite3_column_int64(st, 2),
			due = sqlite3_column_int64(st, 3), ack_at = sqlite3_column_int64(st, 4),
			ans_at = sqlite3_column_int64(st, 5), end = sqlite3_column_int64(st, 6);
		bool acked = sqlite3_column_type(st, 4) != SQLITE_NULL, answered = sqlite3_column_type(st, 5) != SQLITE_NULL,
		     ended = sqlite3_column_type(st, 6) != SQLITE_NULL;
		e->requests_received++;
		int a = judge(acked, ack_at, ack_due, ended, end, now), b = judge(answered, ans_at, due, ended, end, now);
		/* a request ended before its deadline, unanswered, counts nowhere */
		if (!(a == PENDING && ended && end <= now))
			e->ack[a]++;
		if (!(b == PENDING && ended && end <= now))
			e->ans[b]++;
		if ((acked && push(&e->ack_s, &e->nack, &e->capack, ack_at - time) != PL_OK) ||
		    (answered && push(&e->ans_s, &e->nans, &e->capans, ans_at - time) != PL_OK))
			goto nomem;
	}
	if (r != SQLITE_DONE)
		goto dberr;
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		tally *e = &t[i];
		if (party != NULL && strcmp(party, e->party) != 0)
			continue;
		json_t *o = json_pack(
			"{s:s,s:b,s:O,s:{s:I,s:I},s:{s:I,s:I,s:o,s:o},s:{s:o,s:o},s:{s:I,s:I,s:o}}", "party", e->party,
			"active", e->active, "norms", e->norms, "concerns", "raised", (json_int_t)e->raised, "received",
			(json_int_t)e->received, "requests", "made", (json_int_t)e->requests_made, "received",
			(json_int_t)e->requests_received, "acknowledged", four(e->ack), "answered", four(e->ans),
			"median_seconds", "to_acknowledge", median(e->ack_s, e->nack), "to_answer",
			median(e->ans_s, e->nans), "pings", "received", (json_int_t)e->pings, "answered",
			(json_int_t)e->pongs, "answer_rate",
			e->pings ? json_real((double)e->pongs / (double)e->pings) : json_null());
		if (o != NULL && (json_object_set_new(o, "groups", groups_json(e)) != 0 ||
				  json_object_set_new(o, "sessions", sessions_json(e)) != 0)) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto nomem;
	}
	if (party != NULL && json_array_size(arr) == 0) {
		rc = pl_diag_set(d, PL_ENOTFOUND, "%s is not a member of this log", party);
		goto out;
	}
	*out = json_pack("{s:o,s:o}", "now", pl_view_time(now), "parties", arr);
	arr = NULL;
	if (*out == NULL)
		goto nomem;
	goto out;
dberr:
	rc = pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	goto out;
nomem:
	rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
out:
	sqlite3_finalize(st);
	json_decref(arr);
	for (size_t i = 0; i < n; i++) {
		free(t[i].ack_s);
		free(t[i].ans_s);
		free(t[i].end_s);
		json_decref(t[i].norms);
	}
	free(t);
	return rc;
}
