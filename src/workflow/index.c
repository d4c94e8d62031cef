/* index.c - the derived state in SQLite (index.h). */
#include "workflow/index.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "store/logdir.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tile.h"
#include "workflow/vocab.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Statements of the writer, prepared once. */
enum {
	Q_ENTRY, Q_PARTY, Q_SET, Q_NORM, Q_SUB_DEL, Q_SUB, Q_CASE, Q_CASE_PARTY, Q_REQUEST, Q_TARGET, Q_PING,
	Q_PING_TARGET, Q_META, Q_KEY, Q_EVIDENCE, Q_FINDING, NQ
};

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
	{"entries", "idx"},
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
	"CREATE INDEX findings_evidence ON findings(evidence_id);";

struct pl_index {
	sqlite3 *db;
	sqlite3_stmt *q[NQ];
	bool writable;
	uint64_t size;
	pl_hash leaf;        /* of entry size-1 (zero when size is 0) */
	char origin[PL_ORIGIN_MAX + 1];
	pl_hash *leaves;     /* leaf hashes of the entries the follower's engine applied, for refs */
	size_t nleaves, capleaves;
};

static int leaf_at(void *ctx, uint64_t index, pl_hash *out)
{
	const pl_index *x = ctx;
	if (index >= x->nleaves)
		return PL_ERANGE;
	*out = x->leaves[index];
	return PL_OK;
}

static int push_leaf(pl_index *x, const pl_hash *h)
{
	if (x->nleaves == x->capleaves) {
		size_t cap = x->capleaves ? x->capleaves * 2 : 1024;
		pl_hash *p = realloc(x->leaves, cap * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		x->leaves = p;
		x->capleaves = cap;
	}
	x->leaves[x->nleaves++] = *h;
	return PL_OK;
}

static int db_err(sqlite3 *db, pl_diag *d, const char *what)
{
	int ext = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
	int code = (ext & 0xff) == SQLITE_FULL ? PL_ENOSPC
		   : (ext & 0xff) == SQLITE_NOMEM ? PL_ENOMEM
		   : (ext & 0xff) == SQLITE_CORRUPT || (ext & 0xff) == SQLITE_NOTADB ? PL_ECORRUPT
										    : PL_EDB;
	return pl_diag_set(d, code, "index: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(sqlite3 *db, const char *sql, pl_diag *d)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, d, sql);
	return PL_OK;
}

static int meta_get(sqlite3 *db, const char *key, char *out, size_t cap)
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

static int meta_put(pl_index *x, const char *key, const char *value, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_META];
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_err(x->db, d, "write meta");
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

void pl_index_close(pl_index *x)
{
	if (x == NULL)
		return;
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(x->q[i]);
	sqlite3_close(x->db);
	free(x->leaves);
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
		rc = db_err(x->db, d, "open");
		goto fail;
	}
	sqlite3_busy_timeout(x->db, 5000);
	if (writable && ((rc = exec(x->db, "PRAGMA journal_mode=WAL", d)) != PL_OK ||
			 (rc = exec(x->db, "PRAGMA synchronous=NORMAL", d)) != PL_OK))
		goto fail;
	if (fresh) {
		if ((rc = exec(x->db, "BEGIN IMMEDIATE", d)) != PL_OK || (rc = exec(x->db, SCHEMA, d)) != PL_OK)
			goto fail;
	}
	if (writable)
		for (int i = 0; i < NQ; i++)
			if (sqlite3_prepare_v3(x->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &x->q[i], NULL) != SQLITE_OK) {
				rc = db_err(x->db, d, "prepare");
				goto fail;
			}
	if (fresh) {
		snprintf(buf, sizeof buf, "%d", PL_INDEX_SCHEMA);
		if ((rc = meta_put(x, "schema", buf, d)) != PL_OK || (rc = meta_put(x, "origin", origin, d)) != PL_OK ||
		    (rc = meta_put(x, "size", "0", d)) != PL_OK || (rc = meta_put(x, "leaf", "", d)) != PL_OK ||
		    (rc = exec(x->db, "COMMIT", d)) != PL_OK)
			goto fail;
	}
	char o[PL_ORIGIN_MAX + 1], sz[32], lf[64];
	int m = meta_get(x->db, "schema", buf, sizeof buf);
	if (m == PL_OK && atoi(buf) != PL_INDEX_SCHEMA)
		m = PL_ENOTFOUND;
	if (m == PL_OK)
		m = meta_get(x->db, "origin", o, sizeof o);
	if (m == PL_OK)
		m = meta_get(x->db, "size", sz, sizeof sz);
	if (m == PL_OK)
		m = meta_get(x->db, "leaf", lf, sizeof lf);
	if (m == PL_EDB) {
		rc = db_err(x->db, d, "read meta");
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
	    (x->size > 0 && pl_b64_decode_exact((const uint8_t *)lf, strlen(lf), x->leaf.b, 32) != PL_OK)) {
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
		static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
			char p[PATH_MAX + 16];
			snprintf(p, sizeof p, "%s%s", path, sfx[i]);
			(void)unlink(p);
		}
	}
	return rc;
}

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
		return db_err(x->db, d, "write");
	return PL_OK;
}

static int put_parties(pl_index *x, const pl_members *m, pl_diag *d)
{
	sqlite3_stmt *st = x->q[Q_PARTY];
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < m->n; i++) {
		const pl_member *e = &m->m[i];
		char key[65];
		pl_hex_encode(e->id.sign_pk, 32, key);
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
			pl_hex_encode(e->keys[k].sign_pk, 32, key);
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
	sqlite3_bind_text(st, 5, c->cls, -1, SQLITE_STATIC);
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
	sqlite3_bind_text(st, 6, pl_finding_results[f->result], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->tlp, -1, SQLITE_STATIC);
	return step(x, st, d);
}

/* The rows entry index changed, from the engine's state after applying it. */
static int record(pl_index *x, const pl_engine *e, const pl_stmt *s, uint64_t index, const pl_hash *leaf,
		  const pl_wf_effect *ef, pl_diag *d)
{
	const pl_wf *w = &e->wf;
	char lb[64];
	pl_b64_encode(leaf->b, 32, lb);
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
			if ((rc = meta_put(x, "ack_seconds", v, d)) != PL_OK)
				return rc;
			snprintf(v, sizeof v, "%lld", (long long)e->members.charter.response_seconds);
			if ((rc = meta_put(x, "response_seconds", v, d)) != PL_OK)
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
	case PL_WF_NTYPES:
		break;
	}
	return PL_OK;
}

/* ---- following the log ---- */

static int commit_progress(pl_index *x, uint64_t size, const pl_hash *leaf, pl_diag *d)
{
	char sz[32], lb[64];
	snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
	pl_b64_encode(leaf->b, 32, lb);
	int rc = meta_put(x, "size", sz, d);
	if (rc == PL_OK)
		rc = meta_put(x, "leaf", lb, d);
	if (rc == PL_OK)
		rc = exec(x->db, "COMMIT", d);
	if (rc == PL_OK) {
		x->size = size;
		x->leaf = *leaf;
	}
	return rc;
}

/* Entries are parsed (envelope and payload: the costly part) on every core, a
 * chunk at a time, then checked, applied and recorded in order. */
#define CHUNK 4096
#define CHUNK_BUNDLES (CHUNK / PL_TILE_WIDTH + 1)

typedef struct chunk {
	pl_span ents[CHUNK];
	pl_submission subs[CHUNK];
	pl_refusal v[CHUNK];
	int parsed[CHUNK];      /* pl_submission_parse's result */
	size_t n;
	const char *origin;
	const pl_admission *a;
	size_t next;            /* next entry to parse (or release) */
	bool releasing;         /* the workers release the parsed entries instead */
	pthread_mutex_t mu;
} chunk;

static void *parse_worker(void *arg)
{
	chunk *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		size_t i = c->next;
		c->next += 64;
		pthread_mutex_unlock(&c->mu);
		if (i >= c->n)
			return NULL;
		for (size_t k = i; k < i + 64 && k < c->n; k++) {
			if (c->releasing)
				pl_submission_release(&c->subs[k]);
			else
				c->parsed[k] = pl_submission_parse(c->ents[k].p, c->ents[k].n, c->origin, c->a,
								   &c->subs[k], &c->v[k]);
		}
	}
}

/* Parses (or releases) every entry of c on all cores. */
static void parse_chunk(chunk *c, bool releasing)
{
	c->releasing = releasing;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[3];
	size_t started = 0;
	c->next = 0;
	for (; c->n > 256 && started + 1 < (size_t)(cpus > 4 ? 4 : cpus); started++)
		if (pthread_create(&th[started], NULL, parse_worker, c) != 0)
			break;
	parse_worker(c);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* Reads the bundles holding entries [pos, pos + CHUNK) of the tree of size upto into c
 * (bufs keep the bytes). Stops early at a partial bundle that is gone (*gone set). */
static int read_chunk(pl_source *src, uint64_t pos, uint64_t upto, pl_buf *bufs, chunk *c, bool *gone, pl_diag *d)
{
	c->n = 0;
	*gone = false;
	for (size_t nb = 0; nb < CHUNK_BUNDLES && c->n < CHUNK && pos + c->n < upto; nb++) {
		uint64_t at = pos + c->n, t = at / PL_TILE_WIDTH;
		pl_tile tile;
		int rc = pl_tile_in_tree(upto, PL_TILE_LEVEL_ENTRIES, t, &tile);
		if (rc != PL_OK)
			return rc;
		pl_buf_reset(&bufs[nb]);
		if ((rc = pl_source_fetch_tile(src, &tile, &bufs[nb])) != PL_OK) {
			if (rc == PL_ENOTFOUND && tile.width < PL_TILE_WIDTH) {
				*gone = true; /* a partial bundle replaced by a longer one: come back later */
				return PL_OK;
			}
			return pl_diag_set(d, rc, "reading entry bundle %llu", (unsigned long long)t);
		}
		pl_span e[PL_TILE_WIDTH];
		if (pl_bundle_parse(bufs[nb].data, bufs[nb].len, tile.width, e) != PL_OK)
			return pl_diag_set(d, PL_ECORRUPT, "entry bundle %llu is malformed", (unsigned long long)t);
		for (unsigned i = (unsigned)(at % PL_TILE_WIDTH); i < tile.width && c->n < CHUNK; i++)
			c->ents[c->n++] = e[i];
	}
	return PL_OK;
}

int pl_index_follow(pl_index *x, pl_engine *e, pl_source *src, uint64_t upto, bool trust_signatures, pl_diag *d)
{
	if (!x->writable)
		return pl_diag_set(d, PL_EINVAL, "the index is open read-only");
	if (pl_engine_size(e) > x->size || pl_engine_size(e) != x->nleaves)
		return pl_diag_set(d, PL_EINVAL, "the engine does not belong to this index");
	if (upto < x->size)
		return pl_diag_set(d, PL_ECORRUPT, "the index holds %llu entries but the log only %llu",
				   (unsigned long long)x->size, (unsigned long long)upto);
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.trust_signatures = trust_signatures;
	a.leaf = leaf_at;
	a.leaf_ctx = x;
	chunk *c = calloc(1, sizeof *c);
	pl_buf *bufs = calloc(CHUNK_BUNDLES, sizeof *bufs);
	if (c == NULL || bufs == NULL) {
		free(c);
		free(bufs);
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < CHUNK_BUNDLES; i++)
		pl_buf_init(&bufs[i], PL_BUNDLE_MAX);
	pthread_mutex_init(&c->mu, NULL);
	c->origin = e->members.origin;
	c->a = &a;
	int rc = PL_OK;
	bool in_tx = false, gone = false;
	uint64_t pos = pl_engine_size(e);
	pl_hash last = x->leaf;
	while (rc == PL_OK && pos < upto && !gone) {
		if ((rc = read_chunk(src, pos, upto, bufs, c, &gone, d)) != PL_OK || c->n == 0)
			break;
		parse_chunk(c, false);
		for (size_t k = 0; k < c->n; k++, pos++) {
			pl_hash leaf;
			pl_refusal *v = &c->v[k];
			if (rc != PL_OK)
				continue; /* release what is left below */
			pl_leaf_hash(c->ents[k].p, c->ents[k].n, &leaf);
			int crc = c->parsed[k];
			if (crc == PL_OK)
				crc = pl_engine_check(e, &a, &c->subs[k], v);
			if (crc != PL_OK) {
				/* out of memory is no verdict on the entry */
				if (crc == PL_ENOMEM)
					rc = pl_diag_set(d, PL_ENOMEM, "out of memory indexing entry %llu",
							 (unsigned long long)pos);
				else
					rc = pl_diag_set(d, PL_ECORRUPT, "entry %llu would not be admitted (%s): %s",
							 (unsigned long long)pos, pl_refusal_name(v->code), v->msg);
				continue;
			}
			pl_wf_effect ef;
			if ((rc = pl_engine_apply(e, &c->subs[k], pos, &ef)) != PL_OK || (rc = push_leaf(x, &leaf)) != PL_OK)
				continue;
			if (pos < x->size) {
				/* warming the engine up to rows that exist */
				if (pos + 1 == x->size && !pl_hash_eq(&leaf, &x->leaf))
					rc = pl_diag_set(d, PL_ECORRUPT,
							 "the index does not match the log at entry %llu (rebuild it)",
							 (unsigned long long)pos);
				continue;
			}
			if (!in_tx) {
				if ((rc = exec(x->db, "BEGIN IMMEDIATE", d)) != PL_OK)
					continue;
				in_tx = true;
			}
			rc = record(x, e, &c->subs[k].st, pos, &leaf, &ef, d);
			last = leaf;
			if (rc == PL_OK && (pos + 1) % 8192 == 0) {
				rc = commit_progress(x, pos + 1, &last, d);
				in_tx = false;
			}
		}
		parse_chunk(c, true);
	}
	if (in_tx) {
		if (rc == PL_OK)
			rc = commit_progress(x, pos, &last, d);
		else
			(void)sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_destroy(&c->mu);
	for (size_t i = 0; i < CHUNK_BUNDLES; i++)
		pl_buf_release(&bufs[i]);
	free(bufs);
	free(c);
	return rc;
}

/* ---- canonical dump ---- */

static void dump_value(FILE *f, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("-", f);
		break;
	case SQLITE_INTEGER:
		fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	default: {
		/* text: tabs, newlines and backslashes escaped so each row is one line */
		const unsigned char *s = sqlite3_column_text(st, i);
		fputc('"', f);
		for (; s && *s; s++) {
			if (*s == '\t')
				fputs("\\t", f);
			else if (*s == '\n')
				fputs("\\n", f);
			else if (*s == '\\')
				fputs("\\\\", f);
			else
				fputc(*s, f);
		}
		fputc('"', f);
	}
	}
}

int pl_index_dump(pl_index *x, FILE *f, pl_diag *d)
{
	for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", TABLES[t][0], TABLES[t][1]);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
			return db_err(x->db, d, sql);
		int r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			fputs(TABLES[t][0], f);
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				fputc('\t', f);
				dump_value(f, st, i);
			}
			fputc('\n', f);
		}
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return db_err(x->db, d, sql);
	}
	if (fflush(f) != 0)
		return pl_diag_errno(d, PL_EIO, errno, "writing the dump");
	return PL_OK;
}

/* ---- a log directory's index ---- */


/* Builds path afresh from the log (the caller holds the lock). */
static int build(const char *path, pl_source *src, const pl_checkpoint *cp, bool verify, pl_diag *d)
{
	pl_index *x = NULL;
	pl_engine e;
	pl_engine_init(&e, cp->origin);
	int rc = pl_logdir_remove_db(path, d);
	if (rc == PL_OK)
		rc = pl_index_open(path, cp->origin, true, true, &x, d);
	if (rc == PL_OK)
		rc = pl_index_follow(x, &e, src, cp->size, !verify, d);
	if (rc == PL_OK && pl_index_size(x) != cp->size)
		rc = pl_diag_set(d, PL_EIO, "the log changed while it was indexed; run again");
	if (rc == PL_OK)
		rc = exec(x->db, "PRAGMA wal_checkpoint(TRUNCATE)", d);
	pl_index_close(x);
	pl_engine_release(&e);
	return rc;
}

int pl_index_rebuild(const char *dir, bool verify_signatures, uint64_t *size, pl_diag *d)
{
	pl_source *src = NULL;
	int fd = -1, rc;
	char path[PATH_MAX], tmp[PATH_MAX], priv[PATH_MAX];
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_INDEX, path, d)) != PL_OK ||
	    (rc = pl_logdir_path(dir, PL_LOGFILE_INDEX_NEW, tmp, d)) != PL_OK ||
	    (rc = pl_logdir_path(dir, PL_LOGFILE_PRIVATE, priv, d)) != PL_OK)
		return rc;
	if ((rc = pl_source_open_dir(dir, &src, d)) != PL_OK || (rc = pl_logdir_lock(dir, true, &fd, d)) != PL_OK)
		goto out;
	if (fd < 0) {
		rc = pl_diag_set(d, PL_ESTATE,
				 "%s is held by another process (a running server or monitor keeps its own index "
				 "current; stop it to rebuild)", dir);
		goto out;
	}
	pl_checkpoint cp;
	if ((rc = pl_logdir_checkpoint(dir, NULL, &cp, d)) != PL_OK ||
	    (rc = build(tmp, src, &cp, verify_signatures, d)) != PL_OK)
		goto out;
	/* the old database's side files go first: a -wal left beside the new one would be replayed into it */
	if ((rc = pl_logdir_remove_db_sides(path, d)) != PL_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		rc = pl_diag_errno(d, PL_EIO, errno, "rename %s", tmp);
		goto out;
	}
	if ((rc = pl_fs_fsync_dir(priv, d)) == PL_OK && size != NULL)
		*size = cp.size;
out:
	pl_logdir_unlock(fd);
	pl_source_free(src);
	return rc;
}

int pl_index_open_dir(const char *dir, pl_index **out, pl_diag *d)
{
	*out = NULL;
	pl_source *src = NULL;
	int fd = -1, rc;
	char path[PATH_MAX];
	if ((rc = pl_logdir_path(dir, PL_LOGFILE_INDEX, path, d)) != PL_OK)
		return rc;
	if ((rc = pl_source_open_dir(dir, &src, d)) != PL_OK || (rc = pl_logdir_lock(dir, true, &fd, d)) != PL_OK)
		goto out;
	pl_checkpoint cp;
	if ((rc = pl_logdir_checkpoint(dir, NULL, &cp, d)) != PL_OK)
		goto out;
	if (fd >= 0) {
		/* nobody keeps it current: catch up (or build) now */
		pl_index *x = NULL;
		pl_engine e;
		pl_engine_init(&e, cp.origin);
		pl_diag d2 = {0};
		rc = pl_index_open(path, cp.origin, true, true, &x, &d2);
		if (rc == PL_OK)
			rc = pl_index_follow(x, &e, src, cp.size, true, &d2);
		pl_index_close(x);
		pl_engine_release(&e);
		if (rc == PL_ECORRUPT)
			rc = build(path, src, &cp, false, d);
		else if (rc != PL_OK)
			pl_diag_set(d, rc, "%s", d2.msg);
		if (rc != PL_OK)
			goto out;
	}
	rc = pl_index_open(path, cp.origin, false, false, out, d);
out:
	pl_logdir_unlock(fd);
	pl_source_free(src);
	return rc;
}
