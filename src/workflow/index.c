/* index.c - the derived state in SQLite: its schema, opening, meta and dump (index.h). */
#include "workflow/index_db.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/safetext.h"
#include "store/logdir.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Statements of the writer, prepared once (index_db.h names them). */


static const char *const SQL[NQ] = {
	[Q_ENTRY] = "INSERT OR REPLACE INTO entries VALUES(?,?,?,?,?,?,?,?)",
	[Q_PARTY] = "INSERT OR REPLACE INTO parties VALUES(?,?,?,?,?,?,?)",
	[Q_SET] = "INSERT OR REPLACE INTO norm_sets VALUES(?,?,?,?,?,?,?)",
	[Q_NORM] = "INSERT OR REPLACE INTO norms VALUES(?,?,?,?,?,?)",
	[Q_SUB_DEL] = "DELETE FROM subscriptions WHERE party = ?",
	[Q_SUB] = "INSERT INTO subscriptions VALUES(?,?,?,?)",
	[Q_CASE] = "INSERT OR REPLACE INTO cases VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_CASE_PARTY] = "INSERT OR REPLACE INTO case_parties VALUES(?,?,?)",
	[Q_REQUEST] = "INSERT OR REPLACE INTO requests VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_TARGET] = "INSERT OR REPLACE INTO request_targets VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[Q_PING] = "INSERT OR REPLACE INTO pings VALUES(?,?,?,?)",
	[Q_PING_TARGET] = "INSERT OR REPLACE INTO ping_targets VALUES(?,?,?,?)",
	[Q_META] = "INSERT OR REPLACE INTO meta VALUES(?,?)",
	[Q_KEY] = "INSERT OR REPLACE INTO keys VALUES(?,?,?,?)",
	[Q_EVIDENCE] = "INSERT OR REPLACE INTO evidence VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_FINDING] = "INSERT OR REPLACE INTO findings VALUES(?,?,?,?,?,?,?)",
	[Q_GROUP] = "INSERT OR REPLACE INTO groups VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[Q_GROUP_PARTY] = "INSERT OR REPLACE INTO group_parties VALUES(?,?,?,?,?,?,?,?)",
	[Q_SESSION] = "INSERT OR REPLACE INTO sessions VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_SESSION_PARTY] = "INSERT OR REPLACE INTO session_parties VALUES(?,?,?,?,?,?)",
	[Q_OUTCOME] = "INSERT OR REPLACE INTO outcomes VALUES(?,?,?,?,?,?,?)",
	[Q_POSITION] = "INSERT OR REPLACE INTO outcome_positions VALUES(?,?,?,?,?)",
	[Q_SESSION_ENTRY] = "INSERT OR REPLACE INTO session_entries VALUES(?,?)",
	[Q_GROUP_CASE] = "INSERT OR REPLACE INTO group_cases VALUES(?,?)",
	[Q_REFUSED] = "INSERT OR REPLACE INTO refused VALUES(?,?,?,?)",
	[Q_REPLAY] = "INSERT OR REPLACE INTO replay VALUES(1,?,?)",
};

/* The tables in dump order, each with its primary-key ordering. */
static const char *const TABLES[][2] = {
	{"meta", "key"},
	{"parties", "party"},
	{"keys", "party, since"},
	{"norm_sets", "hash"},
	{"norms", "set_hash, pos"},
	{"subscriptions", "party, since"},
	{"cases", "id"},
	{"case_parties", "case_id, party"},
	{"requests", "id"},
	{"request_targets", "request_id, party"},
	{"pings", "id"},
	{"ping_targets", "ping_id, party"},
	{"evidence", "id"},
	{"findings", "id"},
	{"groups", "id"},
	{"group_parties", "group_id, party"},
	{"sessions", "id"},
	{"session_parties", "session_id, party"},
	{"outcomes", "id"},
	{"outcome_positions", "outcome_id, party"},
	{"session_entries", "session_id, idx"},
	{"group_cases", "group_id, case_id"},
	{"entries", "idx"},
	{"refused", "idx"},
};

static const char SCHEMA[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE entries(idx INTEGER PRIMARY KEY, type TEXT NOT NULL, author TEXT NOT NULL,"
	" seq INTEGER NOT NULL, time INTEGER NOT NULL, case_id INTEGER, request_id INTEGER, leaf TEXT NOT NULL);"
	"CREATE INDEX entries_case ON entries(case_id) WHERE case_id IS NOT NULL;"
	"CREATE TABLE parties(party TEXT PRIMARY KEY, since INTEGER NOT NULL, founder INTEGER NOT NULL,"
	" active INTEGER NOT NULL, key TEXT NOT NULL, key_since INTEGER NOT NULL, contact TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE keys(party TEXT NOT NULL, key TEXT NOT NULL, since INTEGER NOT NULL, until INTEGER,"
	" PRIMARY KEY(party, since)) WITHOUT ROWID;"
	"CREATE TABLE norm_sets(hash TEXT PRIMARY KEY, idx INTEGER NOT NULL, author TEXT NOT NULL,"
	" time INTEGER NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, norms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE norms(set_hash TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT NOT NULL, short TEXT NOT NULL,"
	" gist TEXT NOT NULL, source TEXT, PRIMARY KEY(set_hash, pos)) WITHOUT ROWID;"
	"CREATE TABLE subscriptions(party TEXT NOT NULL, set_hash TEXT NOT NULL, since INTEGER NOT NULL,"
	" until INTEGER, PRIMARY KEY(party, since)) WITHOUT ROWID;"
	"CREATE TABLE cases(id INTEGER PRIMARY KEY, author TEXT NOT NULL, time INTEGER NOT NULL, title TEXT NOT NULL,"
	" class TEXT NOT NULL, rsit_type TEXT, tlp TEXT NOT NULL, norm_set TEXT, norms TEXT, state TEXT NOT NULL,"
	" closed_idx INTEGER, closed_time INTEGER, outcome TEXT, requests INTEGER NOT NULL,"
	" last_idx INTEGER NOT NULL, last_time INTEGER NOT NULL);"
	"CREATE TABLE case_parties(case_id INTEGER NOT NULL, party TEXT NOT NULL, role TEXT NOT NULL,"
	" PRIMARY KEY(case_id, party)) WITHOUT ROWID;"
	"CREATE INDEX case_parties_party ON case_parties(party, case_id);"
	"CREATE TABLE requests(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, author TEXT NOT NULL,"
	" kind TEXT NOT NULL, time INTEGER NOT NULL, due INTEGER NOT NULL, due_default INTEGER NOT NULL,"
	" ack_due INTEGER NOT NULL, state TEXT NOT NULL, ended_idx INTEGER, ended_time INTEGER,"
	" queries INTEGER NOT NULL, updates INTEGER NOT NULL, last_idx INTEGER NOT NULL);"
	"CREATE INDEX requests_case ON requests(case_id);"
	"CREATE TABLE request_targets(request_id INTEGER NOT NULL, party TEXT NOT NULL, open INTEGER NOT NULL,"
	" ack_idx INTEGER, ack_time INTEGER, answer_idx INTEGER, answer_time INTEGER, status TEXT,"
	" due INTEGER NOT NULL, preserved_until INTEGER, responses INTEGER NOT NULL,"
	" PRIMARY KEY(request_id, party)) WITHOUT ROWID;"
	"CREATE INDEX targets_open ON request_targets(party, due) WHERE open = 1;"
	"CREATE TABLE pings(id INTEGER PRIMARY KEY, author TEXT NOT NULL, time INTEGER NOT NULL,"
	" to_all INTEGER NOT NULL);"
	"CREATE TABLE ping_targets(ping_id INTEGER NOT NULL, party TEXT NOT NULL, pong_idx INTEGER,"
	" pong_time INTEGER, PRIMARY KEY(ping_id, party)) WITHOUT ROWID;"
	"CREATE INDEX pings_open ON ping_targets(party, ping_id) WHERE pong_idx IS NULL;"
	"CREATE TABLE evidence(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, author TEXT NOT NULL,"
	" time INTEGER NOT NULL, title TEXT NOT NULL, tlp TEXT NOT NULL, recipients TEXT, sealed INTEGER NOT NULL,"
	" files INTEGER NOT NULL, bytes INTEGER NOT NULL, findings INTEGER NOT NULL, last_result TEXT);"
	"CREATE INDEX evidence_case ON evidence(case_id);"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL, case_id INTEGER NOT NULL,"
	" author TEXT NOT NULL, time INTEGER NOT NULL, result TEXT NOT NULL, tlp TEXT NOT NULL);"
	"CREATE INDEX findings_evidence ON findings(evidence_id);"
	"CREATE TABLE refused(idx INTEGER PRIMARY KEY, leaf TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL);"
	"CREATE TABLE replay(id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, state BLOB NOT NULL);";

/* The tables of standing groups (one string of SQL is at most 4095 bytes in C99). */
static const char SCHEMA_GROUPS[] =
	"CREATE TABLE groups(id INTEGER PRIMARY KEY, author TEXT NOT NULL, time INTEGER NOT NULL, tlp TEXT NOT NULL,"
	" kind TEXT NOT NULL, due INTEGER NOT NULL, state TEXT NOT NULL, established_idx INTEGER, ended_idx INTEGER,"
	" ended_time INTEGER, last_idx INTEGER NOT NULL);"
	"CREATE TABLE group_parties(group_id INTEGER NOT NULL, party TEXT NOT NULL, role TEXT NOT NULL, answer TEXT,"
	" answer_idx INTEGER, answer_time INTEGER, left_idx INTEGER, left_time INTEGER,"
	" PRIMARY KEY(group_id, party)) WITHOUT ROWID;"
	"CREATE INDEX group_parties_party ON group_parties(party, group_id);"
	"CREATE TABLE sessions(id INTEGER PRIMARY KEY, author TEXT NOT NULL, time INTEGER NOT NULL, tlp TEXT NOT NULL,"
	" group_id INTEGER, due INTEGER NOT NULL, from_time INTEGER NOT NULL, until_time INTEGER NOT NULL,"
	" state TEXT NOT NULL, reschedules INTEGER NOT NULL, ended_idx INTEGER, ended_time INTEGER, cancelled_by TEXT,"
	" cites INTEGER, held_time INTEGER, outcomes INTEGER NOT NULL, last_idx INTEGER NOT NULL);"
	"CREATE TABLE session_parties(session_id INTEGER NOT NULL, party TEXT NOT NULL, role TEXT NOT NULL,"
	" answer TEXT, answer_idx INTEGER, answer_time INTEGER, PRIMARY KEY(session_id, party)) WITHOUT ROWID;"
	"CREATE INDEX session_parties_party ON session_parties(party, session_id);"
	"CREATE TABLE outcomes(id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, author TEXT NOT NULL,"
	" time INTEGER NOT NULL, kind TEXT NOT NULL, agreed_idx INTEGER, agreed_time INTEGER);"
	"CREATE TABLE outcome_positions(outcome_id INTEGER NOT NULL, party TEXT NOT NULL, position TEXT,"
	" idx INTEGER, position_time INTEGER, PRIMARY KEY(outcome_id, party)) WITHOUT ROWID;"
	"CREATE TABLE session_entries(session_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" PRIMARY KEY(session_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE group_cases(group_id INTEGER NOT NULL, case_id INTEGER NOT NULL,"
	" PRIMARY KEY(group_id, case_id)) WITHOUT ROWID;";

int pl_index_db_err(sqlite3 *db, pl_diag *d, const char *what)
{
	int ext = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
	int code = (ext & 0xff) == SQLITE_FULL ? PL_ENOSPC
		   : (ext & 0xff) == SQLITE_NOMEM ? PL_ENOMEM
		   : (ext & 0xff) == SQLITE_CORRUPT || (ext & 0xff) == SQLITE_NOTADB ? PL_ECORRUPT
										    : PL_EDB;
	return pl_diag_set(d, code, "index: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

int pl_index_exec(sqlite3 *db, const char *sql, pl_diag *d)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return pl_index_db_err(db, d, sql);
	return PL_OK;
}

int pl_index_meta_get(sqlite3 *db, const char *key, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	int rc = PL_ENOTFOUND;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return PL_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	const unsigned char *v = r == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (v != NULL) {
		snprintf(out, cap, "%s", (const char *)v);
		rc = PL_OK;
	} else if (r != SQLITE_DONE && r != SQLITE_ROW) {
		rc = PL_EDB; /* no answer (out of memory, I/O): not a verdict on the file */
	}
	sqlite3_finalize(st);
	return rc;
}

int pl_index_meta_put(pl_index *x, const char *key, const char *value, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_META];
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return pl_index_db_err(x->db, d, "write meta");
	return PL_OK;
}

int pl_index_open_dir_at(const char *dir, const char *origin, bool writable, bool create, pl_index **out, pl_diag *d)
{
	char path[PATH_MAX];
	*out = NULL;
	int rc = pl_logdir_path(dir, PL_LOGFILE_INDEX, path, d);
	return rc == PL_OK ? pl_index_open(path, origin, writable, create, out, d) : rc;
}

uint64_t pl_index_size(const pl_index *x)
{
	return x->size;
}

sqlite3 *pl_index_db(pl_index *x)
{
	return x->db;
}

void pl_index_follower_drop(pl_index *x)
{
	if (x->eng != NULL) {
		pl_engine_reader_close(&x->rd);
		pl_engine_release(x->eng);
		free(x->eng);
		x->eng = NULL;
	}
}

void pl_index_close(pl_index *x)
{
	if (x == NULL)
		return;
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(x->q[i]);
	sqlite3_close(x->db);
	pl_index_follower_drop(x);
	free(x);
}

int pl_index_open(const char *path, const char *origin, bool writable, bool create, pl_index **out, pl_diag *d)
{
	*out = NULL;
	pl_index *x = calloc(1, sizeof *x);
	if (x == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	x->writable = writable;
	snprintf(x->origin, sizeof x->origin, "%s", origin);
	bool fresh = create && !pl_fs_exists(path);
	int flags = writable ? SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) : SQLITE_OPEN_READONLY;
	int rc = PL_OK;
	char buf[128];
	if (!fresh && !pl_fs_exists(path)) {
		rc = pl_diag_set(d, PL_ENOTFOUND, "%s does not exist (run `parley reindex`)", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &x->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = pl_index_db_err(x->db, d, "open");
		goto fail;
	}
	sqlite3_busy_timeout(x->db, 5000);
	if (writable && ((rc = pl_index_exec(x->db, "PRAGMA journal_mode=WAL", d)) != PL_OK ||
			 (rc = pl_index_exec(x->db, "PRAGMA synchronous=NORMAL", d)) != PL_OK))
		goto fail;
	if (fresh) {
		if ((rc = pl_index_exec(x->db, "BEGIN IMMEDIATE", d)) != PL_OK || (rc = pl_index_exec(x->db, SCHEMA, d)) != PL_OK ||
		    (rc = pl_index_exec(x->db, SCHEMA_GROUPS, d)) != PL_OK)
			goto fail;
	}
	if (writable)
		for (int i = 0; i < NQ; i++)
			if (sqlite3_prepare_v3(x->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &x->q[i], NULL) != SQLITE_OK) {
				rc = pl_index_db_err(x->db, d, "prepare");
				goto fail;
			}
	if (fresh) {
		snprintf(buf, sizeof buf, "%d", PL_INDEX_SCHEMA);
		if ((rc = pl_index_meta_put(x, "schema", buf, d)) != PL_OK || (rc = pl_index_meta_put(x, "origin", origin, d)) != PL_OK ||
		    (rc = pl_index_meta_put(x, "size", "0", d)) != PL_OK || (rc = pl_index_meta_put(x, "leaf", "", d)) != PL_OK ||
		    (rc = pl_index_exec(x->db, "COMMIT", d)) != PL_OK)
			goto fail;
	}
	char o[PL_ORIGIN_MAX + 1], sz[32], lf[64];
	int m = pl_index_meta_get(x->db, "schema", buf, sizeof buf);
	if (m == PL_OK && atoi(buf) != PL_INDEX_SCHEMA)
		m = PL_ENOTFOUND;
	if (m == PL_OK)
		m = pl_index_meta_get(x->db, "origin", o, sizeof o);
	if (m == PL_OK)
		m = pl_index_meta_get(x->db, "size", sz, sizeof sz);
	if (m == PL_OK)
		m = pl_index_meta_get(x->db, "leaf", lf, sizeof lf);
	if (m == PL_EDB) {
		rc = pl_index_db_err(x->db, d, "read meta");
		goto fail;
	}
	if (m != PL_OK) {
		rc = pl_diag_set(d, PL_ECORRUPT, "%s is not a Parley index of schema %d", path, PL_INDEX_SCHEMA);
		goto fail;
	}
	if (strcmp(o, origin) != 0) {
		rc = pl_diag_set(d, PL_ECORRUPT, "%s indexes the log \"%s\", not \"%s\"", path, o, origin);
		goto fail;
	}
	if (pl_dec_parse((const uint8_t *)sz, strlen(sz), PL_TREE_MAX, &x->size) != PL_OK ||
	    (x->size > 0 && pl_b64_decode_exact((const uint8_t *)lf, strlen(lf), x->leaf.b, PL_HASH_SIZE) != PL_OK)) {
		rc = pl_diag_set(d, PL_ECORRUPT, "%s has a malformed size or leaf", path);
		goto fail;
	}
	*out = x;
	return PL_OK;
fail:
	pl_index_close(x);
	if (fresh) {
		/* a half-created index (no schema yet) would fail every later open
		 * with an error that does not call for a rebuild: remove it */
		if (strcmp(path, ":memory:") != 0)
			(void)!pl_logdir_remove_db(path, NULL);
	}
	return rc;
}

/* ---- canonical dump ---- */

/* One value of a row; PL_ENOMEM if its text could not be put in its display form. */
static int dump_value(FILE *f, sqlite3_stmt *st, int i)
{
	int rc = PL_OK;
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("-", f);
		break;
	case SQLITE_INTEGER:
		fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	default: {
		/* text in its display form (base/safetext.h): each row one line, no control character, no
		 * bidirectional control, whatever an entry holds */
		const unsigned char *s = sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		pl_buf b;
		pl_buf_init(&b, n * 4 + 1);
		if (s != NULL)
			rc = pl_text_line(&b, s, n);
		if (rc == PL_OK) {
			fputc('"', f);
			fputs(pl_buf_cstr(&b), f);
			fputc('"', f);
		}
		pl_buf_release(&b);
	}
	}
	return rc;
}

int pl_index_dump(pl_index *x, FILE *f, pl_diag *d)
{
	for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", TABLES[t][0], TABLES[t][1]);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
			return pl_index_db_err(x->db, d, sql);
		int r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			fputs(TABLES[t][0], f);
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				fputc('\t', f);
				if (dump_value(f, st, i) != PL_OK) {
					sqlite3_finalize(st);
					return pl_diag_set(d, PL_ENOMEM, "out of memory");
				}
			}
			fputc('\n', f);
		}
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return pl_index_db_err(x->db, d, sql);
	}
	if (fflush(f) != 0)
		return pl_diag_errno(d, PL_EIO, errno, "writing the dump");
	return PL_OK;
}
