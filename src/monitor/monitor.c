/* monitor.c - follow a log, verify everything, compare with witnesses, prove forks. */
#include "monitor/monitor.h"

#include "base/fsio.h"
#include "statement/members.h"
#include "store/published.h"
#include "store/log.h"
#include "store/source.h"
#include "tlog/fork.h"
#include "tlog/tile.h"
#include "client/http_source.h"
#include "store/logdir.h"
#include "workflow/engine.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pl_monitor {
	pl_monitor_opts o;
	char dir[PATH_MAX];
	pl_log *mirror;
	pl_source *local;      /* the mirror directory, for its tiles */
	pl_source *remote;     /* the log */
	pl_engine eng;         /* membership and workflow state replayed so far (published + staged) */
	pl_hash *leaves;       /* leaf hashes of staged entries, [size, staged) */
	size_t nleaves, capleaves;
};

void pl_monitor_result_init(pl_monitor_result *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->fork_proof, PL_FORK_PROOF_MAX);
}

void pl_monitor_result_release(pl_monitor_result *r)
{
	pl_buf_release(&r->fork_proof);
}

static void finding(pl_monitor_result *r, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void finding(pl_monitor_result *r, int kind, const char *fmt, ...)
{
	if (kind > r->finding)
		r->finding = kind;
	size_t n = strlen(r->message);
	if (n > 0 && n + 2 < sizeof r->message) {
		r->message[n++] = ' ';
		r->message[n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof r->message - n, fmt, ap);
	va_end(ap);
}

/* ---- leaves, for references ---- */

static int leaf_of(void *ctx, uint64_t index, pl_hash *out)
{
	pl_monitor *m = ctx;
	uint64_t size = pl_log_size(m->mirror);
	if (index >= size) {
		if (index - size < m->nleaves) {
			*out = m->leaves[index - size];
			return PL_OK;
		}
		return PL_ERANGE;
	}
	return pl_source_leaf(m->local, size, index, out);
}

static int push_leaf(pl_monitor *m, const pl_hash *h)
{
	if (m->nleaves == m->capleaves) {
		size_t cap = m->capleaves ? m->capleaves * 2 : 4096;
		pl_hash *p = realloc(m->leaves, cap * sizeof *p);
		if (p == NULL)
			return PL_ENOMEM;
		m->leaves = p;
		m->capleaves = cap;
	}
	m->leaves[m->nleaves++] = *h;
	return PL_OK;
}

static void admission(pl_monitor *m, pl_admission *a, bool trusted)
{
	memset(a, 0, sizeof *a);
	a->skew = -1; /* old statements are old */
	a->leaf = leaf_of;
	a->leaf_ctx = m;
	a->trust_signatures = trusted;
}

/* ---- replaying what the mirror already holds ---- */

static int replay_staged(void *ctx, uint64_t index, const uint8_t *e, size_t n)
{
	pl_monitor *m = ctx;
	pl_admission a;
	admission(m, &a, true);
	pl_hash h;
	pl_leaf_hash(e, n, &h);
	int rc = pl_engine_replay(&m->eng, e, n, index, &a, NULL, NULL);
	if (rc == PL_OK)
		rc = push_leaf(m, &h);
	return rc;
}

static int replay_mirror(pl_monitor *m, pl_diag *d)
{
	pl_admission a;
	admission(m, &a, true);
	uint64_t size = pl_log_size(m->mirror);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	int rc = PL_OK;
	for (uint64_t t = 0; rc == PL_OK && t * PL_TILE_WIDTH < size; t++) {
		pl_tile tile;
		if ((rc = pl_tile_in_tree(size, PL_TILE_LEVEL_ENTRIES, t, &tile)) != PL_OK)
			break;
		pl_buf_reset(&b);
		pl_span e[PL_TILE_WIDTH];
		if ((rc = pl_source_fetch_tile(m->local, &tile, &b)) != PL_OK ||
		    pl_bundle_parse(b.data, b.len, tile.width, e) != PL_OK) {
			rc = pl_diag_set(d, PL_ECORRUPT, "the mirror's bundle %llu is missing or malformed",
					 (unsigned long long)t);
			break;
		}
		for (unsigned i = 0; rc == PL_OK && i < tile.width; i++)
			rc = pl_engine_replay(&m->eng, e[i].p, e[i].n, t * PL_TILE_WIDTH + i, &a, NULL, d);
	}
	pl_buf_release(&b);
	if (rc == PL_OK)
		rc = pl_log_each_staged(m->mirror, replay_staged, m, d);
	return rc;
}

int pl_monitor_open(const pl_monitor_opts *o, pl_monitor **out, pl_diag *d)
{
	*out = NULL;
	pl_monitor *m = calloc(1, sizeof *m);
	if (m == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	m->o = *o;
	if (m->o.threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		m->o.threads = c < 1 ? 1 : (unsigned)(c > 16 ? 16 : c);
	}
	if (m->o.chunk == 0)
		m->o.chunk = 16384;
	snprintf(m->dir, sizeof m->dir, "%s", o->dir);
	m->o.dir = m->dir;
	int rc = PL_OK;
	if (!pl_logdir_exists(o->dir) && (rc = pl_log_init_mirror(o->dir, &o->policy.log, d)) != PL_OK)
		goto fail;
	if ((rc = pl_log_open(o->dir, &m->mirror, d)) != PL_OK)
		goto fail;
	const pl_verifier *v = pl_log_verifier(m->mirror);
	if (strcmp(v->name, o->policy.log.name) != 0 || memcmp(v->pk, o->policy.log.pk, 32) != 0) {
		rc = pl_diag_set(d, PL_EINVAL, "%s mirrors %s, not the log given", o->dir, v->name);
		goto fail;
	}
	if ((rc = pl_source_open_dir(o->dir, &m->local, d)) != PL_OK ||
	    (rc = pl_source_is_url(o->source) ? pl_source_open_url(o->source, !o->no_gzip, &m->remote, d)
					      : pl_source_open_dir(o->source, &m->remote, d)) != PL_OK)
		goto fail;
	pl_engine_init(&m->eng, o->policy.log.name);
	if ((rc = replay_mirror(m, d)) != PL_OK)
		goto fail;
	*out = m;
	return PL_OK;
fail:
	pl_monitor_close(m);
	return rc;
}

void pl_monitor_close(pl_monitor *m)
{
	if (m == NULL)
		return;
	pl_log_close(m->mirror);
	pl_source_free(m->local);
	pl_source_free(m->remote);
	pl_engine_release(&m->eng);
	free(m->leaves);
	free(m);
}

/* ---- verifying a chunk of new entries ---- */

typedef struct chunk_job {
	pl_monitor *m;
	pl_span *entries;
	pl_submission *subs;
	int *parsed;            /* 1 parsed, -1 refused at parse (verdicts[i] says why) */
	pl_refusal *verdicts;
	size_t n;
	size_t next;
	pthread_mutex_t mu;
} chunk_job;

static void *parse_worker(void *arg)
{
	chunk_job *j = arg;
	pl_admission a;
	admission(j->m, &a, false);
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next;
		j->next += 64;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			break;
		size_t end = i + 64 < j->n ? i + 64 : j->n;
		for (; i < end; i++) {
			if (pl_submission_parse(j->entries[i].p, j->entries[i].n, j->m->eng.members.origin, &a, &j->subs[i],
						&j->verdicts[i]) != PL_OK) {
				j->parsed[i] = -1;
				continue;
			}
			/* the registry is read-only while workers run */
			pl_submission_preverify(&j->m->eng.members, &j->subs[i]);
			j->parsed[i] = 1;
		}
	}
	return NULL;
}

/* Verifies entries [first, first+n) and stages them; stops at the first one
 * the rules refuse (reported). *ok receives how many were staged. */
static int verify_and_stage(pl_monitor *m, uint64_t first, pl_span *entries, size_t n, pl_monitor_result *r,
			    size_t *ok, pl_diag *d)
{
	*ok = 0;
	chunk_job j = {m, entries, calloc(n, sizeof(pl_submission)), calloc(n, sizeof(int)),
		       calloc(n, sizeof(pl_refusal)), n, 0, PTHREAD_MUTEX_INITIALIZER};
	int rc = PL_OK;
	if (j.subs == NULL || j.parsed == NULL || j.verdicts == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	pthread_t th[16];
	size_t started = 0;
	for (; started + 1 < m->o.threads && started < 16; started++)
		if (pthread_create(&th[started], NULL, parse_worker, &j) != 0)
			break;
	parse_worker(&j);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pl_admission a;
	admission(m, &a, false);
	size_t k = 0;
	for (; k < n; k++) {
		pl_refusal *v = &j.verdicts[k];
		if (j.parsed[k] != 1 || pl_engine_check(&m->eng, &a, &j.subs[k], v) != PL_OK) {
			finding(r, PL_FINDING_PROBLEM, "entry %llu is one the rules refuse (%s: %s).",
				(unsigned long long)(first + k), v->code ? pl_refusal_name(v->code) : "?", v->msg);
			break;
		}
		if ((rc = pl_engine_apply(&m->eng, &j.subs[k], first + k, NULL)) != PL_OK ||
		    (rc = push_leaf(m, &j.subs[k].leaf)) != PL_OK) {
			pl_diag_set(d, rc, "out of memory");
			break;
		}
	}
	if (rc == PL_OK && k > 0) {
		uint64_t at;
		rc = pl_log_stage(m->mirror, entries, k, &at, d);
	}
	if (rc == PL_OK)
		*ok = k;
out:
	for (size_t i = 0; i < n && j.parsed; i++)
		if (j.parsed[i] != 0)
			pl_submission_release(&j.subs[i]);
	free(j.subs);
	free(j.parsed);
	free(j.verdicts);
	pthread_mutex_destroy(&j.mu);
	return rc;
}

/* ---- fork evidence ---- */

static int root_and_proof(pl_source *s, uint64_t tree, uint64_t at, pl_hash *root, pl_hash *proof, size_t *len)
{
	pl_tile_reader *tr = malloc(sizeof *tr);
	if (tr == NULL)
		return PL_ENOMEM;
	pl_tile_reader_init(tr, tree, pl_source_fetch_tile, s);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	int rc = pl_tree_root(&hr, at, root);
	if (rc == PL_OK)
		rc = pl_prove_consistency(&hr, at, tree, proof, len);
	free(tr);
	return rc;
}

/* The mirror's checkpoint A (size a) against a smaller signed checkpoint B. */
static void compare_smaller(pl_monitor *m, const pl_checkpoint *b, const pl_span bnote, const char *who,
			    pl_monitor_result *r)
{
	pl_span anote = pl_log_checkpoint(m->mirror);
	uint64_t asize = pl_log_size(m->mirror);
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (root_and_proof(m->local, asize, b->size, &root, proof, &len) != PL_OK) {
		finding(r, PL_FINDING_PROBLEM, "cannot read the mirror's own tiles.");
		return;
	}
	if (pl_hash_eq(&root, &b->root)) {
		if (strcmp(who, "the log") == 0)
			finding(r, PL_FINDING_PROBLEM, "the log showed an older checkpoint (size %llu) than one it signed "
				"before (size %llu).", (unsigned long long)b->size, (unsigned long long)asize);
		return;
	}
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, anote.p, anote.n, bnote.p, bnote.n, &root, proof, len,
				 &r->fork_proof) == PL_OK)
		finding(r, PL_FINDING_FORK, "FORK: %s holds a checkpoint of size %llu that is not a prefix of the "
			"log's checkpoint of size %llu.", who, (unsigned long long)b->size, (unsigned long long)asize);
}

static void same_size(pl_monitor *m, const pl_span bnote, const char *who, pl_monitor_result *r)
{
	pl_span anote = pl_log_checkpoint(m->mirror);
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_same_size(&m->o.policy.log, anote.p, anote.n, bnote.p, bnote.n, &r->fork_proof) == PL_OK)
		finding(r, PL_FINDING_FORK, "FORK: %s holds a checkpoint of size %llu with another root than the "
			"log's.", who, (unsigned long long)pl_log_size(m->mirror));
}

/* Checks that a larger checkpoint extends the mirror's, with a consistency
 * proof built from the log's own tiles; records a fork or a problem and
 * returns false if it does not. */
static bool extends(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r)
{
	uint64_t t = pl_log_size(m->mirror);
	if (t == 0)
		return true;
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (root_and_proof(m->remote, cp->size, t, &root, proof, &len) != PL_OK ||
	    pl_verify_consistency(t, cp->size, &root, &cp->root, proof, len) != PL_OK) {
		finding(r, PL_FINDING_PROBLEM, "the log's tiles do not make the tree its checkpoint of size %llu signs.",
			(unsigned long long)cp->size);
		return false;
	}
	pl_checkpoint mine;
	pl_span mnote = pl_log_checkpoint(m->mirror);
	pl_policy pol;
	pl_policy_init(&pol, &m->o.policy.log);
	if (pl_checkpoint_open(mnote.p, mnote.n, &pol, &mine, NULL, NULL) != PL_OK)
		return false;
	if (pl_hash_eq(&root, &mine.root))
		return true;
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, note.p, note.n, mnote.p, mnote.n, &root, proof, len, &r->fork_proof) ==
	    PL_OK)
		finding(r, PL_FINDING_FORK, "FORK: the log's checkpoint of size %llu does not extend the one of size %llu "
			"it signed before.", (unsigned long long)cp->size, (unsigned long long)t);
	return false;
}

/* The new checkpoint did not match the entries: find out who is wrong. */
static void analyse_mismatch(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r)
{
	uint64_t t = pl_log_size(m->mirror);
	pl_hash root, proof[PL_PROOF_MAX];
	size_t len = 0;
	if (t == 0 || root_and_proof(m->remote, cp->size, t, &root, proof, &len) != PL_OK ||
	    pl_verify_consistency(t, cp->size, &root, &cp->root, proof, len) != PL_OK) {
		finding(r, PL_FINDING_PROBLEM, "the log's tiles do not make the tree its checkpoint of size %llu signs.",
			(unsigned long long)cp->size);
		return;
	}
	pl_checkpoint mine;
	pl_span mnote = pl_log_checkpoint(m->mirror);
	pl_policy pol;
	pl_policy_init(&pol, &m->o.policy.log);
	if (pl_checkpoint_open(mnote.p, mnote.n, &pol, &mine, NULL, NULL) != PL_OK)
		return;
	if (pl_hash_eq(&root, &mine.root)) {
		finding(r, PL_FINDING_PROBLEM, "the log served entry bundles that its own tiles do not hash to.");
		return;
	}
	pl_buf_reset(&r->fork_proof);
	if (pl_fork_write_prefix(&m->o.policy.log, note.p, note.n, mnote.p, mnote.n, &root, proof, len, &r->fork_proof) ==
	    PL_OK)
		finding(r, PL_FINDING_FORK, "FORK: the log's checkpoint of size %llu does not extend the one of size %llu "
			"it signed before.", (unsigned long long)cp->size, (unsigned long long)t);
}

/* ---- one round ---- */

/* Bundles fetched ahead by a thread while the previous chunk is verified. */
#define PREFETCH 64

typedef struct prefetch {
	pl_monitor *m;
	uint64_t tree;              /* the checkpoint's size */
	uint64_t next, end;         /* bundles still to fetch: [next, end) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pl_buf bufs[PREFETCH];
	pl_tile tiles[PREFETCH];
	size_t head, count;
	int err;                    /* first failure, or PL_OK */
	bool stop;
} prefetch;

static void *prefetcher(void *arg)
{
	prefetch *p = arg;
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	for (uint64_t t = p->next; t < p->end; t++) {
		pl_tile tile;
		int rc = pl_tile_in_tree(p->tree, PL_TILE_LEVEL_ENTRIES, t, &tile);
		pl_buf_reset(&b);
		if (rc == PL_OK)
			rc = pl_source_fetch_tile(p->m->remote, &tile, &b);
		pthread_mutex_lock(&p->mu);
		while (p->count == PREFETCH && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || rc != PL_OK) {
			if (rc != PL_OK && p->err == PL_OK)
				p->err = rc;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			break;
		}
		size_t slot = (p->head + p->count) % PREFETCH;
		pl_buf tmp = p->bufs[slot];
		p->bufs[slot] = b; /* hand the buffer over, take the slot's spare */
		b = tmp;
		p->tiles[slot] = tile;
		p->count++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	pl_buf_release(&b);
	return NULL;
}

/* Takes the next fetched bundle into *out (swapping buffers). false at the end or on failure. */
static bool next_bundle(prefetch *p, pl_buf *out, pl_tile *tile, uint64_t want)
{
	pthread_mutex_lock(&p->mu);
	(void)want;
	while (p->count == 0 && p->err == PL_OK && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	bool ok = p->count > 0;
	if (ok) {
		pl_buf tmp = p->bufs[p->head];
		p->bufs[p->head] = *out;
		*out = tmp;
		*tile = p->tiles[p->head];
		p->head = (p->head + 1) % PREFETCH;
		p->count--;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return ok;
}

static int follow(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r, pl_diag *d)
{
	uint64_t staged = pl_log_staged(m->mirror);
	pl_buf chunk;
	pl_buf_init(&chunk, (size_t)1 << 31);
	pl_span *spans = malloc(m->o.chunk * sizeof *spans);
	size_t *offs = malloc(m->o.chunk * sizeof *offs);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	prefetch p;
	memset(&p, 0, sizeof p);
	p.m = m;
	p.tree = cp->size;
	p.next = staged / PL_TILE_WIDTH;
	p.end = (cp->size + PL_TILE_WIDTH - 1) / PL_TILE_WIDTH;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	for (size_t i = 0; i < PREFETCH; i++)
		pl_buf_init(&p.bufs[i], PL_BUNDLE_MAX);
	pthread_t th;
	bool started = false;
	int rc = PL_OK;
	if (spans == NULL || offs == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	if (pthread_create(&th, NULL, prefetcher, &p) != 0) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start a thread");
		goto out;
	}
	started = true;
	uint64_t at = staged;
	bool refused = false;
	/* entries of the current bundle not yet taken into a chunk */
	pl_span pend[PL_TILE_WIDTH];
	unsigned npend = 0, ipend = 0;
	uint64_t bundles_taken = 0, nbundles = p.end - p.next;
	while (at < cp->size && !refused) {
		size_t k = 0;
		pl_buf_reset(&chunk);
		while (k < m->o.chunk && at + k < cp->size) {
			if (ipend == npend) {
				pl_tile t;
				if (bundles_taken == nbundles || !next_bundle(&p, &b, &t, 0)) {
					pthread_mutex_lock(&p.mu);
					rc = p.err != PL_OK ? p.err : PL_ENET;
					pthread_mutex_unlock(&p.mu);
					pl_diag_set(d, rc, "cannot fetch the log's entry bundles");
					goto out;
				}
				bundles_taken++;
				if (pl_bundle_parse(b.data, b.len, t.width, pend) != PL_OK) {
					finding(r, PL_FINDING_PROBLEM, "the log served a malformed entry bundle %llu.",
						(unsigned long long)t.index);
					refused = true;
					break;
				}
				npend = t.width;
				ipend = t.index * PL_TILE_WIDTH < at + k ? (unsigned)((at + k) % PL_TILE_WIDTH) : 0;
			}
			offs[k] = chunk.len;
			if ((rc = pl_buf_append(&chunk, pend[ipend].p, pend[ipend].n)) != PL_OK)
				goto out;
			spans[k].n = pend[ipend].n;
			ipend++;
			k++;
		}
		for (size_t i = 0; i < k; i++)
			spans[i].p = chunk.data + offs[i];
		size_t ok = 0;
		if (k > 0 && (rc = verify_and_stage(m, at, spans, k, r, &ok, d)) != PL_OK)
			goto out;
		r->verified += ok;
		at += ok;
		if (ok < k)
			refused = true;
		if (m->o.progress)
			m->o.progress(m->o.progress_ctx, at, cp->size);
	}
	if (refused)
		goto out;
	/* every entry staged: publish the log's checkpoint if they make its tree */
	pl_diag pd = {0};
	rc = pl_log_append_mirrored(m->mirror, NULL, 0, note.p, note.n, &pd);
	if (rc == PL_EVERIFY) {
		analyse_mismatch(m, cp, note, r);
		rc = PL_OK;
	} else if (rc != PL_OK) {
		pl_diag_set(d, rc, "%s", pd.msg);
	}
out:
	if (started) {
		pthread_mutex_lock(&p.mu);
		p.stop = true;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(th, NULL);
	}
	for (size_t i = 0; i < PREFETCH; i++)
		pl_buf_release(&p.bufs[i]);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	if (r->finding != 0 && pl_log_staged(m->mirror) > pl_log_size(m->mirror)) {
		/* what came with a refusal or a mismatch is suspect: forget it and rebuild the registry */
		(void)!pl_log_drop_staged(m->mirror, NULL);
		pl_engine_release(&m->eng);
		pl_engine_init(&m->eng, m->o.policy.log.name);
		m->nleaves = 0;
		pl_diag rd = {0};
		if (replay_mirror(m, &rd) != PL_OK && rc == PL_OK)
			rc = pl_diag_set(d, PL_ECORRUPT, "%s", rd.msg);
	}
	free(spans);
	free(offs);
	pl_buf_release(&chunk);
	pl_buf_release(&b);
	return rc;
}

static void ask_witnesses(pl_monitor *m, pl_monitor_result *r)
{
	for (size_t i = 0; i < m->o.nwitnesses; i++) {
		pl_monitor_witness *w = &m->o.witnesses[i];
		pl_source *s = NULL;
		pl_buf note;
		pl_buf_init(&note, PL_NOTE_MAX);
		char path[512];
		snprintf(path, sizeof path, "checkpoint?origin=%s", m->o.policy.log.name);
		pl_diag wd = {0};
		int grc = pl_source_open_any(w->url, &s, &wd);
		if (grc == PL_OK)
			grc = pl_source_get(s, path, PL_NOTE_MAX, &note, &wd);
		if (grc == PL_ENOTFOUND) {
			finding(r, PL_FINDING_PROBLEM,
				"the witness %s answered but holds no checkpoint of this log: the log does not (yet) "
				"ask it to cosign (is it among the server's --witness?).", w->v.name);
			goto next;
		}
		if (grc != PL_OK) {
			finding(r, PL_FINDING_PROBLEM, "the witness %s could not be asked: %s.", w->v.name,
				pl_diag_text(&wd, grc));
			goto next;
		}
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		pl_checkpoint wc;
		if (pl_checkpoint_open(note.data, note.len, &pol, &wc, NULL, NULL) != PL_OK) {
			finding(r, PL_FINDING_PROBLEM, "the witness %s holds a checkpoint not signed by the log.", w->v.name);
			goto next;
		}
		uint64_t size = pl_log_size(m->mirror);
		pl_span wn = pl_buf_span(&note);
		char who[PL_KEYNAME_MAX + 16];
		snprintf(who, sizeof who, "the witness %s", w->v.name);
		if (wc.size == size) {
			pl_checkpoint mine;
			pl_span mn = pl_log_checkpoint(m->mirror);
			if (mn.n > 0 && pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK &&
			    !pl_hash_eq(&mine.root, &wc.root))
				same_size(m, wn, who, r);
		} else if (wc.size < size) {
			compare_smaller(m, &wc, wn, who, r);
		} else {
			finding(r, PL_FINDING_PROBLEM, "the witness %s cosigned a checkpoint of size %llu; the log showed "
				"this monitor only %llu (a split view?).", w->v.name, (unsigned long long)wc.size,
				(unsigned long long)size);
		}
	next:
		pl_source_free(s);
		pl_buf_release(&note);
	}
}

int pl_monitor_step(pl_monitor *m, pl_monitor_result *r, pl_diag *d)
{
	pl_buf note;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_checkpoint cp;
	pl_diag cd = {0};
	int rc = pl_published_checkpoint(m->remote, &m->o.policy, &note, &cp, &cd);
	if (rc == PL_ENOKEY || rc == PL_EVERIFY || rc == PL_EFORMAT) {
		finding(r, PL_FINDING_PROBLEM, "%s.", cd.msg);
		rc = PL_OK;
		goto witnesses;
	}
	if (rc != PL_OK) {
		pl_diag_set(d, rc, "%s", cd.msg);
		goto out;
	}
	uint64_t size = pl_log_size(m->mirror);
	pl_span ns = pl_buf_span(&note);
	if (cp.size < pl_log_staged(m->mirror) && cp.size >= size)
		(void)!pl_log_drop_staged(m->mirror, NULL); /* the log now shows less than it did */
	if (cp.size < size) {
		compare_smaller(m, &cp, ns, "the log", r);
	} else if (cp.size == size && size > 0) {
		pl_checkpoint mine;
		pl_span mn = pl_log_checkpoint(m->mirror);
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		if (pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK && !pl_hash_eq(&mine.root, &cp.root))
			same_size(m, ns, "the log", r);
		else if (mn.n != ns.n || memcmp(mn.p, ns.p, ns.n) != 0)
			(void)!pl_log_append_mirrored(m->mirror, NULL, 0, ns.p, ns.n, NULL); /* newer cosignatures */
	} else if (extends(m, &cp, ns, r) && (rc = follow(m, &cp, ns, r, d)) != PL_OK) {
		goto out;
	}
witnesses:
	ask_witnesses(m, r);
out:
	r->size = pl_log_size(m->mirror);
	pl_buf_release(&note);
	return rc;
}
