/* views_groups.c - standing groups and consultation sessions as the index holds them, as JSON (views.h:
 * pl_view_groups, pl_view_group, pl_view_sessions, pl_view_session; docs/workflow.md, "Standing groups",
 * "Consultation sessions and joint outcomes"). Public fields only: what is sealed (a group's name, an
 * agenda, an outcome's text) is opened on the member's side. */
#include "workflow/views_impl.h"

#include <stdio.h>
#include <string.h>

int pl_view_groups(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
{
	return pl_view_list(x, "groups",
			    "id, author, time, tlp, kind, due, state, (SELECT COUNT(*) FROM group_parties WHERE group_id = id"
			    " AND role = 'invited') AS invited, (SELECT COUNT(*) FROM group_parties WHERE group_id = id AND"
			    " answer = 'accept' AND left_idx IS NULL) AS members, last_idx",
			    "groups WHERE (?1 IS NULL OR id IN (SELECT group_id FROM group_parties WHERE party = ?1))"
			    " AND (?2 IS NULL OR state = ?2)",
			    "last_idx DESC, id DESC", party, state, pg, out, d);
}

/* Runs sql bound to id (and now as ?2 when it takes it) into a new array at g[key]. */
static int rows_at(sqlite3 *db, json_t *g, const char *key, const char *sql, uint64_t id, int64_t now, pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = arr != NULL && json_object_set_new(g, key, arr) == 0 ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && (rc = pl_view_prepare(db, sql, &st, d)) == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, now);
		rc = pl_view_rows_into(db, st, arr, d);
	}
	sqlite3_finalize(st);
	return rc;
}

int pl_view_group(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	json_t *g = NULL;
	int rc = pl_view_prepare(db,
				 "SELECT id, author, time, tlp, kind, due, state, established_idx, ended_idx, ended_time,"
				 " last_idx, state = 'proposed' AND due < ?2 AS lapsed FROM groups WHERE id = ?1",
				 &st, d);
	if (rc == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		sqlite3_bind_int64(st, 2, now);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			if ((g = pl_view_row(st)) == NULL)
				rc = PL_ENOMEM;
		} else if (r == SQLITE_DONE) {
			rc = pl_diag_set(d, PL_ENOTFOUND, "entry %llu is not a group", (unsigned long long)id);
		} else {
			rc = pl_view_db_err(db, d);
		}
	}
	sqlite3_finalize(st);
	if (rc == PL_OK) {
		json_object_set_new(g, "lapsed", json_boolean(json_integer_value(json_object_get(g, "lapsed")) != 0));
		/* silent: invited, no answer, and the deadline passed at now (derived, never a statement) */
		rc = rows_at(db, g, "parties",
			     "SELECT p.party, p.role, p.answer, p.answer_idx, p.answer_time, p.answer_time > g.due AS late,"
			     " p.left_idx, p.left_time, p.role = 'invited' AND p.answer IS NULL AND g.due < ?2 AS silent"
			     " FROM group_parties p JOIN groups g ON g.id = p.group_id WHERE p.group_id = ?1"
			     " ORDER BY p.role = 'invited', p.party",
			     id, now, d);
	}
	if (rc == PL_OK)
		rc = rows_at(db, g, "cases",
			     "SELECT c.id, c.author, c.time, c.tlp, c.state FROM group_cases gc JOIN cases c ON c.id = gc.case_id"
			     " WHERE gc.group_id = ?1 ORDER BY c.id",
			     id, now, d);
	if (rc == PL_OK)
		rc = rows_at(db, g, "thread",
			     "SELECT idx, type, author, time FROM entries WHERE idx = ?1"
			     " OR idx IN (SELECT answer_idx FROM group_parties WHERE group_id = ?1)"
			     " OR idx IN (SELECT left_idx FROM group_parties WHERE group_id = ?1)"
			     " OR idx = (SELECT ended_idx FROM groups WHERE id = ?1) ORDER BY idx",
			     id, now, d);
	if (rc == PL_OK) {
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(g, "parties"), i, p)
		{
			json_t *late = json_object_get(p, "late"), *silent = json_object_get(p, "silent");
			json_object_set_new(p, "late", json_boolean(json_integer_value(late) != 0));
			json_object_set_new(p, "silent", json_boolean(json_integer_value(silent) != 0));
		}
		*out = g;
		return PL_OK;
	}
	json_decref(g);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

/* ---- consultation sessions ---- */

int pl_view_sessions(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
{
	return pl_view_list(x, "sessions",
			    "id, author, time, tlp, group_id, due, from_time, until_time, state, reschedules, cancelled_by,"
			    " cites, held_time, outcomes, (SELECT COUNT(*) FROM session_parties WHERE session_id = id AND"
			    " role = 'participant') AS participants, last_idx",
			    "sessions WHERE (?1 IS NULL OR id IN (SELECT session_id FROM session_parties WHERE party = ?1))"
			    " AND (?2 IS NULL OR state = ?2)",
			    "last_idx DESC, id DESC", party, state, pg, out, d);
}

/* o[key]'s 0/1 integer as a boolean. */
static void as_bool(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_boolean(json_integer_value(json_object_get(o, key)) != 0));
}

int pl_view_session(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	json_t *s = NULL;
	int rc = pl_view_prepare(db,
				 "SELECT id, author, time, tlp, group_id, due, from_time, until_time, state, reschedules,"
				 " ended_idx, ended_time, cancelled_by, cites, held_time, outcomes, last_idx FROM sessions"
				 " WHERE id = ?1",
				 &st, d);
	if (rc == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			rc = (s = pl_view_row(st)) != NULL ? PL_OK : PL_ENOMEM;
		else if (r == SQLITE_DONE)
			rc = pl_diag_set(d, PL_ENOTFOUND, "entry %llu is not a session", (unsigned long long)id);
		else
			rc = pl_view_db_err(db, d);
	}
	sqlite3_finalize(st);
	if (rc == PL_OK)
		rc = rows_at(db, s, "parties",
			     "SELECT p.party, p.role, p.answer, p.answer_idx, p.answer_time, p.answer_time > x.due AS late,"
			     " p.role = 'participant' AND p.answer IS NULL AND x.due < ?2 AND x.state IN ('proposed', 'accepted')"
			     " AS silent FROM session_parties p JOIN sessions x ON x.id = p.session_id WHERE p.session_id = ?1"
			     " ORDER BY p.role = 'participant', p.party",
			     id, now, d);
	if (rc == PL_OK)
		rc = rows_at(db, s, "outcomes",
			     "SELECT id, author, time, kind, agreed_idx, agreed_time FROM outcomes WHERE session_id = ?1"
			     " ORDER BY id",
			     id, now, d);
	size_t i;
	json_t *e;
	json_array_foreach(rc == PL_OK ? json_object_get(s, "outcomes") : NULL, i, e)
	{
		if (rc == PL_OK)
			rc = rows_at(db, e, "positions",
				     "SELECT party, position, idx, position_time FROM outcome_positions WHERE outcome_id = ?1"
				     " ORDER BY party",
				     (uint64_t)json_integer_value(json_object_get(e, "id")), now, d);
		if (rc == PL_OK)
			json_object_set_new(e, "agreed", json_boolean(json_is_integer(json_object_get(e, "agreed_idx"))));
	}
	if (rc == PL_OK)
		rc = rows_at(db, s, "thread",
			     "SELECT e.idx, e.type, e.author, e.time FROM session_entries x JOIN entries e ON e.idx = x.idx"
			     " WHERE x.session_id = ?1 ORDER BY e.idx",
			     id, now, d);
	if (rc == PL_OK) {
		json_array_foreach(json_object_get(s, "parties"), i, e)
		{
			as_bool(e, "late");
			as_bool(e, "silent");
		}
		*out = s;
		return PL_OK;
	}
	json_decref(s);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

int pl_view_endorsements(pl_index *x, uint64_t outcome, uint64_t *idx, char (*parties)[PL_PARTY_MAX + 1], size_t cap,
			 size_t *n, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	*n = 0;
	int rc = pl_view_prepare(db,
				 "SELECT idx, party FROM outcome_positions WHERE outcome_id = ?1 AND position = 'endorse'"
				 " ORDER BY idx",
				 &st, d);
	int r = SQLITE_DONE;
	if (rc == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)outcome);
		while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
			idx[*n] = (uint64_t)sqlite3_column_int64(st, 0);
			snprintf(parties[*n], PL_PARTY_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 1));
			(*n)++;
		}
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			rc = pl_view_db_err(db, d);
	}
	sqlite3_finalize(st);
	return rc;
}
