/* audit.c - full recomputation of a published log. */
#include "store/audit.h"

#include "store/logdir.h"

#include "base/fsio.h"
#include "store/published.h"
#include "tlog/tile.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Levels a tree below PL_TREE_MAX can have, plus one. */
#define AUDIT_LEVELS 9

typedef struct audit {
	pl_source *s;
	pl_diag *d;
	pl_audit_result *res;
	uint64_t size;
	pl_hash acc[AUDIT_LEVELS][PL_TILE_WIDTH]; /* hashes of the unfinished tile, per level >= 1 */
	unsigned cnt[AUDIT_LEVELS];               /* how many */
	uint64_t full[AUDIT_LEVELS];              /* full tiles checked, per level */
	pl_buf buf;
} audit;

/* Checks leftover partials under "<tile path>.p/" against the current bytes
 * (cur, holding `width` items). Directory sources only. */
static int check_old_partials(audit *a, const pl_tile *t, const uint8_t *cur, size_t curlen)
{
	const char *dir = pl_source_dir(a->s);
	if (dir == NULL)
		return PL_OK;
	pl_tile full = *t;
	full.width = PL_TILE_WIDTH;
	char rel[PL_TILE_PATH_MAX], pdir[PATH_MAX];
	if (pl_tile_path(&full, rel, sizeof rel) != PL_OK || pl_logdir_tile_path(dir, &full, true, pdir, NULL) != PL_OK)
		return PL_OK;
	DIR *dp = opendir(pdir);
	if (dp == NULL)
		return PL_OK;
	int rc = PL_OK;
	struct dirent *e;
	while (rc == PL_OK && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char name[PL_TILE_PATH_MAX + 300];
		snprintf(name, sizeof name, "%s.p/%s", rel, e->d_name);
		pl_tile pt;
		if (pl_tile_parse_path(name, strlen(name), &pt) != PL_OK) {
			rc = pl_diag_set(a->d, PL_ECORRUPT, "%s/%s is not a tile", dir, name);
			break;
		}
		if (pt.width >= t->width && t->width != PL_TILE_WIDTH)
			continue; /* the current partial itself, or a width from a future size: not ours to judge */
		pl_buf_reset(&a->buf);
		char path[PATH_MAX];
		if ((rc = pl_path_join(path, sizeof path, dir, name)) != PL_OK) {
			pl_diag_set(a->d, rc, "the path of %s/%s is too long", dir, name);
			break;
		}
		if ((rc = pl_fs_read(path, PL_BUNDLE_MAX, &a->buf, a->d)) != PL_OK)
			break;
		bool ok;
		if (t->level == PL_TILE_LEVEL_ENTRIES) {
			pl_span ents[PL_TILE_WIDTH];
			ok = a->buf.len <= curlen && memcmp(a->buf.data, cur, a->buf.len) == 0 &&
			     pl_bundle_parse(a->buf.data, a->buf.len, pt.width, ents) == PL_OK;
		} else {
			ok = a->buf.len == pl_tile_size(&pt) && a->buf.len <= curlen &&
			     memcmp(a->buf.data, cur, a->buf.len) == 0;
		}
		if (!ok)
			rc = pl_diag_set(a->d, PL_ECORRUPT, "%s does not match the tile it is a partial copy of", path);
		a->res->old_partials++;
	}
	closedir(dp);
	return rc;
}

/* Fetches tile t and compares it with the expected hashes. */
static int check_tile(audit *a, const pl_tile *t, const pl_hash *expect)
{
	char rel[PL_TILE_PATH_MAX];
	if (pl_tile_path(t, rel, sizeof rel) != PL_OK)
		return PL_EINVAL;
	pl_buf_reset(&a->buf);
	int rc = pl_source_fetch_tile(a->s, t, &a->buf);
	if (rc != PL_OK)
		return pl_diag_set(a->d, rc == PL_ENOTFOUND ? PL_ECORRUPT : rc, "%s: cannot be read (%s)", rel,
				   pl_strerror(rc));
	size_t n = pl_tile_size(t);
	if (a->buf.len != n || memcmp(a->buf.data, expect, n) != 0)
		return pl_diag_set(a->d, PL_ECORRUPT, "%s does not match the hashes recomputed from the level below",
				   rel);
	a->res->tiles++;
	return check_old_partials(a, t, (const uint8_t *)expect, n);
}

/* Adds one hash at level (>= 1), checking each tile as it fills. */
static int push(audit *a, int level, const pl_hash *h)
{
	if (level >= AUDIT_LEVELS)
		return PL_ERANGE;
	a->acc[level][a->cnt[level]++] = *h;
	if (a->cnt[level] < PL_TILE_WIDTH)
		return PL_OK;
	pl_tile t = {level, a->full[level], PL_TILE_WIDTH};
	int rc = check_tile(a, &t, a->acc[level]);
	if (rc != PL_OK)
		return rc;
	a->full[level]++;
	a->cnt[level] = 0;
	pl_hash up;
	pl_merkle_root_of(a->acc[level], PL_TILE_WIDTH, &up);
	return push(a, level + 1, &up);
}

int pl_audit(pl_source *s, const pl_policy *pol, pl_progress_fn progress, void *ctx, pl_audit_result *res,
	     pl_diag *d)
{
	memset(res, 0, sizeof *res);
	audit *a = calloc(1, sizeof *a);
	if (a == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	a->s = s;
	a->d = d;
	a->res = res;
	pl_buf_init(&a->buf, PL_BUNDLE_MAX);
	pl_buf note, bundle;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&bundle, PL_BUNDLE_MAX);
	pl_edge edge;
	pl_edge_init(&edge);
	int rc = pl_published_checkpoint(s, pol, &note, &res->cp, d);
	if (rc != PL_OK)
		goto out;
	uint64_t size = res->cp.size;
	uint64_t ntiles = (size + PL_TILE_WIDTH - 1) / PL_TILE_WIDTH;
	for (uint64_t ti = 0; ti < ntiles; ti++) {
		pl_tile bt, lt;
		if ((rc = pl_tile_in_tree(size, PL_TILE_LEVEL_ENTRIES, ti, &bt)) != PL_OK ||
		    (rc = pl_tile_in_tree(size, 0, ti, &lt)) != PL_OK)
			goto out;
		char rel[PL_TILE_PATH_MAX];
		if ((rc = pl_tile_path(&bt, rel, sizeof rel)) != PL_OK)
			goto out;
		pl_buf_reset(&bundle);
		rc = pl_source_fetch_tile(s, &bt, &bundle);
		if (rc != PL_OK) {
			rc = pl_diag_set(d, rc == PL_ENOTFOUND ? PL_ECORRUPT : rc, "%s: cannot be read (%s)", rel,
					 pl_strerror(rc));
			goto out;
		}
		pl_span ents[PL_TILE_WIDTH];
		if (pl_bundle_parse(bundle.data, bundle.len, bt.width, ents) != PL_OK) {
			rc = pl_diag_set(d, PL_ECORRUPT, "%s does not hold exactly %u entries", rel, bt.width);
			goto out;
		}
		pl_hash leaves[PL_TILE_WIDTH];
		for (unsigned i = 0; i < bt.width; i++) {
			pl_leaf_hash(ents[i].p, ents[i].n, &leaves[i]);
			if ((rc = pl_edge_append(&edge, &leaves[i])) != PL_OK)
				goto out;
		}
		res->bundles++;
		if ((rc = check_old_partials(a, &bt, bundle.data, bundle.len)) != PL_OK)
			goto out;
		if ((rc = check_tile(a, &lt, leaves)) != PL_OK)
			goto out;
		if (lt.width == PL_TILE_WIDTH) {
			pl_hash up;
			pl_merkle_root_of(leaves, PL_TILE_WIDTH, &up);
			if ((rc = push(a, 1, &up)) != PL_OK)
				goto out;
		}
		if (progress != NULL && (ti % 64 == 63 || ti + 1 == ntiles))
			progress(ctx, ti * PL_TILE_WIDTH + bt.width, size);
	}
	/* The partial tiles above level 0 hold whatever did not fill a tile. */
	for (int level = 1; level < AUDIT_LEVELS && pl_tile_level_count(size, level) > 0; level++) {
		if (a->cnt[level] == 0)
			continue;
		pl_tile t = {level, a->full[level], a->cnt[level]};
		if ((rc = check_tile(a, &t, a->acc[level])) != PL_OK)
			goto out;
	}
	pl_hash root;
	pl_edge_root(&edge, &root);
	if (!pl_hash_eq(&root, &res->cp.root))
		rc = pl_diag_set(d, PL_EVERIFY, "the root recomputed from every entry differs from the checkpoint's");
out:
	pl_buf_release(&a->buf);
	pl_buf_release(&note);
	pl_buf_release(&bundle);
	free(a);
	return rc;
}
