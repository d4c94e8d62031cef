/* copy.c - a member's verified copy of a log (copy.h). */
#include "monitor/copy.h"

#include "base/fsio.h"
#include "base/thread.h"
#include "store/logdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pl_copy {
	pl_monitor *mon;      /* the mirror, verified by the monitor's replay */
	pl_index *x;          /* the workflow index over it */
	pl_source *local;     /* the mirror's own tiles */
	char dir[PATH_MAX];
	char origin[PL_ORIGIN_MAX + 1];
	uint64_t verified;
};

int pl_copy_open(const pl_copy_opts *o, pl_copy **out, pl_diag *d)
{
	*out = NULL;
	pl_copy *c = calloc(1, sizeof *c);
	if (c == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	snprintf(c->dir, sizeof c->dir, "%s", o->dir);
	snprintf(c->origin, sizeof c->origin, "%s", o->policy.log.name);
	pl_monitor_opts mo;
	memset(&mo, 0, sizeof mo);
	mo.source = o->source;
	mo.dir = o->dir;
	mo.policy = o->policy;
	mo.no_gzip = o->no_gzip;
	mo.progress = o->progress;
	mo.progress_ctx = o->progress_ctx;
	int rc = pl_fs_mkdirs(o->dir, 0700, d);
	double until = pl_mono() + (o->wait_ms ? o->wait_ms : 30000) / 1e3;
	for (;;) {
		pl_diag od = {0};
		if (rc == PL_OK)
			rc = pl_monitor_open(&mo, &c->mon, &od);
		if (rc != PL_ESTATE || pl_mono() >= until) {
			if (rc != PL_OK)
				pl_diag_set(d, rc, "%s%s", od.msg,
					    rc == PL_ESTATE ? " (another parley command is using this copy of the log)" : "");
			break;
		}
		rc = PL_OK;
		usleep(100 * 1000);
	}
	if (rc == PL_OK)
		rc = pl_source_open_dir(o->dir, &c->local, d);
	if (rc == PL_OK)
		rc = pl_index_open_dir_at(o->dir, c->origin, true, true, &c->x, d);
	if (rc != PL_OK) {
		pl_copy_close(c);
		return rc;
	}
	*out = c;
	return PL_OK;
}

void pl_copy_close(pl_copy *c)
{
	if (c == NULL)
		return;
	pl_index_close(c->x);
	pl_source_free(c->local);
	pl_monitor_close(c->mon);
	free(c);
}

int pl_copy_sync(pl_copy *c, pl_diag *d)
{
	pl_monitor_result r;
	pl_monitor_result_init(&r);
	int rc = pl_monitor_step(c->mon, &r, d);
	c->verified = r.verified;
	if (rc == PL_OK && r.finding == PL_FINDING_FORK) {
		char path[PATH_MAX];
		bool kept = pl_monitor_keep_fork(c->mon, &r, path, NULL) == PL_OK;
		rc = pl_diag_set(d, PL_EVERIFY, "%s%s%s", r.message, kept ? " Fork proof: " : "", kept ? path : "");
	} else if (rc == PL_OK && r.checkpoint_err != PL_OK) {
		rc = pl_diag_set(d, r.checkpoint_err == PL_ENOKEY ? PL_ENOKEY : PL_EVERIFY, "%s", r.message);
	} else if (rc == PL_OK && r.problems > r.refused) {
		/* entries the rules refuse are no reason to stop reading: they have no effect */
		rc = pl_diag_set(d, PL_EVERIFY, "%s", r.message);
	}
	pl_monitor_result_release(&r);
	if (rc == PL_OK || rc == PL_EVERIFY || rc == PL_ENOKEY) {
		/* what was verified so far is the copy's: the index follows it */
		pl_diag xd = {0};
		int xrc = pl_index_follow(c->x, c->local, pl_monitor_size(c->mon), true, &xd);
		if (xrc == PL_ECORRUPT) {
			/* an index that does not match the copy is rebuilt from it */
			pl_index_close(c->x);
			c->x = NULL;
			char path[PATH_MAX];
			if ((xrc = pl_logdir_path(c->dir, PL_LOGFILE_INDEX, path, &xd)) == PL_OK &&
			    (xrc = pl_logdir_remove_db(path, &xd)) == PL_OK &&
			    (xrc = pl_index_open_dir_at(c->dir, c->origin, true, true, &c->x, &xd)) == PL_OK)
				xrc = pl_index_follow(c->x, c->local, pl_monitor_size(c->mon), true, &xd);
		}
		if (xrc != PL_OK && rc == PL_OK)
			rc = pl_diag_set(d, xrc, "the copy's index: %s", pl_diag_text(&xd, xrc));
	}
	return rc;
}

pl_index *pl_copy_index(pl_copy *c)
{
	return c->x;
}

const char *pl_copy_dir(const pl_copy *c)
{
	return c->dir;
}

uint64_t pl_copy_size(const pl_copy *c)
{
	return pl_monitor_size(c->mon);
}

pl_span pl_copy_checkpoint(const pl_copy *c)
{
	return pl_monitor_checkpoint(c->mon);
}

uint64_t pl_copy_verified(const pl_copy *c)
{
	return c->verified;
}
