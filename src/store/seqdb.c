/* seqdb.c - SQLite sequencer state. */
#include "store/seqdb.h"

#include "base/fsio.h"

#include <string.h>

static int db_err(sqlite3 *db, pl_diag *d, const char *what)
{
	int ext = sqlite3_extended_errcode(db);
	int code = (ext & 0xff) == SQLITE_FULL ? PL_ENOSPC : (ext & 0xff) == SQLITE_NOMEM ? PL_ENOMEM : PL_EDB;
	return pl_diag_set(d, code, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, pl_diag *d)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, d, sql);
	return PL_OK;
}

static int configure(sqlite3 *db, pl_diag *d)
{
	sqlite3_busy_timeout(db, 5000);
	int rc = exec(db, "PRAGMA journal_mode=WAL", d);
	if (rc == PL_OK)
		rc = exec(db, "PRAGMA synchronous=FULL", d);
	if (rc == PL_OK)
		rc = exec(db, "PRAGMA foreign_keys=ON", d);
	return rc;
}

static const char SCHEMA[] =
	"CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 0),"
	" version INTEGER NOT NULL, origin TEXT NOT NULL, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, checkpoint BLOB NOT NULL, manifest BLOB NOT NULL);"
	"CREATE TABLE pending(start INTEGER PRIMARY KEY, count INTEGER NOT NULL CHECK (count > 0),"
	" data BLOB NOT NULL);";

int pl_seqdb_create(const char *path, const char *origin, const pl_hash *root, const uint8_t *cp, size_t cplen,
		    sqlite3 **out, pl_diag *d)
{
	*out = NULL;
	if (pl_fs_exists(path))
		return pl_diag_set(d, PL_EEXIST, "%s already exists", path);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = PL_OK;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = db_err(db, d, "create state database");
		goto out;
	}
	if ((rc = configure(db, d)) != PL_OK || (rc = exec(db, "BEGIN IMMEDIATE", d)) != PL_OK ||
	    (rc = exec(db, SCHEMA, d)) != PL_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO state VALUES(0, ?, ?, 0, ?, ?, x'')", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, d, "prepare");
		goto out;
	}
	sqlite3_bind_int(st, 1, PL_SEQDB_VERSION);
	/* static: the values outlive the statement, and a copy that cannot be
	 * allocated would silently bind NULL */
	sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, root->b, PL_HASH_SIZE, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, cp, (int)cplen, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(db, d, "insert state");
		goto out;
	}
	rc = exec(db, "COMMIT", d);
out:
	sqlite3_finalize(st);
	if (rc != PL_OK) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return PL_OK;
}

int pl_seqdb_open(const char *path, sqlite3 **out, pl_diag *d)
{
	*out = NULL;
	if (!pl_fs_exists(path))
		return pl_diag_set(d, PL_ENOTFOUND, "%s: no state database (is this a log directory?)", path);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		int rc = db_err(db, d, "open state database");
		sqlite3_close(db);
		return rc;
	}
	int rc = configure(db, d);
	if (rc != PL_OK) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return PL_OK;
}

void pl_seqdb_state_init(pl_seqdb_state *st)
{
	st->size = 0;
	memset(&st->root, 0, sizeof st->root);
	pl_buf_init(&st->checkpoint, 1 << 20);
	pl_buf_init(&st->origin, 1024);
	pl_buf_init(&st->manifest, 1 << 24);
}

void pl_seqdb_state_release(pl_seqdb_state *st)
{
	pl_buf_release(&st->checkpoint);
	pl_buf_release(&st->origin);
	pl_buf_release(&st->manifest);
}

int pl_seqdb_load(sqlite3 *db, pl_seqdb_state *st, pl_diag *d)
{
	sqlite3_stmt *s = NULL;
	int rc = PL_OK;
	if (sqlite3_prepare_v2(db, "SELECT version FROM state WHERE id = 0", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != PL_SEQDB_VERSION) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the state database has format version %d; this parley reads version %d",
				 sqlite3_column_int(s, 0), PL_SEQDB_VERSION);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db, "SELECT version, origin, size, root, checkpoint, manifest FROM state WHERE id = 0", -1, &s,
			       NULL) != SQLITE_OK)
		return db_err(db, d, "read state");
	int step = sqlite3_step(s);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? pl_diag_set(d, PL_ECORRUPT, "state database has no state row")
					 : db_err(db, d, "read state");
		goto out;
	}
	if (sqlite3_column_int(s, 0) != PL_SEQDB_VERSION) {
		rc = pl_diag_set(d, PL_ECORRUPT, "state database version %d, expected %d", sqlite3_column_int(s, 0),
				 PL_SEQDB_VERSION);
		goto out;
	}
	sqlite3_int64 size = sqlite3_column_int64(s, 2);
	if (size < 0 || sqlite3_column_bytes(s, 3) != PL_HASH_SIZE) {
		rc = pl_diag_set(d, PL_ECORRUPT, "state row is malformed");
		goto out;
	}
	st->size = (uint64_t)size;
	memcpy(st->root.b, sqlite3_column_blob(s, 3), PL_HASH_SIZE);
	pl_buf_reset(&st->checkpoint);
	pl_buf_reset(&st->origin);
	pl_buf_reset(&st->manifest);
	const void *cp = sqlite3_column_blob(s, 4);
	int cplen = sqlite3_column_bytes(s, 4);
	const unsigned char *origin = sqlite3_column_text(s, 1);
	const void *mf = sqlite3_column_blob(s, 5);
	int mflen = sqlite3_column_bytes(s, 5);
	if ((rc = pl_buf_append(&st->checkpoint, cp, (size_t)cplen)) != PL_OK ||
	    (rc = pl_buf_puts(&st->origin, (const char *)origin)) != PL_OK ||
	    (rc = pl_buf_append(&st->manifest, mf, (size_t)mflen)) != PL_OK)
		rc = pl_diag_set(d, rc, "state row too large");
out:
	sqlite3_finalize(s);
	return rc;
}

int pl_seqdb_stage(sqlite3 *db, uint64_t start, uint64_t count, const uint8_t *data, size_t n, pl_diag *d)
{
	sqlite3_stmt *s = NULL;
	int rc = PL_OK;
	if (n > (size_t)INT32_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "batch too large");
	if (sqlite3_prepare_v2(db, "INSERT INTO pending(start, count, data) VALUES(?, ?, ?)", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_err(db, d, "stage batch");
	sqlite3_bind_int64(s, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)count);
	sqlite3_bind_blob(s, 3, data, (int)n, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_err(db, d, "stage batch");
	sqlite3_finalize(s);
	return rc;
}

int pl_seqdb_each_pending(sqlite3 *db, pl_seqdb_batch_fn fn, void *ctx, pl_diag *d)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "SELECT start, count, data FROM pending ORDER BY start", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_err(db, d, "read pending batches");
	int rc = PL_OK, step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_int64 start = sqlite3_column_int64(s, 0), count = sqlite3_column_int64(s, 1);
		const uint8_t *data = sqlite3_column_blob(s, 2);
		int n = sqlite3_column_bytes(s, 2);
		if (start < 0 || count <= 0) {
			rc = pl_diag_set(d, PL_ECORRUPT, "pending batch row is malformed");
			break;
		}
		rc = fn(ctx, (uint64_t)start, (uint64_t)count, data, (size_t)n);
		if (rc != PL_OK)
			break;
	}
	if (rc == PL_OK && step != SQLITE_DONE)
		rc = db_err(db, d, "read pending batches");
	sqlite3_finalize(s);
	return rc;
}

int pl_seqdb_publish(sqlite3 *db, uint64_t size, const pl_hash *root, const uint8_t *cp, size_t cplen,
		     const uint8_t *manifest, size_t mlen, pl_diag *d)
{
	sqlite3_stmt *s = NULL;
	int rc = exec(db, "BEGIN IMMEDIATE", d);
	if (rc != PL_OK)
		return rc;
	if (sqlite3_prepare_v2(db, "UPDATE state SET size = ?, root = ?, checkpoint = ?, manifest = ? WHERE id = 0", -1, &s,
			       NULL) != SQLITE_OK) {
		rc = db_err(db, d, "publish");
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)size);
	sqlite3_bind_blob(s, 2, root->b, PL_HASH_SIZE, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, cp, (int)cplen, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, mlen ? (const void *)manifest : "", (int)mlen, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_err(db, d, "publish");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db, "DELETE FROM pending WHERE start < ?", -1, &s, NULL) != SQLITE_OK) {
		rc = db_err(db, d, "publish");
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)size);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_err(db, d, "publish");
		goto out;
	}
	rc = exec(db, "COMMIT", d);
out:
	sqlite3_finalize(s);
	if (rc != PL_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int pl_seqdb_drop_pending(sqlite3 *db, pl_diag *d)
{
	return exec(db, "DELETE FROM pending", d);
}
