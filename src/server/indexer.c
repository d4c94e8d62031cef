/*
 * indexer.c - a node keeping its workflow index current (node_impl.h): a
 * thread follows the published log into DIR/private/index.db through the
 * index's own replay (workflow/index.h); read requests wait, briefly, until
 * the index covers the checkpoint published when they came. An index that
 * does not match the log is deleted and rebuilt.
 *
 * Parse once: the sequencer hands every job it staged to the feed (in index
 * order, each holding a reference to the job, its envelope and its parse),
 * and the indexer applies those parses (pl_index_follow_parsed) instead of
 * reading and parsing the entries again from the bundles. It reads the
 * bundles only for what the feed does not hold: when the index catches up
 * after a start or a rebuild, and when the feed was full (FEED_MAX jobs or
 * FEED_BYTES_MAX bytes of envelopes: then nothing more is fed until the
 * indexer has emptied it).
 */
#include "server/node_impl.h"

#include "base/thread.h"
#include "store/logdir.h"
#include "workflow/index.h"

#include <stdlib.h>

/* The most jobs, and envelope bytes, the feed keeps for the indexer. */
#define FEED_MAX 65536
#define FEED_BYTES_MAX ((size_t)64 << 20)
/* The most fed entries the indexer applies in one go. */
#define FEED_RUN 4096

void pl_node_feed_locked(pl_node *n, job *j)
{
	if (n->feed_stalled)
		return;
	if (n->nfeed >= FEED_MAX || n->feed_bytes + j->len > FEED_BYTES_MAX ||
	    (n->feed_tail != NULL && n->feed_tail->index + 1 != j->index)) {
		n->feed_stalled = true; /* the indexer reads the bundles from here */
		return;
	}
	atomic_fetch_add(&j->refs, 1);
	j->feed_next = NULL;
	if (n->feed_tail)
		n->feed_tail->feed_next = j;
	else
		n->feed_head = j;
	n->feed_tail = j;
	n->nfeed++;
	n->feed_bytes += j->len;
}

/* Takes the feed's first job (mu held). */
static job *feed_pop(pl_node *n)
{
	job *j = n->feed_head;
	n->feed_head = j->feed_next;
	if (n->feed_head == NULL) {
		n->feed_tail = NULL;
		n->feed_stalled = false; /* emptied: the sequencer may feed again */
	}
	n->nfeed--;
	n->feed_bytes -= j->len;
	return j;
}

void pl_node_feed_drop(pl_node *n)
{
	pthread_mutex_lock(&n->mu);
	job *list = NULL;
	while (n->feed_head != NULL) {
		job *j = feed_pop(n);
		j->feed_next = list;
		list = j;
	}
	pthread_mutex_unlock(&n->mu);
	while (list != NULL) {
		job *next = list->feed_next;
		pl_node_job_unref(list);
		list = next;
	}
}

/*
 * What the feed offers the index of size at, up to target (mu held): fed jobs before at are
 * dropped (into *drop); then up to FEED_RUN jobs from at on, in a run (into run, *k of them);
 * *next is the first fed index (UINT64_MAX: none), where reading the bundles must stop.
 */
static void feed_take(pl_node *n, uint64_t at, uint64_t target, job **run, size_t *k, job **drop, uint64_t *next)
{
	*k = 0;
	while (n->feed_head != NULL && n->feed_head->index < at) {
		job *j = feed_pop(n);
		j->feed_next = *drop;
		*drop = j;
	}
	while (n->feed_head != NULL && *k < FEED_RUN && n->feed_head->index == at + *k && n->feed_head->index < target)
		run[(*k)++] = feed_pop(n);
	*next = n->feed_head != NULL ? n->feed_head->index : UINT64_MAX;
}

/* Waits on index_cv for at most s seconds (mu held). */
static void index_wait(pl_node *n, double s)
{
	(void)pl_cond_wait_until(&n->index_cv, &n->mu, pl_mono() + s);
}

void *pl_node_indexer(void *arg)
{
	pl_node *n = arg;
	char path[PATH_MAX];
	pl_index *x = NULL;
	pl_source *src = NULL;
	bool have_path = pl_logdir_path(n->dir, PL_LOGFILE_INDEX, path, NULL) == PL_OK;
	job **run = malloc(FEED_RUN * sizeof *run);
	pl_submission **subs = malloc(FEED_RUN * sizeof *subs);
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		uint64_t target = n->size;
		if (x != NULL && n->indexed >= target) {
			index_wait(n, 1.0);
			continue;
		}
		pthread_mutex_unlock(&n->mu);
		pl_diag d = {0};
		int rc = src != NULL ? PL_OK : pl_source_open_dir(n->dir, &src, &d);
		if (rc == PL_OK && x == NULL)
			rc = pl_index_open_dir_at(n->dir, n->origin, true, true, &x, &d);
		uint64_t before = x != NULL ? pl_index_size(x) : 0;
		size_t k = 0;
		job *drop = NULL;
		uint64_t next = UINT64_MAX;
		if (rc == PL_OK && run != NULL && subs != NULL) {
			pthread_mutex_lock(&n->mu);
			feed_take(n, before, target, run, &k, &drop, &next);
			pthread_mutex_unlock(&n->mu);
		}
		if (rc == PL_OK && k > 0) {
			/* the sequencer's parses, applied as they are */
			for (size_t i = 0; i < k; i++)
				subs[i] = &run[i]->sub;
			rc = pl_index_follow_parsed(x, src, target, subs, k, true, &d);
			if (rc == PL_OK && pl_index_size(x) == before)
				rc = pl_index_follow(x, src, target, true, &d); /* the follower was not there yet */
		} else if (rc == PL_OK) {
			/* what the feed does not hold: from the bundles, up to the first fed entry */
			rc = pl_index_follow_to(x, src, target, next < target ? next : target, true, &d);
		}
		for (size_t i = 0; i < k; i++)
			pl_node_job_unref(run[i]);
		while (drop != NULL) {
			job *j = drop->feed_next;
			pl_node_job_unref(drop);
			drop = j;
		}
		if (rc != PL_OK) {
			pl_node_say(n, "the workflow index %s (%s)",
				    rc == PL_ECORRUPT ? "does not match the log: rebuilding it" : "failed",
				    pl_diag_text(&d, rc));
			pl_index_close(x);
			x = NULL;
			if (rc == PL_ECORRUPT && have_path)
				(void)!pl_logdir_remove_db(path, NULL);
		}
		pthread_mutex_lock(&n->mu);
		if (rc == PL_OK && k > 0 && pl_index_size(x) == before + k)
			n->fed += k;
		n->indexed = x != NULL ? pl_index_size(x) : 0;
		pthread_cond_broadcast(&n->index_cv);
		if (rc != PL_OK)
			index_wait(n, 1.0); /* try again (or rebuild) in a second */
		else if (x != NULL && pl_index_size(x) == before && !n->stop)
			index_wait(n, 0.02); /* a partial bundle was replaced: read the new size */
	}
	pthread_mutex_unlock(&n->mu);
	free(run);
	free(subs);
	pl_index_close(x);
	pl_source_free(src);
	return NULL;
}

int pl_node_index_open(pl_node *n, unsigned wait_ms, pl_index **out, pl_diag *d)
{
	double until = pl_mono() + wait_ms / 1e3;
	pthread_mutex_lock(&n->mu);
	uint64_t want = n->size;
	while (n->indexed < want && !n->stop && pl_mono() < until)
		index_wait(n, 0.05);
	uint64_t have = n->indexed;
	pthread_mutex_unlock(&n->mu);
	if (have < want)
		return pl_diag_set(d, PL_ESTATE, "the workflow index holds %llu of %llu entries; try again shortly",
				   (unsigned long long)have, (unsigned long long)want);
	return pl_index_open_dir_at(n->dir, n->origin, false, false, out, d);
}
