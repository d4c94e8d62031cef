/*
 * monitor.c - following a log and holding it to account (monitor.h,
 * monitor_impl.h): opening the mirror, a round, fork proofs kept.
 */
#include "monitor/monitor_impl.h"

#include "base/fsio.h"
#include "base/thread.h"
#include "client/http_source.h"
#include "store/logdir.h"
#include "store/published.h"
#include "tlog/fork.h"
#include "tlog/proof_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int pl_monitor_keep_fork(pl_monitor *m, const pl_monitor_result *r, char path[PATH_MAX], pl_diag *d)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	path[0] = '\0';
	if (r->finding != PL_FINDING_FORK || r->fork_proof.len == 0)
		return pl_diag_set(d, PL_EINVAL, "no fork proof to keep");
	int rc = pl_logdir_path(m->dir, PL_LOGFILE_FORKS, dir, d);
	if (rc == PL_OK && (rc = pl_fs_mkdirs(dir, 0755, d)) == PL_OK) {
		if (snprintf(path, PATH_MAX, "%s/fork-%lld.proof", dir, (long long)time(NULL)) >= PATH_MAX ||
		    snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
			rc = pl_diag_set(d, PL_ETOOBIG, "the path of %s is too long", dir);
		else
			rc = pl_fs_replace(path, tmp, r->fork_proof.data, r->fork_proof.len, 0644, d);
	}
	if (rc != PL_OK)
		path[0] = '\0';
	return rc;
}

/* ---- opening ---- */

int pl_monitor_open(const pl_monitor_opts *o, pl_monitor **out, pl_diag *d)
{
	*out = NULL;
	pl_monitor *m = calloc(1, sizeof *m);
	if (m == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	m->o = *o;
	if (m->o.threads == 0)
		m->o.threads = pl_cpus();
	if (m->o.chunk == 0)
		m->o.chunk = 16384;
	snprintf(m->dir, sizeof m->dir, "%s", o->dir);
	m->o.dir = m->dir;
	pl_engine_init(&m->eng, o->policy.log.name);
	int rc = PL_OK;
	if (!pl_logdir_exists(o->dir) && (rc = pl_log_init_mirror(o->dir, &o->policy.log, d)) != PL_OK)
		goto fail;
	if ((rc = pl_log_open(o->dir, &m->mirror, d)) != PL_OK)
		goto fail;
	const pl_verifier *v = pl_log_verifier(m->mirror);
	if (strcmp(v->name, o->policy.log.name) != 0 || memcmp(v->pk, o->policy.log.pk, PL_ED25519_PK_SIZE) != 0) {
		rc = pl_diag_set(d, PL_EINVAL, "%s mirrors %s, not the log given", o->dir, v->name);
		goto fail;
	}
	if ((rc = pl_source_open_dir(o->dir, &m->local, d)) != PL_OK ||
	    (rc = pl_source_is_url(o->source) ? pl_source_open_url(o->source, !o->no_gzip, &m->remote, d)
					      : pl_source_open_dir(o->source, &m->remote, d)) != PL_OK)
		goto fail;
	/* the engine is loaded when the first new entry comes (pl_monitor_verify_and_stage): a copy with
	 * nothing new to verify never reads its saved replay state */
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
	if (m->have_rd)
		pl_engine_reader_close(&m->rd);
	pl_log_close(m->mirror);
	pl_source_free(m->local);
	pl_source_free(m->remote);
	pl_engine_release(&m->eng);
	free(m);
}

/* ---- one round ---- */

uint64_t pl_monitor_size(const pl_monitor *m)
{
	return pl_log_size(m->mirror);
}

pl_span pl_monitor_checkpoint(const pl_monitor *m)
{
	return pl_log_checkpoint(m->mirror);
}

int pl_monitor_step(pl_monitor *m, pl_monitor_result *r, pl_diag *d)
{
	pl_buf note;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_checkpoint cp;
	pl_diag cd = {0};
	int rc = pl_published_checkpoint(m->remote, &m->o.policy, &note, &cp, &cd);
	if (rc == PL_ENOKEY || rc == PL_EVERIFY || rc == PL_EFORMAT) {
		r->checkpoint_err = rc;
		pl_monitor_finding(r, PL_FINDING_PROBLEM, "%s.", cd.msg);
		/* Not enough cosignatures to follow it, but if the log itself signed it, it still commits
		 * the log: one that contradicts the mirror is a fork, proved from the log's signatures alone. */
		pl_policy own;
		pl_policy_init(&own, &m->o.policy.log);
		pl_span ns = pl_buf_span(&note);
		if (pl_checkpoint_open(ns.p, ns.n, &own, &cp, NULL, NULL) == PL_OK)
			pl_monitor_contradiction(m, &cp, ns, "the log", r);
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
		pl_monitor_compare_smaller(m, &cp, ns, "the log", r);
	} else if (cp.size == size && size > 0) {
		pl_checkpoint mine;
		pl_span mn = pl_log_checkpoint(m->mirror);
		pl_policy pol;
		pl_policy_init(&pol, &m->o.policy.log);
		if (pl_checkpoint_open(mn.p, mn.n, &pol, &mine, NULL, NULL) == PL_OK && !pl_hash_eq(&mine.root, &cp.root))
			pl_monitor_same_size(m, ns, "the log", r);
		else if (mn.n != ns.n || memcmp(mn.p, ns.p, ns.n) != 0)
			(void)!pl_log_append_mirrored(m->mirror, NULL, 0, ns.p, ns.n, NULL); /* newer cosignatures */
	} else if (pl_monitor_extends(m, &cp, ns, r) && (rc = pl_monitor_follow(m, &cp, ns, r, d)) != PL_OK) {
		goto out;
	}
witnesses:
	pl_monitor_ask_witnesses(m, r);
out:
	r->size = pl_log_size(m->mirror);
	pl_buf_release(&note);
	return rc;
}
