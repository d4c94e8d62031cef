/* witness.c - the C2SP tlog-witness add-checkpoint logic and its state. */
#include "witness/witness.h"

#include "base/fsio.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/witness_req.h"

#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bucket {
	char origin[PL_ORIGIN_MAX + 1];
	double tokens, at;
} bucket;

struct pl_witness {
	char dir[PATH_MAX];
	pl_signer *signer;
	sqlite3 *db;
	pthread_mutex_t mu; /* one SQLite connection; also guards the buckets */
	double rate;
	bucket *buckets;
	size_t nbuckets;
};

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS logs(origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, size INTEGER NOT NULL,"
	" root BLOB, checkpoint BLOB, cosignature BLOB);"
	"CREATE TABLE IF NOT EXISTS evidence(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, origin TEXT NOT NULL,"
	" reason TEXT NOT NULL, request BLOB NOT NULL);";

static int db_err(sqlite3 *db, pl_diag *d, const char *what)
{
	return pl_diag_set(d, PL_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, pl_diag *d)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? PL_OK : db_err(db, d, sql);
}

static int init_with(const char *dir, const char *name, const uint8_t *seed, pl_diag *d)
{
	char keyp[PATH_MAX], vkeyp[PATH_MAX], dbp[PATH_MAX], tmp[PATH_MAX];
	pl_signer *s = NULL;
	uint8_t *skey = NULL;
	size_t skeylen = 0;
	sqlite3 *db = NULL;
	pl_buf vk;
	pl_buf_init(&vk, 1024);
	int rc = pl_fs_mkdirs(dir, 0700, d);
	if (rc != PL_OK)
		return rc;
	if (snprintf(keyp, sizeof keyp, "%s/witness.key", dir) >= (int)sizeof keyp ||
	    snprintf(vkeyp, sizeof vkeyp, "%s/witness.vkey", dir) >= (int)sizeof vkeyp ||
	    snprintf(dbp, sizeof dbp, "%s/witness.db", dir) >= (int)sizeof dbp ||
	    snprintf(tmp, sizeof tmp, "%s/witness.vkey.tmp", dir) >= (int)sizeof tmp)
		return pl_diag_set(d, PL_EINVAL, "path too long");
	if (pl_fs_exists(keyp))
		return pl_diag_set(d, PL_EEXIST, "%s already holds a witness", dir);
	if ((rc = pl_signer_new(name, PL_SIGTYPE_COSIG, seed, &s)) != PL_OK) {
		pl_diag_set(d, rc, "\"%s\" is not a valid key name (no spaces or '+')", name);
		goto out;
	}
	if ((rc = pl_signer_encode(s, &skey, &skeylen)) != PL_OK)
		goto out;
	skey[skeylen] = '\n';
	if ((rc = pl_fs_write_secret(keyp, skey, skeylen + 1, d)) != PL_OK)
		goto out;
	if ((rc = pl_verifier_format(&s->v, &vk)) != PL_OK || (rc = pl_buf_putc(&vk, '\n')) != PL_OK ||
	    (rc = pl_fs_replace(vkeyp, tmp, vk.data, vk.len, 0644, d)) != PL_OK)
		goto out;
	if (sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = db_err(db, d, "create witness.db");
		goto out;
	}
	rc = exec(db, SCHEMA, d);
out:
	if (skey) {
		sodium_memzero(skey, skeylen + 1);
		sodium_free(skey);
	}
	pl_signer_free(s);
	sqlite3_close(db);
	pl_buf_release(&vk);
	return rc;
}

int pl_witness_init(const char *dir, const char *name, pl_diag *d)
{
	return init_with(dir, name, NULL, d);
}

int pl_witness_init_seeded(const char *dir, const char *name, const uint8_t seed[PL_ED25519_SEED_SIZE], pl_diag *d)
{
	return init_with(dir, name, seed, d);
}

int pl_witness_read_vkey(const char *dir, pl_buf *out, pl_diag *d)
{
	char path[PATH_MAX];
	if (pl_path_join(path, sizeof path, dir, "witness.vkey") != PL_OK)
		return pl_diag_set(d, PL_ETOOBIG, "the witness directory's path is too long");
	return pl_fs_read(path, PL_VKEY_MAX + 2, out, d);
}

int pl_witness_open(const char *dir, double rate, pl_witness **out, pl_diag *d)
{
	*out = NULL;
	if (sodium_init() < 0)
		return pl_diag_set(d, PL_ECRYPTO, "libsodium failed to initialise");
	pl_witness *w = calloc(1, sizeof *w);
	if (w == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	w->rate = rate;
	snprintf(w->dir, sizeof w->dir, "%s", dir);
	char keyp[PATH_MAX], dbp[PATH_MAX];
	uint8_t *key = NULL;
	size_t n = 0;
	int rc = pl_path_join(keyp, sizeof keyp, dir, "witness.key") == PL_OK &&
			 pl_path_join(dbp, sizeof dbp, dir, "witness.db") == PL_OK
		 ? pl_fs_read_secret(keyp, 1024, &key, &n, d)
		 : pl_diag_set(d, PL_ETOOBIG, "the witness directory's path is too long");
	if (rc == PL_ENOTFOUND)
		pl_diag_set(d, rc, "%s is not a witness directory (run: parley witness init %s --name NAME)", dir, dir);
	if (rc != PL_OK)
		goto fail;
	rc = pl_signer_parse(key, n && key[n - 1] == '\n' ? n - 1 : n, &w->signer);
	sodium_memzero(key, n);
	sodium_free(key);
	if (rc != PL_OK || w->signer->v.type != PL_SIGTYPE_COSIG) {
		rc = pl_diag_set(d, PL_EFORMAT, "%s is not a cosignature/v1 witness key", keyp);
		goto fail;
	}
	if (sqlite3_open_v2(dbp, &w->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = db_err(w->db, d, "open witness.db");
		goto fail;
	}
	sqlite3_busy_timeout(w->db, 10000);
	if ((rc = exec(w->db, "PRAGMA journal_mode=WAL", d)) != PL_OK ||
	    (rc = exec(w->db, "PRAGMA synchronous=FULL", d)) != PL_OK || (rc = exec(w->db, SCHEMA, d)) != PL_OK)
		goto fail;
	*out = w;
	return PL_OK;
fail:
	pl_witness_close(w);
	return rc;
}

void pl_witness_close(pl_witness *w)
{
	if (w == NULL)
		return;
	pl_signer_free(w->signer);
	sqlite3_close(w->db);
	pthread_mutex_destroy(&w->mu);
	free(w->buckets);
	free(w);
}

const pl_verifier *pl_witness_verifier(const pl_witness *w)
{
	return &w->signer->v;
}

int pl_witness_add_log(pl_witness *w, const char *vkey, pl_diag *d)
{
	pl_verifier v;
	if (pl_verifier_parse(vkey, strlen(vkey), &v) != PL_OK || v.type != PL_SIGTYPE_ED25519)
		return pl_diag_set(d, PL_EINVAL, "\"%s\" is not a log's Ed25519 verifier key", vkey);
	pthread_mutex_lock(&w->mu);
	sqlite3_stmt *s = NULL;
	int rc = PL_OK;
	if (sqlite3_prepare_v2(w->db, "SELECT vkey FROM logs WHERE origin = ?", -1, &s, NULL) != SQLITE_OK) {
		rc = db_err(w->db, d, "add log");
		goto out;
	}
	sqlite3_bind_text(s, 1, v.name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = strcmp((const char *)sqlite3_column_text(s, 0), vkey) == 0
			     ? PL_OK
			     : pl_diag_set(d, PL_EEXIST, "%s is already witnessed with another key", v.name);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	pl_hash empty;
	pl_empty_root(&empty);
	if (sqlite3_prepare_v2(w->db, "INSERT INTO logs(origin, vkey, size, root) VALUES(?, ?, 0, ?)", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = db_err(w->db, d, "add log");
		goto out;
	}
	sqlite3_bind_text(s, 1, v.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, vkey, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, empty.b, PL_HASH_SIZE, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_err(w->db, d, "add log");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void pl_witness_answer_init(pl_witness_answer *a)
{
	memset(a, 0, sizeof *a);
	pl_buf_init(&a->body, PL_NOTE_MAX);
}

void pl_witness_answer_release(pl_witness_answer *a)
{
	pl_buf_release(&a->body);
}

/* A refusal, or with code PL_R_NONE a failure err (not the request's fault). */
static void say(pl_witness_answer *a, int err, pl_refusal_code code, const char *msg, const char *arg)
{
	a->err = err;
	pl_buf_reset(&a->body);
	if (err == PL_EREFUSED)
		pl_refuse(&a->refusal, code, "%.120s%.120s", msg, arg != NULL ? arg : "");
	else
		snprintf(a->msg, sizeof a->msg, "%.120s%.120s", msg, arg != NULL ? arg : "");
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Token bucket per origin (mu held). */
static bool rate_ok(pl_witness *w, const char *origin)
{
	if (w->rate <= 0)
		return true;
	double now = mono(), burst = w->rate * 2 < 1 ? 1 : w->rate * 2;
	bucket *b = NULL;
	for (size_t i = 0; i < w->nbuckets; i++)
		if (strcmp(w->buckets[i].origin, origin) == 0)
			b = &w->buckets[i];
	if (b == NULL) {
		bucket *p = realloc(w->buckets, (w->nbuckets + 1) * sizeof *p);
		if (p == NULL)
			return true;
		w->buckets = p;
		b = &w->buckets[w->nbuckets++];
		snprintf(b->origin, sizeof b->origin, "%s", origin);
		b->tokens = burst;
		b->at = now;
	}
	b->tokens += (now - b->at) * w->rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

static void keep_evidence(pl_witness *w, const char *origin, const char *reason, const uint8_t *body, size_t n,
			  uint64_t now)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(w->db, "INSERT INTO evidence(time, origin, reason, request) VALUES(?, ?, ?, ?)", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
		sqlite3_bind_text(s, 2, origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, body, (int)n, SQLITE_STATIC);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
}

int pl_witness_add_checkpoint(pl_witness *w, const uint8_t *body, size_t n, uint64_t now, pl_witness_answer *a)
{
	pl_witness_req req;
	if (pl_witness_req_parse(body, n, &req) != PL_OK) {
		say(a, PL_EREFUSED, PL_R_WITNESS_MALFORMED, "malformed add-checkpoint request", NULL);
		return PL_OK;
	}
	/* the origin comes from the (as yet unverified) checkpoint text */
	pl_note *note = malloc(sizeof *note);
	if (note == NULL) {
		say(a, PL_ENOMEM, PL_R_NONE, "out of memory", NULL);
		return PL_OK;
	}
	int rc = pl_note_open(req.checkpoint.p, req.checkpoint.n, NULL, 0, note);
	pl_checkpoint cp;
	if ((rc != PL_OK && rc != PL_ENOKEY) || pl_checkpoint_parse(note->text.p, note->text.n, &cp) != PL_OK) {
		free(note);
		say(a, PL_EREFUSED, PL_R_WITNESS_MALFORMED, "the checkpoint is malformed", NULL);
		return PL_OK;
	}
	free(note);
	int result = PL_OK;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&w->mu);
	if (!rate_ok(w, cp.origin)) {
		say(a, PL_EREFUSED, PL_R_WITNESS_RATE_LIMITED, "too many requests for ", cp.origin);
		goto out;
	}
	if (sqlite3_prepare_v2(w->db, "SELECT vkey FROM logs WHERE origin = ?", -1, &s, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(s, 1, cp.origin, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		say(a, PL_EREFUSED, PL_R_WITNESS_UNKNOWN_LOG, "unknown log ", cp.origin);
		goto out;
	}
	pl_verifier v;
	const char *vkey = (const char *)sqlite3_column_text(s, 0);
	if (pl_verifier_parse(vkey, strlen(vkey), &v) != PL_OK) {
		say(a, PL_ECORRUPT, PL_R_NONE, "the configured key is broken for ", cp.origin);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	pl_policy pol;
	pl_policy_init(&pol, &v);
	if (pl_checkpoint_open(req.checkpoint.p, req.checkpoint.n, &pol, NULL, NULL, NULL) != PL_OK) {
		say(a, PL_EREFUSED, PL_R_WITNESS_NOT_SIGNED, "the checkpoint is not validly signed by ", cp.origin);
		goto out;
	}
	if (req.old_size > cp.size) {
		say(a, PL_EREFUSED, PL_R_WITNESS_MALFORMED, "the old size is larger than the checkpoint's", NULL);
		goto out;
	}
	/* check-and-store, one transaction */
	if (exec(w->db, "BEGIN IMMEDIATE", NULL) != PL_OK)
		goto dberr;
	if (sqlite3_prepare_v2(w->db, "SELECT size, root FROM logs WHERE origin = ?", -1, &s, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_text(s, 1, cp.origin, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 1) != PL_HASH_SIZE)
		goto rollback;
	uint64_t size = (uint64_t)sqlite3_column_int64(s, 0);
	pl_hash root;
	memcpy(root.b, sqlite3_column_blob(s, 1), PL_HASH_SIZE);
	sqlite3_finalize(s);
	s = NULL;
	if (req.old_size != size) {
		exec(w->db, "ROLLBACK", NULL);
		say(a, PL_EREFUSED, PL_R_WITNESS_OLD_SIZE, "the old size is not the size witnessed", NULL);
		a->size = size;
		goto out;
	}
	if (cp.size == size) {
		exec(w->db, "ROLLBACK", NULL);
		if (!pl_hash_eq(&cp.root, &root) || req.proof_len != 0) {
			keep_evidence(w, cp.origin, "same size, another root", body, n, now);
			say(a, PL_EREFUSED, PL_R_WITNESS_INCONSISTENT, "the checkpoint has the size already witnessed but another root", NULL);
			goto out;
		}
		/* the same checkpoint again: cosign it, nothing to store */
	} else {
		if (pl_verify_consistency(size, cp.size, &root, &cp.root, req.proof, req.proof_len) != PL_OK) {
			exec(w->db, "ROLLBACK", NULL);
			keep_evidence(w, cp.origin, "consistency proof fails", body, n, now);
			say(a, PL_EREFUSED, PL_R_WITNESS_INCONSISTENT, "the consistency proof does not verify", NULL);
			goto out;
		}
	}
	/* the cosignature */
	pl_buf line;
	pl_buf_init(&line, 1024);
	pl_buf text;
	pl_buf_init(&text, PL_NOTE_MAX);
	if (pl_checkpoint_format(&cp, &text) != PL_OK || pl_note_sign_line(w->signer, text.data, text.len, now, &line) != PL_OK) {
		pl_buf_release(&line);
		pl_buf_release(&text);
		if (cp.size != size)
			exec(w->db, "ROLLBACK", NULL);
		say(a, PL_ECRYPTO, PL_R_NONE, "cannot cosign", NULL);
		goto out;
	}
	pl_buf_release(&text);
	if (cp.size != size) {
		if (sqlite3_prepare_v2(w->db,
				       "UPDATE logs SET size = ?, root = ?, checkpoint = ?, cosignature = ? WHERE origin = ?",
				       -1, &s, NULL) != SQLITE_OK) {
			pl_buf_release(&line);
			goto rollback;
		}
		sqlite3_bind_int64(s, 1, (sqlite3_int64)cp.size);
		sqlite3_bind_blob(s, 2, cp.root.b, PL_HASH_SIZE, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, req.checkpoint.p, (int)req.checkpoint.n, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, line.data, (int)line.len, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, cp.origin, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			pl_buf_release(&line);
			goto rollback;
		}
		sqlite3_finalize(s);
		s = NULL;
		/* persisted before answering (synchronous=FULL) */
		if (exec(w->db, "COMMIT", NULL) != PL_OK) {
			pl_buf_release(&line);
			goto rollback;
		}
	}
	a->err = PL_OK;
	pl_buf_reset(&a->body);
	(void)!pl_buf_append(&a->body, line.data, line.len);
	pl_buf_release(&line);
	goto out;
rollback:
	exec(w->db, "ROLLBACK", NULL);
dberr:
	say(a, PL_EDB, PL_R_NONE, "witness storage failed: ", sqlite3_errmsg(w->db));
	result = PL_EDB;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&w->mu);
	return result;
}

int pl_witness_latest(pl_witness *w, const char *origin, pl_buf *out)
{
	pthread_mutex_lock(&w->mu);
	sqlite3_stmt *s = NULL;
	int rc = PL_ENOTFOUND;
	if (sqlite3_prepare_v2(w->db, "SELECT checkpoint, cosignature FROM logs WHERE origin = ?", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, origin, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) > 0) {
			rc = pl_buf_append(out, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
			if (rc == PL_OK)
				rc = pl_buf_append(out, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1));
		}
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&w->mu);
	return rc;
}
