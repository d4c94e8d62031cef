/* views.c - queries over the index, as JSON (views.h). */
#include "workflow/views_impl.h"

#include "base/codec.h"
#include "base/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pl_view_db_err(sqlite3 *db, pl_diag *d)
{
	return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
}

static bool is_time_column(const char *name)
{
	size_t n = strlen(name);
	return (n >= 4 && strcmp(name + n - 4, "time") == 0) || (n >= 3 && strcmp(name + n - 3, "due") == 0) ||
	       strcmp(name, "preserved_until") == 0;
}

json_t *pl_view_time(int64_t t)
{
	char ts[PL_TIME_LEN + 1];
	if (t < 0 || t >= 253402300800LL)
		return json_integer(t);
	pl_time_format(t, ts);
	return json_string(ts);
}

json_t *pl_view_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	for (int i = 0; o != NULL && i < sqlite3_column_count(st); i++) {
		const char *name = sqlite3_column_name(st, i);
		json_t *v;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			v = json_null();
			break;
		case SQLITE_INTEGER:
			v = is_time_column(name) ? pl_view_time(sqlite3_column_int64(st, i))
						 : json_integer(sqlite3_column_int64(st, i));
			break;
		default:
			v = json_string((const char *)sqlite3_column_text(st, i));
		}
		if (v == NULL || json_object_set_new(o, name, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int pl_view_rows_into(sqlite3 *db, sqlite3_stmt *st, json_t *arr, pl_diag *d)
{
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = pl_view_row(st);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	return r == SQLITE_DONE ? PL_OK : pl_view_db_err(db, d);
}

int pl_view_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, pl_diag *d)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return pl_view_db_err(db, d);
	return PL_OK;
}

uint64_t pl_view_page_limit(pl_page pg)
{
	if (pg.limit == 0)
		return 100;
	return pg.limit > PL_VIEW_LIMIT_MAX ? PL_VIEW_LIMIT_MAX : pg.limit;
}

int pl_view_count(sqlite3 *db, sqlite3_stmt *st, int64_t *n, pl_diag *d)
{
	if (sqlite3_step(st) != SQLITE_ROW)
		return pl_view_db_err(db, d);
	*n = sqlite3_column_int64(st, 0);
	return PL_OK;
}

json_t *pl_view_paged(const char *key, json_t *items, int64_t total, pl_page pg)
{
	uint64_t lim = pl_view_page_limit(pg), next = pg.offset + lim;
	return json_pack("{s:I,s:o,s:o}", "total", (json_int_t)total, "next",
			 next < (uint64_t)total ? json_integer((json_int_t)next) : json_null(), key, items);
}

int pl_view_list(pl_index *x, const char *key, const char *select, const char *from, const char *order,
		 const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	char sql[1024];
	sqlite3_stmt *st = NULL, *ct = NULL;
	json_t *items = json_array();
	int64_t total = 0;
	int rc = items ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s LIMIT ?3 OFFSET ?4", select, from,
				    order) >= (int)sizeof sql)
		rc = pl_diag_set(d, PL_EINVAL, "view query too long");
	if (rc == PL_OK && (rc = pl_view_prepare(db, sql, &st, d)) == PL_OK) {
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", from);
		rc = pl_view_prepare(db, sql, &ct, d);
	}
	if (rc == PL_OK) {
		sqlite3_stmt *both[2] = {st, ct};
		for (int i = 0; i < 2; i++) {
			if (party)
				sqlite3_bind_text(both[i], 1, party, -1, SQLITE_STATIC);
			if (state)
				sqlite3_bind_text(both[i], 2, state, -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(st, 3, (sqlite3_int64)pl_view_page_limit(pg));
		sqlite3_bind_int64(st, 4, (sqlite3_int64)pg.offset);
		if ((rc = pl_view_rows_into(db, st, items, d)) == PL_OK)
			rc = pl_view_count(db, ct, &total, d);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ct);
	if (rc == PL_OK && (*out = pl_view_paged(key, items, total, pg)) == NULL)
		rc = PL_ENOMEM;
	else if (rc != PL_OK)
		json_decref(items);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

int pl_view_cases(pl_index *x, const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d)
{
	return pl_view_list(x, "cases",
			    "id, author, time, title, class, rsit_type, tlp, state, outcome, requests, last_idx, last_time",
			    "cases WHERE (?1 IS NULL OR id IN (SELECT case_id FROM case_parties WHERE party = ?1))"
			    " AND (?2 IS NULL OR state = ?2)",
			    "last_idx DESC, id DESC", party, state, pg, out, d);
}

/* Adds each addressee's progress, judged at now, to a request object. */
static int request_targets(sqlite3 *db, json_t *req, int64_t id, int64_t now, pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = arr ? pl_view_prepare(db,
			       "SELECT t.party, t.ack_idx, t.ack_time, t.answer_idx, t.answer_time, t.status, t.due,"
			       " t.preserved_until, t.responses, r.ack_due, r.state FROM request_targets t"
			       " JOIN requests r ON r.id = t.request_id WHERE t.request_id = ? ORDER BY t.party",
			       &st, d)
		     : PL_ENOMEM;
	if (rc == PL_OK) {
		sqlite3_bind_int64(st, 1, id);
		int r;
		while (rc == PL_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *o = pl_view_row(st);
			if (o == NULL) {
				rc = PL_ENOMEM;
				break;
			}
			bool open = strcmp((const char *)sqlite3_column_text(st, 10), "open") == 0;
			bool acked = sqlite3_column_type(st, 1) != SQLITE_NULL;
			bool answered = sqlite3_column_type(st, 3) != SQLITE_NULL;
			int64_t due = sqlite3_column_int64(st, 6), ack_due = sqlite3_column_int64(st, 9);
			const char *progress = answered ? "answered"
					       : !open  ? "ended"
					       : acked  ? "acknowledged"
							: "awaiting";
			json_object_del(o, "ack_due");
			json_object_del(o, "state");
			json_object_set_new(o, "progress", json_string(progress));
			json_object_set_new(o, "overdue",
					    json_boolean(open && !answered && (now > due || (!acked && now > ack_due))));
			if (json_array_append_new(arr, o) != 0)
				rc = PL_ENOMEM;
		}
		if (rc == PL_OK && r != SQLITE_DONE)
			rc = pl_view_db_err(db, d);
	}
	sqlite3_finalize(st);
	if (rc == PL_OK && json_object_set_new(req, "addressees", arr) == 0)
		return PL_OK;
	if (rc == PL_OK)
		rc = PL_ENOMEM;
	json_decref(arr);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

int pl_view_case(pl_index *x, uint64_t id, int64_t now, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	json_t *c = NULL, *parties = json_array(), *reqs = json_array(), *thread = json_array();
	int rc = parties && reqs && thread ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && (rc = pl_view_prepare(db, "SELECT * FROM cases WHERE id = ?", &st, d)) == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			rc = (c = pl_view_row(st)) ? PL_OK : PL_ENOMEM;
		else
			rc = r == SQLITE_DONE ? pl_diag_set(d, PL_ENOTFOUND, "entry %llu is not a case",
							    (unsigned long long)id)
					      : pl_view_db_err(db, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == PL_OK &&
	    (rc = pl_view_prepare(db, "SELECT party, role FROM case_parties WHERE case_id = ? ORDER BY role, party", &st, d)) ==
		    PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = pl_view_rows_into(db, st, parties, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == PL_OK && (rc = pl_view_prepare(db, "SELECT * FROM requests WHERE case_id = ? ORDER BY id", &st, d)) == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = pl_view_rows_into(db, st, reqs, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; rc == PL_OK && i < json_array_size(reqs); i++) {
		json_t *r = json_array_get(reqs, i);
		rc = request_targets(db, r, json_integer_value(json_object_get(r, "id")), now, d);
	}
	json_t *evidence = json_array();
	if (rc == PL_OK && evidence == NULL)
		rc = PL_ENOMEM;
	if (rc == PL_OK &&
	    (rc = pl_view_prepare(db,
			  "SELECT e.*, (SELECT json_group_array(json_object('id', f.id, 'author', f.author, 'result', f.result,"
			  " 'time', strftime('%Y-%m-%dT%H:%M:%SZ', f.time, 'unixepoch'), 'tlp', f.tlp)) FROM findings f"
			  " WHERE f.evidence_id = e.id) AS finding_list FROM evidence e WHERE e.case_id = ? ORDER BY e.id",
			  &st, d)) == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = pl_view_rows_into(db, st, evidence, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; rc == PL_OK && i < json_array_size(evidence); i++) {
		/* the findings, aggregated by SQLite as JSON text, as a real array */
		json_t *e = json_array_get(evidence, i);
		json_error_t je;
		json_t *fl = json_loads(json_string_value(json_object_get(e, "finding_list")), 0, &je);
		json_object_del(e, "finding_list");
		json_object_set_new(e, "sealed", json_boolean(json_integer_value(json_object_get(e, "sealed"))));
		if (fl == NULL || json_object_set_new(e, "finding_list", fl) != 0)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	if (rc == PL_OK && (rc = pl_view_prepare(db,
					 "SELECT idx, type, author, seq, time, request_id, leaf FROM entries"
					 " WHERE case_id = ? ORDER BY idx",
					 &st, d)) == PL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = pl_view_rows_into(db, st, thread, d);
	}
	sqlite3_finalize(st);
	if (rc == PL_OK && (json_object_set(c, "parties", parties) != 0 || json_object_set(c, "requests", reqs) != 0 ||
			    json_object_set(c, "evidence", evidence) != 0 || json_object_set(c, "thread", thread) != 0))
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	json_decref(evidence);
	json_decref(parties);
	json_decref(reqs);
	json_decref(thread);
	if (rc != PL_OK) {
		json_decref(c);
		return rc;
	}
	*out = c;
	return PL_OK;
}

int pl_view_norms(pl_index *x, const char *hash, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	json_t *sets = json_array();
	int rc = sets ? pl_view_prepare(db,
				"SELECT n.hash, n.idx, n.author, n.time, n.name, n.version, n.norms,"
				" (SELECT COUNT(*) FROM subscriptions s WHERE s.set_hash = n.hash AND s.until IS NULL)"
				" AS subscribers FROM norm_sets n WHERE ?1 IS NULL OR n.hash = ?1 ORDER BY n.idx",
				&st, d)
		      : PL_ENOMEM;
	if (rc == PL_OK) {
		if (hash)
			sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		rc = pl_view_rows_into(db, st, sets, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == PL_OK && hash == NULL) {
		*out = json_pack("{s:o}", "sets", sets);
		return *out ? PL_OK : pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	if (rc == PL_OK && json_array_size(sets) == 0)
		rc = pl_diag_set(d, PL_ENOTFOUND, "no norm set %s was published", hash);
	json_t *set = rc == PL_OK ? json_incref(json_array_get(sets, 0)) : NULL;
	json_decref(sets);
	json_t *norms = json_array(), *subs = json_array();
	if (rc == PL_OK && (norms == NULL || subs == NULL))
		rc = PL_ENOMEM;
	if (rc == PL_OK &&
	    (rc = pl_view_prepare(db, "SELECT id, short, gist, source FROM norms WHERE set_hash = ? ORDER BY pos", &st, d)) ==
		    PL_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		rc = pl_view_rows_into(db, st, norms, d);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == PL_OK && (rc = pl_view_prepare(db,
					 "SELECT party, since FROM subscriptions WHERE set_hash = ? AND until IS NULL"
					 " ORDER BY party",
					 &st, d)) == PL_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		rc = pl_view_rows_into(db, st, subs, d);
	}
	sqlite3_finalize(st);
	if (rc == PL_OK && (json_object_set(set, "norms", norms) != 0 || json_object_set(set, "subscribed", subs) != 0))
		rc = PL_ENOMEM;
	json_decref(norms);
	json_decref(subs);
	if (rc != PL_OK) {
		json_decref(set);
		return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
	}
	*out = set;
	return PL_OK;
}

int pl_view_inbox(pl_index *x, const char *party, int64_t now, pl_page pg, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	/* a request awaits an acknowledgement until acked (if that deadline
	 * comes first), then the answer; a ping awaits its pong, due by the
	 * charter's acknowledgement deadline; an invitation to a group that
	 * is not over, or to a session not held or cancelled, awaits the
	 * party's answer by its deadline; an outcome the party has taken no
	 * position on awaits its endorsement, by the charter's response
	 * deadline after the outcome */
	static const char ITEMS[] =
		"SELECT 'request' AS item, t.request_id AS id, r.case_id AS case_id, r.author AS author,"
		" r.kind AS kind, c.title AS title, r.time AS time,"
		" CASE WHEN t.ack_idx IS NULL THEN 'ack' ELSE 'answer' END AS awaiting,"
		" CASE WHEN t.ack_idx IS NULL THEN r.ack_due ELSE t.due END AS next_due,"
		" t.due AS answer_due, t.status AS status"
		" FROM request_targets t JOIN requests r ON r.id = t.request_id JOIN cases c ON c.id = r.case_id"
		" WHERE t.party = ?1 AND t.open = 1"
		" UNION ALL "
		"SELECT 'ping', p.id, NULL, p.author, NULL, NULL, p.time, 'pong',"
		" p.time + COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'ack_seconds'), 86400),"
		" NULL, NULL"
		" FROM ping_targets pt JOIN pings p ON p.id = pt.ping_id WHERE pt.party = ?1 AND pt.pong_idx IS NULL"
		" UNION ALL "
		"SELECT 'group', g.id, NULL, g.author, g.kind, NULL, g.time, 'answer', g.due, g.due, NULL"
		" FROM group_parties gp JOIN groups g ON g.id = gp.group_id WHERE gp.party = ?1 AND gp.role = 'invited'"
		" AND gp.answer IS NULL AND g.state IN ('proposed', 'established')"
		" UNION ALL "
		"SELECT 'session', x.id, NULL, x.author, x.state, NULL, x.time, 'answer', x.due, x.due, NULL"
		" FROM session_parties sp JOIN sessions x ON x.id = sp.session_id WHERE sp.party = ?1"
		" AND sp.role = 'participant' AND sp.answer IS NULL AND x.state IN ('proposed', 'accepted')"
		" UNION ALL "
		"SELECT 'outcome', o.id, NULL, o.author, o.kind, NULL, o.time, 'endorsement',"
		" o.time + COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'response_seconds'), 1209600),"
		" NULL, NULL FROM outcome_positions op JOIN outcomes o ON o.id = op.outcome_id WHERE op.party = ?1"
		" AND op.position IS NULL";
	char sql[4096];
	sqlite3_stmt *st = NULL, *ct = NULL;
	json_t *items = json_array();
	int64_t total = 0;
	int rc = items ? PL_OK : PL_ENOMEM;
	snprintf(sql, sizeof sql, "%s ORDER BY next_due, id LIMIT ?2 OFFSET ?3", ITEMS);
	if (rc == PL_OK && (rc = pl_view_prepare(db, sql, &st, d)) == PL_OK) {
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM (%s)", ITEMS);
		rc = pl_view_prepare(db, sql, &ct, d);
	}
	if (rc == PL_OK) {
		sqlite3_bind_text(st, 1, party, -1, SQLITE_STATIC);
		sqlite3_bind_text(ct, 1, party, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)pl_view_page_limit(pg));
		sqlite3_bind_int64(st, 3, (sqlite3_int64)pg.offset);
		int r;
		while (rc == PL_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t due = sqlite3_column_int64(st, 8);
			json_t *o = pl_view_row(st);
			if (o == NULL || json_object_set_new(o, "seconds_left", json_integer(due - now)) != 0 ||
			    json_object_set_new(o, "overdue", json_boolean(now > due)) != 0 ||
			    json_array_append_new(items, o) != 0)
				rc = PL_ENOMEM;
		}
		if (rc == PL_OK && r != SQLITE_DONE)
			rc = pl_view_db_err(db, d);
		if (rc == PL_OK)
			rc = pl_view_count(db, ct, &total, d);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ct);
	json_t *o = NULL;
	if (rc == PL_OK) {
		o = pl_view_paged("items", items, total, pg); /* takes items, even when it fails */
		items = NULL;
	}
	if (o != NULL) {
		json_object_set_new(o, "party", json_string(party));
		json_object_set_new(o, "now", pl_view_time(now));
		*out = o;
		return PL_OK;
	}
	if (rc == PL_OK)
		rc = PL_ENOMEM;
	json_decref(items);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

int pl_view_key_at(pl_index *x, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
{
	uint64_t since;
	return pl_view_key_since_at(x, party, index, pk, &since, d);
}

int pl_view_key_since_at(pl_index *x, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE],
			 uint64_t *since, pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = PL_ENOTFOUND;
	/* first a key established before index and not ended before it; else one established by index itself */
	if (sqlite3_prepare_v2(pl_index_db(x),
			       "SELECT key, since FROM keys WHERE party = ?1 AND ((since < ?2 AND (until IS NULL OR ?2 <= until))"
			       " OR since = ?2) ORDER BY since = ?2, since DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(pl_index_db(x)));
	sqlite3_bind_text(st, 1, party, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    pl_hex_decode(sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), pk, PL_ED25519_PK_SIZE) ==
		    PL_OK) {
		*since = (uint64_t)sqlite3_column_int64(st, 1);
		rc = PL_OK;
	}
	sqlite3_finalize(st);
	if (rc != PL_OK)
		pl_diag_set(d, rc, "the index names no key of %s at entry %llu", party, (unsigned long long)index);
	return rc;
}

int pl_view_party_key(pl_index *x, const char *party, uint8_t pk[PL_ED25519_PK_SIZE], uint64_t *since, bool *active,
		      pl_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = PL_ENOTFOUND;
	if (sqlite3_prepare_v2(pl_index_db(x), "SELECT key, key_since, active FROM parties WHERE party = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(pl_index_db(x)));
	sqlite3_bind_text(st, 1, party, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    pl_hex_decode(sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), pk, PL_ED25519_PK_SIZE) ==
		    PL_OK) {
		*since = (uint64_t)sqlite3_column_int64(st, 1);
		*active = sqlite3_column_int(st, 2) != 0;
		rc = PL_OK;
	}
	sqlite3_finalize(st);
	if (rc != PL_OK)
		pl_diag_set(d, rc, "%s is not a party of this log", party);
	return rc;
}

/* The entries sql (?1: a type, ?2: a limit) lists, up to cap, into idx[0..*n). */
static int idx_list(pl_index *x, const char *sql, const char *type, uint64_t *idx, size_t cap, size_t *n, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cap);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < cap)
		idx[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	return PL_OK;
}

int pl_view_rekeys(pl_index *x, uint64_t *trigger, uint64_t *idx, size_t cap, size_t *n, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	*trigger = 0;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT max(coalesce((SELECT max(since) FROM keys), 0),"
				   " coalesce((SELECT max(until) FROM keys), 0))",
			       -1, &st, NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		*trigger = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return idx_list(x, "SELECT idx FROM entries WHERE type = ?1 ORDER BY idx DESC LIMIT ?2", "members.rekey", idx, cap,
			n, d);
}

int pl_view_active(pl_index *x, char (*names)[PL_PARTY_MAX + 1], size_t cap, size_t *n, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT party FROM parties WHERE active = 1 ORDER BY party", -1, &st, NULL) != SQLITE_OK)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < cap)
			snprintf(names[*n], PL_PARTY_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
		(*n)++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return pl_diag_set(d, PL_EDB, "index query: %s", sqlite3_errmsg(db));
	return PL_OK;
}

int pl_view_members(pl_index *x, json_t **out, pl_diag *d)
{
	sqlite3 *db = pl_index_db(x);
	sqlite3_stmt *st = NULL;
	*out = NULL;
	int rc = pl_view_prepare(db, "SELECT party, since, founder, active, key_since, contact FROM parties ORDER BY party", &st, d);
	if (rc != PL_OK)
		return rc;
	json_t *arr = json_array();
	rc = arr != NULL ? pl_view_rows_into(db, st, arr, d) : pl_diag_set(d, PL_ENOMEM, "out of memory");
	sqlite3_finalize(st);
	size_t i;
	json_t *m;
	json_array_foreach(arr, i, m)
	{
		const char *c = json_string_value(json_object_get(m, "contact"));
		json_error_t je;
		json_t *cv = c != NULL && c[0] != '\0' ? json_loads(c, 0, &je) : json_null();
		json_object_set_new(m, "contact", cv != NULL ? cv : json_null());
		json_object_set_new(m, "founder", json_boolean(json_integer_value(json_object_get(m, "founder")) != 0));
		json_object_set_new(m, "active", json_boolean(json_integer_value(json_object_get(m, "active")) != 0));
	}
	if (rc == PL_OK && (*out = json_pack("{s:O}", "members", arr)) == NULL)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	json_decref(arr);
	return rc;
}

int pl_view_entries_of(pl_index *x, const char *type, uint64_t *idx, size_t cap, size_t *n, pl_diag *d)
{
	return idx_list(x, "SELECT idx FROM entries WHERE type = ?1 ORDER BY idx LIMIT ?2", type, idx, cap, n, d);
}
