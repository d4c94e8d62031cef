/*
 * indexer.c - a node keeping its workflow index current (node_impl.h): a
 * thread follows the published log into DIR/private/index.db through the
 * index's own replay (workflow/index.h); read requests wait, briefly, until
 * the index covers the checkpoint published when they came. An index that
 * does not match the log is deleted and rebuilt.
 */
#include "server/node_impl.h"

#include "base/thread.h"
#include "store/logdir.h"
#include "workflow/index.h"

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
		if (rc == PL_OK)
			rc = pl_index_follow(x, src, target, true, &d);
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
		n->indexed = x != NULL ? pl_index_size(x) : 0;
		pthread_cond_broadcast(&n->index_cv);
		if (rc != PL_OK)
			index_wait(n, 1.0); /* try again (or rebuild) in a second */
		else if (x != NULL && pl_index_size(x) == before && !n->stop)
			index_wait(n, 0.02); /* a partial bundle was replaced: read the new size */
	}
	pthread_mutex_unlock(&n->mu);
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
