/* scan.c - files read once for YARA and digests, on every core (scan.h). */
#include "evidence/scan.h"

#include "base/fsio.h"
#include "base/thread.h"

#include "base/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

struct pl_yara {
	YR_RULES *rules;
	size_t count;
};

typedef struct compile_err {
	char msg[400];
	bool set;
} compile_err;

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *message, void *user)
{
	(void)rule;
	compile_err *e = user;
	if (level == YARA_ERROR_LEVEL_ERROR && !e->set) {
		snprintf(e->msg, sizeof e->msg, "%s%sline %d: %s", file ? file : "", file ? ", " : "", line, message);
		e->set = true;
	}
}

int pl_yara_compile(const char *const *texts, const char *const *names, size_t n, pl_yara **out, pl_diag *d)
{
	*out = NULL;
	if (n > PL_YARA_SOURCES_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "at most %d YARA sources", PL_YARA_SOURCES_MAX);
	if (yr_initialize() != ERROR_SUCCESS)
		return pl_diag_set(d, PL_ENOMEM, "libyara could not start");
	YR_COMPILER *c = NULL;
	pl_yara *y = calloc(1, sizeof *y);
	int rc = PL_OK;
	compile_err e = {0};
	if (y == NULL || yr_compiler_create(&c) != ERROR_SUCCESS) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	yr_compiler_set_callback(c, on_compile, &e);
	for (size_t i = 0; i < n; i++) {
		if (yr_compiler_add_string(c, texts[i], names[i]) != 0) {
			rc = pl_diag_set(d, PL_EFORMAT, "YARA rules in %s do not compile: %s", names[i],
					 e.set ? e.msg : "error");
			goto out;
		}
	}
	if (yr_compiler_get_rules(c, &y->rules) != ERROR_SUCCESS) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory compiling YARA rules");
		goto out;
	}
	YR_RULE *r;
	yr_rules_foreach(y->rules, r) y->count++;
	*out = y;
	y = NULL;
out:
	if (c != NULL)
		yr_compiler_destroy(c);
	if (*out == NULL) {
		free(y);
		yr_finalize(); /* balances the yr_initialize above */
	}
	return rc;
}

void pl_yara_free(pl_yara *y)
{
	if (y == NULL)
		return;
	if (y->rules != NULL)
		yr_rules_destroy(y->rules);
	free(y);
	yr_finalize();
}

size_t pl_yara_rules(const pl_yara *y)
{
	return y ? y->count : 0;
}

void pl_yara_rule_at(const pl_yara *y, size_t i, const char **ns, const char **rule)
{
	const YR_RULE *r = &y->rules->rules_table[i];
	*ns = r->ns->name;
	*rule = r->identifier;
}

/* ---- the scan ---- */

typedef struct result {
	pl_scanned_file f;
	pl_rule_hit *hits;
	size_t nhits, caphits;
	char error[256];
	bool done;
} result;

typedef struct job {
	const char *root;
	const pl_scan_opts *o;
	char **paths;
	uint64_t *sizes;
	result *res;
	size_t n;
	size_t next;           /* next file to take */
	uint64_t bytes_done;
	size_t files_done;
	bool failed;           /* a worker could not start its scanner */
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* a result is done */
	const EVP_MD *md[4];
} job;

typedef struct collect {
	job *j;
	size_t cap;
} collect;

static int add_path(void *ctx, const char *rel, const struct stat *st)
{
	collect *c = ctx;
	job *j = c->j;
	if (j->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		char **p = realloc(j->paths, cap * sizeof *p);
		uint64_t *s = p ? realloc(j->sizes, cap * sizeof *s) : NULL;
		if (p != NULL)
			j->paths = p;
		if (s == NULL)
			return PL_ENOMEM;
		j->sizes = s;
		c->cap = cap;
	}
	if ((j->paths[j->n] = strdup(rel)) == NULL)
		return PL_ENOMEM;
	j->sizes[j->n++] = (uint64_t)st->st_size;
	return 0;
}

static int on_match(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	result *r = user;
	const YR_RULE *rule = data;
	if (r->nhits == r->caphits) {
		size_t cap = r->caphits ? r->caphits * 2 : 4;
		pl_rule_hit *p = realloc(r->hits, cap * sizeof *p);
		if (p == NULL)
			return CALLBACK_ERROR;
		r->hits = p;
		r->caphits = cap;
	}
	/* libyara's arena does not align its strings and matches: read them by copy */
	int64_t lowest = -1;
	YR_STRING str;
	for (const YR_STRING *sp = rule->strings; sp != NULL;
	     sp = (str.flags & STRING_FLAGS_LAST_IN_RULE) ? NULL : sp + 1) {
		memcpy(&str, sp, sizeof str);
		YR_MATCH m;
		for (const YR_MATCH *mp = ctx->matches[str.idx].head; mp != NULL; mp = m.next) {
			memcpy(&m, mp, sizeof m);
			int64_t at = m.base + m.offset;
			if (!m.is_private && (lowest < 0 || at < lowest))
				lowest = at;
		}
	}
	r->hits[r->nhits++] = (pl_rule_hit){.ns = rule->ns->name, .rule = rule->identifier, .offset = lowest};
	return CALLBACK_CONTINUE;
}

/* Digests of p[0..n) with the algorithms asked for. */
static int digest(job *j, unsigned which, const uint8_t *p, size_t n, pl_scanned_file *f)
{
	static const unsigned bit[4] = {PL_DIGEST_MD5, PL_DIGEST_SHA1, PL_DIGEST_SHA256, PL_DIGEST_SHA512};
	uint8_t *outs[4] = {f->md5, f->sha1, f->sha256, f->sha512};
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c == NULL)
		return PL_ENOMEM;
	int rc = PL_OK;
	for (int a = 0; a < 4 && rc == PL_OK; a++) {
		if (!(which & bit[a]))
			continue;
		unsigned len = 0;
		if (EVP_DigestInit_ex(c, j->md[a], NULL) != 1 || EVP_DigestUpdate(c, p, n) != 1 ||
		    EVP_DigestFinal_ex(c, outs[a], &len) != 1)
			rc = PL_ECRYPTO;
		else
			f->digests |= bit[a];
	}
	EVP_MD_CTX_free(c);
	return rc;
}

static void scan_one(job *j, YR_SCANNER *sc, size_t i)
{
	result *r = &j->res[i];
	char path[PATH_MAX];
	r->f.rel = j->paths[i];
	int fd = pl_path_join(path, sizeof path, j->root, j->paths[i]) == PL_OK ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
										 : -1;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(r->error, sizeof r->error, "cannot open: %s", strerror(errno));
		goto out;
	}
	r->f.size = (uint64_t)st.st_size;
	const uint8_t *map = NULL;
	size_t n = (size_t)st.st_size;
	if (n > 0) {
		void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			snprintf(r->error, sizeof r->error, "cannot map: %s", strerror(errno));
			goto out;
		}
		(void)madvise(m, n, MADV_SEQUENTIAL);
		map = m;
	}
	if (j->o->digests && digest(j, j->o->digests, map ? map : (const uint8_t *)"", n, &r->f) != PL_OK)
		snprintf(r->error, sizeof r->error, "hashing failed");
	if (sc != NULL) {
		yr_scanner_set_callback(sc, on_match, r);
		int y = yr_scanner_scan_mem(sc, map ? map : (const uint8_t *)"", n);
		if (y == ERROR_SCAN_TIMEOUT)
			snprintf(r->error, sizeof r->error, "the YARA scan timed out");
		else if (y != ERROR_SUCCESS)
			snprintf(r->error, sizeof r->error, "the YARA scan failed (libyara error %d)", y);
	}
	if (map != NULL)
		munmap((void *)(uintptr_t)map, n);
out:
	if (fd >= 0)
		close(fd);
	r->f.hits = r->hits;
	r->f.nhits = r->nhits;
	r->f.error = r->error[0] ? r->error : NULL;
}

static void worker(void *arg)
{
	job *j = arg;
	YR_SCANNER *sc = NULL;
	if (j->o->yara != NULL && yr_scanner_create(j->o->yara->rules, &sc) != ERROR_SUCCESS) {
		pthread_mutex_lock(&j->mu);
		j->failed = true;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		return;
	}
	if (sc != NULL)
		yr_scanner_set_timeout(sc, 60);
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next;
		if (i < j->n && !j->failed)
			j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n || j->failed)
			break;
		scan_one(j, sc, i);
		pthread_mutex_lock(&j->mu);
		j->res[i].done = true;
		j->bytes_done += j->res[i].f.size;
		j->files_done++;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
	}
	if (sc != NULL)
		yr_scanner_destroy(sc);
}

static void progress(const job *j, uint64_t total, double t0, bool final)
{
	pl_scan_progress p = {j->files_done, j->n, j->bytes_done, total, pl_mono() - t0, final};
	j->o->progress(j->o->progress_ctx, &p);
}

int pl_scan_tree(const char *root, const pl_scan_opts *o, pl_scanned_fn fn, void *ctx, pl_scan_stats *st, pl_diag *d)
{
	job j;
	memset(&j, 0, sizeof j);
	j.root = root;
	j.o = o;
	pthread_mutex_init(&j.mu, NULL);
	pl_cond_init_mono(&j.cv);
	pl_scan_stats local;
	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof *st);
	double t0 = pl_mono();
	collect c = {.j = &j};
	int rc = pl_walk_files(root, add_path, &c, &st->skipped, d);
	if (rc == PL_ENOMEM)
		pl_diag_set(d, rc, "out of memory listing %s", root);
	pl_team *team = NULL;
	uint64_t total = 0;
	if (rc != PL_OK)
		goto out;
	j.md[0] = EVP_md5();
	j.md[1] = EVP_sha1();
	j.md[2] = EVP_sha256();
	j.md[3] = EVP_sha512();
	if ((j.res = calloc(j.n + 1, sizeof *j.res)) == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < j.n; i++)
		total += j.sizes[i];
	if (pl_team_start(o->threads, worker, &j, &team) != PL_OK) {
		rc = pl_diag_set(d, PL_ENOMEM, "cannot start scanning threads");
		goto out;
	}
	/* deliver in path order as results complete */
	double shown = 0;
	for (size_t i = 0; i < j.n && rc == PL_OK; i++) {
		pthread_mutex_lock(&j.mu);
		while (!j.res[i].done && !j.failed) {
			if (o->progress) {
				(void)pl_cond_wait_until(&j.cv, &j.mu, pl_mono() + 0.2);
				if (pl_mono() - shown > 0.2) {
					progress(&j, total, t0, false);
					shown = pl_mono();
				}
			} else {
				pthread_cond_wait(&j.cv, &j.mu);
			}
		}
		bool failed = j.failed && !j.res[i].done;
		pthread_mutex_unlock(&j.mu);
		if (failed) {
			rc = pl_diag_set(d, PL_ENOMEM, "a YARA scanner could not be created");
			break;
		}
		st->files++;
		st->bytes += j.res[i].f.size;
		st->errors += j.res[i].f.error != NULL;
		if (fn != NULL && (rc = fn(ctx, &j.res[i].f)) != 0)
			break;
		free(j.res[i].hits);
		j.res[i].hits = NULL;
	}
	pthread_mutex_lock(&j.mu);
	j.failed = true; /* stop the workers if we stopped early */
	pthread_mutex_unlock(&j.mu);
	pl_team_wait(team);
	if (o->progress && j.n > 0)
		progress(&j, total, t0, true);
out:
	st->seconds = pl_mono() - t0;
	for (size_t i = 0; i < j.n; i++) {
		free(j.paths[i]);
		if (j.res != NULL)
			free(j.res[i].hits);
	}
	free(j.paths);
	free(j.sizes);
	free(j.res);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	return rc;
}
