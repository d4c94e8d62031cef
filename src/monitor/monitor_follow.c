/*
 * monitor_follow.c - a monitor catching up with its log (monitor_impl.h): a
 * thread fetches the new entry bundles ahead while the previous chunk is
 * verified; each chunk is verified through the one replay and staged in the
 * mirror (so a restart resumes where it stopped); once every entry is
 * staged the log's checkpoint is published in the mirror if they make
 * exactly its tree.
 */
#include "monitor/monitor_impl.h"

#include "base/thread.h"
#include "tlog/tile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

int pl_monitor_follow(pl_monitor *m, const pl_checkpoint *cp, pl_span note, pl_monitor_result *r, pl_diag *d)
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
	if (pl_thread_start(&th, prefetcher, &p) != PL_OK) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start a thread");
		goto out;
	}
	started = true;
	uint64_t at = staged;
	bool bad = false; /* a malformed bundle */
	/* entries of the current bundle not yet taken into a chunk */
	pl_span pend[PL_TILE_WIDTH];
	unsigned npend = 0, ipend = 0;
	uint64_t bundles_taken = 0, nbundles = p.end - p.next;
	while (at < cp->size && !bad) {
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
					pl_monitor_finding(r, PL_FINDING_PROBLEM, "the log served a malformed entry bundle %llu.",
						(unsigned long long)t.index);
					bad = true;
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
		if (k > 0 && (rc = pl_monitor_verify_and_stage(m, spans, k, r, d)) != PL_OK)
			goto out;
		r->verified += k;
		at += k;
		if (m->o.progress)
			m->o.progress(m->o.progress_ctx, at, cp->size);
	}
	if (bad)
		goto out;
	/* every entry staged: publish the log's checkpoint if they make its tree */
	pl_diag pd = {0};
	rc = pl_log_append_mirrored(m->mirror, NULL, 0, note.p, note.n, &pd);
	if (rc == PL_OK) {
		pl_monitor_published(m, r);
	} else if (rc == PL_EVERIFY) {
		pl_monitor_analyse_mismatch(m, cp, note, r);
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
		pl_thread_join(th);
	}
	for (size_t i = 0; i < PREFETCH; i++)
		pl_buf_release(&p.bufs[i]);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	if (r->finding != 0 && pl_log_staged(m->mirror) > pl_log_size(m->mirror)) {
		/* what came with a mismatch is suspect: forget it and rebuild the engine */
		pl_diag rd = {0};
		int xrc = pl_monitor_reset(m, &rd);
		if (xrc != PL_OK && rc == PL_OK)
			rc = pl_diag_set(d, xrc, "%s", rd.msg);
	}
	free(spans);
	free(offs);
	pl_buf_release(&chunk);
	pl_buf_release(&b);
	return rc;
}
