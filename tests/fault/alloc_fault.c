/*
 * alloc_fault.c - allocation-failure injection over representative paths.
 *
 * Every allocation the paths make is routed through one counter:
 *   - libparley's own malloc/calloc/realloc/strdup by the linker
 *     (-Wl,--wrap=..., see CMakeLists.txt: calls from libparley.a and this
 *     file reach the __wrap_* functions below);
 *   - SQLite through SQLITE_CONFIG_MALLOC (set before sqlite3_initialize);
 *   - jansson through libparley's own jansson allocator (base/json.c), which
 *     calls malloc and so reaches the wrapper too;
 *   - libcurl through curl_global_init_mem;
 *   - zlib through the zalloc/zfree hooks of base/gzip.c and base/deflate.c,
 *     which call calloc and free and so reach the wrapper too.
 * libsodium's sodium_malloc (key material) and allocations made inside glibc
 * itself (opendir, fopen, pthread_create) and OpenSSL cannot be reached this
 * way and are not failed.
 *
 * For each path: one run counts its allocations (N); then for k = 1..N a fresh
 * run fails exactly the k-th allocation (all others succeed) and checks, with
 * the fault disabled again, that
 *   - the path returned PL_ENOMEM (or, where the path's contract says so, a
 *     refusal / network error that says "out of memory"), or succeeded with
 *     a correct result when the failure was tolerated;
 *   - no memory leaked (LeakSanitizer, in sanitizer builds);
 *   - what is on disk is a state before or after one of the path's steps:
 *     the log reopens, pl_audit passes, its root is the reference root for
 *     its size, and a further append works; the index catches up to a dump
 *     identical to the reference.
 *
 * Usage: alloc_fault SCRATCH [--step S] [--only NAME]
 *   --step S tests k = 1, 1+S, 1+2S, ... and always the regression cases
 *   (default 1: every allocation). Environment ALLOC_FAULT_STEP does the same.
 * Exit status 0 when every case passed.
 */
#include "base/buf.h"
#include "base/codec.h"
#include "base/err.h"
#include "base/fsio.h"
#include "base/gzip.h"
#include "base/sha256.h"
#include "client/api.h"
#include "client/disclosure.h"
#include "statement/rekey.h"
#include "statement/sealed.h"
#include "statement/sign.h"
#include "store/audit.h"
#include "store/log.h"
#include "store/source.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "workflow/engine.h"
#include "workflow/index.h"

#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---- the counter ---- */

static atomic_int g_armed;     /* count (and maybe fail) allocations */
static atomic_long g_count;    /* allocations seen while armed */
static atomic_long g_fail_at;  /* the one to fail (1-based), 0: none */
static atomic_long g_failed;   /* failures injected */

static int fail_now(void)
{
	if (!atomic_load(&g_armed))
		return 0;
	long n = atomic_fetch_add(&g_count, 1) + 1;
	if (n == atomic_load(&g_fail_at)) {
		atomic_fetch_add(&g_failed, 1);
		return 1;
	}
	return 0;
}

static void arm(long fail_at)
{
	atomic_store(&g_count, 0);
	atomic_store(&g_failed, 0);
	atomic_store(&g_fail_at, fail_at);
	atomic_store(&g_armed, 1);
}

static void disarm(void)
{
	atomic_store(&g_armed, 0);
}

/* the linker routes libparley's (and this file's) calls here */
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
	return fail_now() ? NULL : __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

/* SQLite: a size header in front of every block (xSize needs it) */
#define HDR 16

static void *sq_malloc(int n)
{
	if (n <= 0 || fail_now())
		return NULL;
	unsigned char *p = __real_malloc((size_t)n + HDR);
	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + HDR;
}

static void sq_free(void *p)
{
	if (p != NULL)
		free((unsigned char *)p - HDR);
}

static int sq_size(void *p)
{
	int n = 0;
	if (p != NULL)
		memcpy(&n, (unsigned char *)p - HDR, sizeof n);
	return n;
}

static void *sq_realloc(void *p, int n)
{
	if (p == NULL)
		return sq_malloc(n);
	if (n <= 0 || fail_now())
		return NULL;
	unsigned char *q = __real_realloc((unsigned char *)p - HDR, (size_t)n + HDR);
	if (q == NULL)
		return NULL;
	memcpy(q, &n, sizeof n);
	return q + HDR;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *ctx)
{
	(void)ctx;
	return SQLITE_OK;
}

static void sq_shutdown(void *ctx)
{
	(void)ctx;
}

/* libcurl */
static void *c_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

static void c_free(void *p)
{
	free(p);
}

static void *c_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

static char *c_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

static void *c_calloc(size_t a, size_t b)
{
	return fail_now() ? NULL : __real_calloc(a, b);
}

static void install_hooks(void)
{
	static const sqlite3_mem_methods mm = {sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup,
					       sq_init,   sq_shutdown, NULL};
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mm) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) {
		fprintf(stderr, "cannot install the SQLite allocator\n");
		abort();
	}
	if (curl_global_init_mem(CURL_GLOBAL_ALL, c_malloc, c_free, c_realloc, c_strdup, c_calloc) != CURLE_OK) {
		fprintf(stderr, "cannot install the libcurl allocator\n");
		abort();
	}
}

/* ---- helpers ---- */

static char g_scratch[PATH_MAX / 2];
static int g_failures;
static const char *g_path; /* the path being tested, for messages */
static long g_k;

#define FAIL(...)                                                                                   \
	do {                                                                                        \
		fprintf(stderr, "FAIL %s k=%ld: ", g_path, g_k);                                    \
		fprintf(stderr, __VA_ARGS__);                                                       \
		fputc('\n', stderr);                                                                \
		g_failures++;                                                                       \
	} while (0)

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

static void rmrf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void scratch(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", g_scratch, name);
}

/* Audits the log directory dir; fills *size and *root. */
static int audit_dir(const char *dir, uint64_t *size, pl_hash *root, pl_diag *d)
{
	char vk[PATH_MAX];
	snprintf(vk, sizeof vk, "%s/log.vkey", dir);
	pl_buf b;
	pl_buf_init(&b, 1024);
	int rc = pl_fs_read(vk, 1024, &b, d);
	pl_verifier v;
	if (rc == PL_OK)
		rc = pl_verifier_parse((const char *)b.data, b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len,
				       &v);
	pl_buf_release(&b);
	if (rc != PL_OK)
		return rc;
	pl_source *src = NULL;
	if ((rc = pl_source_open_dir(dir, &src, d)) != PL_OK)
		return rc;
	pl_policy pol;
	pl_policy_init(&pol, &v);
	pl_audit_result res;
	rc = pl_audit(src, &pol, NULL, NULL, &res, d);
	pl_source_free(src);
	if (rc == PL_OK) {
		*size = res.cp.size;
		*root = res.cp.root;
	}
	return rc;
}

/* An allocation failure must come back as PL_ENOMEM. */
static void expect_nomem(int rc, const pl_diag *d)
{
	if (rc != PL_ENOMEM)
		FAIL("returned %s (%s), expected PL_ENOMEM", pl_strerror(rc), pl_diag_text(d, rc));
}

/* ---- path: log init ---- */

#define ORIGIN "fault.example/log"
static char g_dir[PATH_MAX];

static void init_setup(void)
{
	scratch(g_dir, sizeof g_dir, "init");
	rmrf(g_dir);
}

static int init_run(pl_diag *d)
{
	return pl_log_init(g_dir, ORIGIN, d);
}

/* Reopens dir (fault off); fills *size, *root after an audit. */
static int reopen_audit(uint64_t *size, pl_hash *root)
{
	pl_diag d = {0};
	pl_log *l = NULL;
	int rc = pl_log_open(g_dir, &l, &d);
	pl_log_close(l);
	if (rc != PL_OK) {
		FAIL("the log does not reopen: %s", pl_diag_text(&d, rc));
		return rc;
	}
	if ((rc = audit_dir(g_dir, size, root, &d)) != PL_OK)
		FAIL("the log does not audit: %s", pl_diag_text(&d, rc));
	return rc;
}

/* A further append works and audits (recovery). */
static void append_more(void)
{
	pl_diag d = {0};
	pl_log *l = NULL;
	int rc = pl_log_open(g_dir, &l, &d);
	uint64_t first = 0, before = l ? pl_log_size(l) : 0, size;
	pl_span e = {(const uint8_t *)"after", 5};
	if (rc == PL_OK)
		rc = pl_log_append(l, &e, 1, &first, &d);
	pl_log_close(l);
	if (rc != PL_OK) {
		FAIL("appending after the fault failed: %s", pl_diag_text(&d, rc));
		return;
	}
	pl_hash root;
	if ((rc = audit_dir(g_dir, &size, &root, &d)) != PL_OK || size != before + 1)
		FAIL("after the recovery append: %s, size %llu", pl_diag_text(&d, rc), (unsigned long long)size);
}

static void init_check(int rc, const pl_diag *d, int fired)
{
	pl_diag d2 = {0};
	if (rc != PL_OK) {
		/* sqlite3_close could not fold the new database's WAL in: refused, not renamed */
		if (!(rc == PL_EDB && strstr(d->msg, "not completely written") != NULL))
			expect_nomem(rc, d);
		/* the creation is simply run again */
		int rc2 = pl_log_init(g_dir, ORIGIN, &d2);
		if (rc2 != PL_OK) {
			FAIL("running pl_log_init again failed: %s", pl_diag_text(&d2, rc2));
			return;
		}
	} else if (fired) {
		/* tolerated: the log must be complete */
	}
	uint64_t size;
	pl_hash root;
	if (reopen_audit(&size, &root) != PL_OK)
		return;
	if (size != 0)
		FAIL("a new log has size %llu", (unsigned long long)size);
	append_more();
}

/* ---- path: open, append, stage, integrate ---- */

#define NB 4
static const size_t batch_n[NB] = {3, 300, 2, 1}; /* the last one is staged + integrated */
static pl_span *g_entries[NB];
static uint64_t g_ref_size[NB + 1];
static pl_hash g_ref_root[NB + 1];
static pl_log *g_open; /* the handle, kept open after a failure for a retry */

static void make_entries(void)
{
	for (size_t b = 0; b < NB; b++) {
		g_entries[b] = calloc(batch_n[b], sizeof *g_entries[b]);
		for (size_t i = 0; i < batch_n[b]; i++) {
			char *s = malloc(32);
			int n = snprintf(s, 32, "batch %zu entry %zu", b, i);
			g_entries[b][i] = (pl_span){(const uint8_t *)s, (size_t)n};
		}
	}
}

static void free_entries(void)
{
	for (size_t b = 0; b < NB; b++) {
		for (size_t i = 0; i < batch_n[b]; i++)
			free((void *)(uintptr_t)g_entries[b][i].p);
		free(g_entries[b]);
	}
}

static void append_setup(void)
{
	scratch(g_dir, sizeof g_dir, "append");
	rmrf(g_dir);
	pl_diag d = {0};
	if (pl_log_init(g_dir, ORIGIN, &d) != PL_OK) {
		fprintf(stderr, "setup: %s\n", d.msg);
		abort();
	}
	g_open = NULL;
}

static int append_run(pl_diag *d)
{
	pl_log *l = NULL;
	uint64_t first;
	int rc = pl_log_open(g_dir, &l, d);
	for (size_t b = 0; rc == PL_OK && b + 1 < NB; b++)
		rc = pl_log_append(l, g_entries[b], batch_n[b], &first, d);
	if (rc == PL_OK)
		rc = pl_log_stage(l, g_entries[NB - 1], batch_n[NB - 1], &first, d);
	if (rc == PL_OK)
		rc = pl_log_integrate(l, d);
	if (rc == PL_OK) {
		pl_log_close(l);
		l = NULL;
	}
	g_open = l;
	return rc;
}

/* The reference: sizes and roots after each batch, fault off. */
static void append_reference(void)
{
	append_setup();
	pl_diag d = {0};
	pl_log *l = NULL;
	uint64_t first;
	pl_hash root;
	if (pl_log_open(g_dir, &l, &d) != PL_OK || audit_dir(g_dir, &g_ref_size[0], &g_ref_root[0], &d) != PL_OK)
		abort();
	for (size_t b = 0; b < NB; b++) {
		if (pl_log_append(l, g_entries[b], batch_n[b], &first, &d) != PL_OK ||
		    audit_dir(g_dir, &g_ref_size[b + 1], &root, &d) != PL_OK) {
			fprintf(stderr, "reference: %s\n", d.msg);
			abort();
		}
		g_ref_root[b + 1] = root;
	}
	pl_log_close(l);
}

static void append_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	if (g_open != NULL) {
		/* the same handle, fault off: its memory was put back in line with the disk */
		pl_diag d2 = {0};
		pl_span e = {(const uint8_t *)"retry", 5};
		uint64_t first;
		int rc2 = pl_log_append(g_open, &e, 1, &first, &d2);
		pl_log_close(g_open);
		g_open = NULL;
		if (rc2 != PL_OK && rc2 != PL_ECORRUPT && rc2 != PL_ESTATE)
			FAIL("retry on the same handle: %s", pl_diag_text(&d2, rc2));
		uint64_t size;
		pl_hash root;
		if (reopen_audit(&size, &root) != PL_OK)
			return;
		/* a retry that worked added "retry" after some reference state; the audit
		 * above proved the files agree with the checkpoint */
		append_more();
		return;
	}
	uint64_t size;
	pl_hash root;
	if (reopen_audit(&size, &root) != PL_OK)
		return;
	int known = 0;
	for (size_t i = 0; i <= NB; i++)
		if (size == g_ref_size[i]) {
			known = 1;
			if (!pl_hash_eq(&root, &g_ref_root[i]))
				FAIL("size %llu with a root other than the reference", (unsigned long long)size);
		}
	if (!known)
		FAIL("size %llu is not the size before or after a batch", (unsigned long long)size);
	if (rc == PL_OK && size != g_ref_size[NB])
		FAIL("succeeded but the log has size %llu", (unsigned long long)size);
	append_more();
}

/* ---- statements: a charter and pings ---- */

#define T0 1767225600
static pl_party_key *g_key[3];
static pl_buf g_env[8];
static size_t g_nenv;

static void make_keys(void)
{
	for (int i = 0; i < 3; i++) {
		uint8_t seed[PL_ED25519_SEED_SIZE], box[PL_X25519_SK_SIZE];
		char s[16], name[8];
		snprintf(s, sizeof s, "seed%d", i);
		pl_sha256(s, strlen(s), seed);
		snprintf(s, sizeof s, "box%d", i);
		pl_sha256(s, strlen(s), box);
		snprintf(name, sizeof name, "p%d", i);
		if (pl_party_key_from_seeds(name, seed, box, &g_key[i], NULL) != PL_OK)
			abort();
	}
}

static void sign(int p, const char *type, json_t *body, uint64_t seq)
{
	pl_buf *env = &g_env[g_nenv++];
	pl_buf_init(env, PL_DSSE_MAX);
	if (pl_statement_sign(g_key[p], ORIGIN, type, seq, T0 + (int64_t)g_nenv, body, NULL, 0, env) != PL_OK)
		abort();
	json_decref(body);
}

/* entries: 0 charter by p0, then pings */
static void make_statements(void)
{
	json_t *founders = json_array();
	for (int i = 0; i < 3; i++) {
		pl_buf id;
		pl_buf_init(&id, PL_IDENTITY_MAX);
		if (pl_identity_format(&g_key[i]->id, &id) != PL_OK)
			abort();
		json_error_t je;
		json_array_append_new(founders, json_loadb((const char *)id.data, id.len, 0, &je));
		pl_buf_release(&id);
	}
	sign(0, "charter",
	     json_pack("{s:s,s:o,s:{s:i},s:{s:i,s:i}}", "name", "fault", "founders", founders, "admission", "sponsors", 1,
		       "deadlines", "ack", 3600, "response", 86400),
	     1);
	sign(1, "ping", json_pack("{s:s,s:[s]}", "note", "one", "to", "p0"), 1);
	sign(2, "ping", json_pack("{s:s,s:[s,s]}", "note", "two", "to", "p0", "p1"), 1);
	sign(0, "ping", json_pack("{s:s}", "note", "three"), 2);
	sign(1, "ping", json_pack("{s:s,s:[s]}", "note", "four", "to", "p2"), 2); /* the one admitted under faults */
}

/* ---- path: parse, check, apply through the engine ---- */

static pl_engine g_eng;
static pl_refusal g_verdict;
#define ADMIT 4 /* g_env[ADMIT] is admitted at index ADMIT */

static int no_leaf(void *ctx, uint64_t index, pl_hash *out)
{
	(void)ctx;
	(void)index;
	(void)out;
	return PL_ERANGE;
}

static int admit(size_t i, pl_refusal *v)
{
	pl_admission a;
	memset(&a, 0, sizeof a);
	a.skew = -1;
	a.leaf = no_leaf;
	pl_submission s;
	int rc = pl_submission_parse(g_env[i].data, g_env[i].len, ORIGIN, &a, &s, v);
	if (rc == PL_OK)
		rc = pl_engine_check(&g_eng, &a, &s, v);
	if (rc == PL_OK)
		rc = pl_engine_apply(&g_eng, &s, i, NULL);
	pl_submission_release(&s);
	return rc;
}

static void engine_setup(void)
{
	pl_engine_init(&g_eng, ORIGIN);
	for (size_t i = 0; i < ADMIT; i++) {
		pl_refusal v = {0};
		if (admit(i, &v) != PL_OK) {
			fprintf(stderr, "setup: entry %zu refused: %s %s\n", i, pl_refusal_name(v.code), v.msg);
			abort();
		}
	}
	memset(&g_verdict, 0, sizeof g_verdict);
}

static int engine_run(pl_diag *d)
{
	(void)d;
	return admit(ADMIT, &g_verdict);
}

static void engine_check(int rc, const pl_diag *d, int fired)
{
	(void)d;
	(void)fired;
	if (rc == PL_EREFUSED) {
		/* out of memory is never a refusal (the server answers it 503 no_memory): it never blames the statement */
		FAIL("refused with %s (%s), expected PL_ENOMEM", pl_refusal_name(g_verdict.code), g_verdict.msg);
	} else if (rc != PL_OK) {
		expect_nomem(rc, d);
	}
	if (rc != PL_OK) {
		if (pl_engine_size(&g_eng) != ADMIT)
			FAIL("the engine moved to %llu after a failure", (unsigned long long)pl_engine_size(&g_eng));
		/* the same statement is admitted once memory is back */
		pl_refusal v = {0};
		int rc2 = admit(ADMIT, &v);
		if (rc2 != PL_OK)
			FAIL("the retry was refused: %s %s", pl_refusal_name(v.code), v.msg);
	}
	if (pl_engine_size(&g_eng) != ADMIT + 1)
		FAIL("engine size %llu after admission", (unsigned long long)pl_engine_size(&g_eng));
	const pl_member *m = pl_members_get(&g_eng.members, "p1");
	if (m == NULL || m->seq != 2)
		FAIL("p1's sequence number is not 2 after admission");
}

static void engine_teardown(void)
{
	pl_engine_release(&g_eng);
}

/* ---- path: a checkpoint and a note ---- */

static pl_signer *g_signer;
static pl_buf g_note;

static void note_setup(void)
{
	if (g_signer == NULL && pl_signer_new(ORIGIN, PL_SIGTYPE_ED25519, NULL, &g_signer) != PL_OK)
		abort();
}

static int note_run(pl_diag *d)
{
	(void)d;
	pl_checkpoint c;
	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", ORIGIN);
	c.size = 12345;
	pl_leaf_hash((const uint8_t *)"x", 1, &c.root);
	pl_buf text;
	pl_buf_init(&text, PL_NOTE_MAX);
	pl_buf_init(&g_note, PL_NOTE_MAX);
	int rc = pl_checkpoint_format(&c, &text);
	if (rc == PL_OK)
		rc = pl_note_sign(g_signer, text.data, text.len, &g_note);
	pl_buf_release(&text);
	pl_policy pol;
	pl_policy_init(&pol, &g_signer->v);
	pl_checkpoint got;
	pl_note note;
	if (rc == PL_OK && (rc = pl_checkpoint_open(g_note.data, g_note.len, &pol, &got, &note, NULL)) == PL_OK &&
	    (got.size != c.size || !pl_hash_eq(&got.root, &c.root)))
		rc = PL_ECORRUPT;
	if (rc == PL_OK)
		rc = pl_note_open(g_note.data, g_note.len, &g_signer->v, 1, &note);
	return rc;
}

static void note_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	pl_buf_release(&g_note);
}

/* ---- path: index open + follow on a small log ---- */

static char g_idxlog[PATH_MAX], g_idx[PATH_MAX];
static char *g_ref_dump;
static size_t g_ref_dump_n;
static uint64_t g_idxsize;

/* Opens the index (fault off), catching up from scratch after a refusal. */
static int index_dump(char **out, size_t *n, pl_diag *d)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		pl_source *src = NULL;
		pl_index *x = NULL;
		int rc = pl_source_open_dir(g_idxlog, &src, d);
		if (rc == PL_OK)
			rc = pl_index_open(g_idx, ORIGIN, true, true, &x, d);
		if (rc == PL_OK)
			rc = pl_index_follow(x, src, g_idxsize, false, d);
		if (rc == PL_OK) {
			FILE *f = open_memstream(out, n);
			rc = pl_index_dump(x, f, d);
			fclose(f);
			if (rc != PL_OK)
				free(*out);
		}
		pl_index_close(x);
		pl_source_free(src);
		if (rc != PL_ECORRUPT || attempt > 0)
			return rc;
		/* the documented remedy: delete and rebuild */
		char p[PATH_MAX + 8];
		unlink(g_idx);
		snprintf(p, sizeof p, "%s-wal", g_idx);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", g_idx);
		unlink(p);
		pl_diag_clear(d);
	}
	return PL_ECORRUPT;
}

static void index_prepare(void)
{
	scratch(g_idxlog, sizeof g_idxlog, "indexed");
	rmrf(g_idxlog);
	pl_diag d = {0};
	pl_log *l = NULL;
	uint64_t first;
	if (pl_log_init(g_idxlog, ORIGIN, &d) != PL_OK || pl_log_open(g_idxlog, &l, &d) != PL_OK)
		abort();
	for (size_t i = 0; i < g_nenv; i++) {
		pl_span e = pl_buf_span(&g_env[i]);
		if (pl_log_append(l, &e, 1, &first, &d) != PL_OK)
			abort();
	}
	/* and an entry the rules refuse (the last statement again: its seq is used), which the index keeps */
	pl_span again = pl_buf_span(&g_env[g_nenv - 1]);
	if (pl_log_append(l, &again, 1, &first, &d) != PL_OK)
		abort();
	g_idxsize = pl_log_size(l);
	pl_log_close(l);
	snprintf(g_idx, sizeof g_idx, "%s/private/index.db", g_idxlog);
	if (index_dump(&g_ref_dump, &g_ref_dump_n, &d) != PL_OK) {
		fprintf(stderr, "reference index: %s\n", d.msg);
		abort();
	}
}

static void index_setup(void)
{
	char p[PATH_MAX + 8];
	unlink(g_idx);
	snprintf(p, sizeof p, "%s-wal", g_idx);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", g_idx);
	unlink(p);
}

static int index_run(pl_diag *d)
{
	pl_source *src = NULL;
	pl_index *x = NULL;
	int rc = pl_source_open_dir(g_idxlog, &src, d);
	if (rc == PL_OK)
		rc = pl_index_open(g_idx, ORIGIN, true, true, &x, d);
	if (rc == PL_OK)
		rc = pl_index_follow(x, src, g_idxsize, false, d);
	if (rc == PL_OK && pl_index_size(x) != g_idxsize)
		rc = PL_ERANGE;
	pl_index_close(x);
	pl_source_free(src);
	return rc;
}

static void index_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK) {
		expect_nomem(rc, d);
	}
	char *dump = NULL;
	size_t n = 0;
	pl_diag d2 = {0};
	int rc2 = index_dump(&dump, &n, &d2);
	if (rc2 != PL_OK) {
		FAIL("the index does not catch up afterwards: %s", pl_diag_text(&d2, rc2));
		return;
	}
	if (n != g_ref_dump_n || memcmp(dump, g_ref_dump, n) != 0)
		FAIL("the index differs from the reference");
	free(dump);
}

/* ---- path: a client request to a closed port (libcurl) ---- */

static int api_run(pl_diag *d)
{
	pl_api *a = NULL;
	int rc = pl_api_open("http://127.0.0.1:9", &a, d);
	if (rc == PL_OK) {
		pl_buf out;
		pl_buf_init(&out, 1 << 16);
		long status = 0;
		rc = pl_api_request(a, "GET", "/checkpoint", NULL, 0, NULL, &out, &status, d);
		pl_buf_release(&out);
	}
	pl_api_close(a);
	return rc;
}

static void api_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	/* no server: the only right answers are "no connection" and "no memory" */
	if (rc != PL_ENET && rc != PL_ENOMEM)
		FAIL("returned %s (%s), expected PL_ENET or PL_ENOMEM", pl_strerror(rc), pl_diag_text(d, rc));
}

/* ---- path: gzip members (base/gzip: zlib's state through libparley's calloc) ---- */

#define GZ_N 3
static pl_span g_gz_in[GZ_N];   /* empty, one line, a bundle of 300 entries */
static pl_buf g_gz_ref[GZ_N];   /* their members, made without faults */
static pl_buf g_gz_out[GZ_N];   /* "pre" + a member, per run */
static uint8_t *g_gz_bundle;

static void gz_prepare(void)
{
	size_t cap = 300 * 80, len = 0;
	g_gz_bundle = malloc(cap);
	if (g_gz_bundle == NULL)
		abort();
	for (unsigned i = 0; i < 300; i++) {
		char line[80];
		int k = snprintf(line, sizeof line, "{\"seq\":%u,\"party\":\"org-%u\",\"kind\":\"ping\"}", i, i % 7);
		g_gz_bundle[len] = 0;
		g_gz_bundle[len + 1] = (uint8_t)k;
		memcpy(g_gz_bundle + len + 2, line, (size_t)k);
		len += 2 + (size_t)k;
	}
	g_gz_in[0] = (pl_span){NULL, 0};
	g_gz_in[1] = (pl_span){g_gz_bundle + 2, g_gz_bundle[1]};
	g_gz_in[2] = (pl_span){g_gz_bundle, len};
	for (int i = 0; i < GZ_N; i++) {
		pl_buf_init(&g_gz_ref[i], pl_gzip_bound(len));
		if (pl_gzip(g_gz_in[i].p, g_gz_in[i].n, &g_gz_ref[i]) != PL_OK)
			abort();
	}
}

static void gz_setup(void)
{
	for (int i = 0; i < GZ_N; i++) {
		pl_buf_init(&g_gz_out[i], 1 << 20);
		if (pl_buf_puts(&g_gz_out[i], "pre") != PL_OK)
			abort();
	}
}

static int gz_run(pl_diag *d)
{
	(void)d;
	int rc = PL_OK;
	for (int i = 0; i < GZ_N && rc == PL_OK; i++)
		rc = pl_gzip(g_gz_in[i].p, g_gz_in[i].n, &g_gz_out[i]);
	return rc;
}

static void gz_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	/* the calls before the failure made their member; the failed one left "pre" */
	bool failed = false;
	for (int i = 0; i < GZ_N; i++) {
		pl_buf *o = &g_gz_out[i];
		if (o->len < 3 || memcmp(o->data, "pre", 3) != 0) {
			FAIL("member %d: the bytes before it changed", i);
		} else if (o->len == 3) {
			if (rc == PL_OK)
				FAIL("member %d: missing after success", i);
			failed = true;
		} else if (failed || o->len - 3 != g_gz_ref[i].len ||
			   memcmp(o->data + 3, g_gz_ref[i].data, g_gz_ref[i].len) != 0) {
			FAIL("member %d differs from the reference", i);
		}
	}
}

static void gz_teardown(void)
{
	for (int i = 0; i < GZ_N; i++)
		pl_buf_release(&g_gz_out[i]);
}

/* ---- the driver ---- */

/* ---- path: sealed bodies (statement/sealed: jansson, the canonical text, zlib through base/deflate's hooks) ---- */

static const pl_seal_ctx g_seal_ctx = {.origin = ORIGIN, .type = "request", .author = "p0", .seq = 9};
static json_t *g_seal_fields;
static pl_buf g_seal_obj; /* sealed without faults, opened by each run */
static pl_buf g_seal_out; /* "pre" + a sealed body, per run */

static void seal_prepare(void)
{
	json_t *p = json_pack("{s:s,s:s}", "data", "the logs of 192.0.2.7, 1-14 November", "custodian", "AS64500");
	g_seal_fields = json_pack("{s:s,s:s,s:o}", "lang", "en", "text",
				  "Please preserve the traffic data of 192.0.2.7.\nWe will follow with an MLA request.",
				  "preservation", p);
	pl_identity ids[3] = {g_key[0]->id, g_key[1]->id, g_key[2]->id};
	pl_buf_init(&g_seal_obj, PL_SEALED_OBJECT_MAX);
	if (g_seal_fields == NULL || pl_sealed_seal(&g_seal_ctx, g_seal_fields, ids, 3, NULL, &g_seal_obj, NULL) != PL_OK)
		abort();
}

static void seal_setup(void)
{
	pl_buf_init(&g_seal_out, PL_SEALED_OBJECT_MAX);
	if (pl_buf_puts(&g_seal_out, "pre") != PL_OK)
		abort();
}

/* Seals for the three parties, then opens the reference as the second. */
static int seal_run(pl_diag *d)
{
	pl_identity ids[3] = {g_key[0]->id, g_key[1]->id, g_key[2]->id};
	int rc = pl_sealed_seal(&g_seal_ctx, g_seal_fields, ids, 3, NULL, &g_seal_out, d);
	if (rc != PL_OK)
		return rc;
	pl_keyring ring = {.keys = {g_key[1]}, .n = 1};
	pl_sealed_plain o;
	rc = pl_sealed_open(&g_seal_ctx, g_seal_obj.data, g_seal_obj.len, &ring, NULL, &o, d);
	if (rc == PL_OK && !json_equal(o.fields, g_seal_fields))
		rc = PL_ECORRUPT;
	pl_sealed_plain_release(&o);
	return rc;
}

static void seal_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	/* a failed seal leaves "pre" alone; a sealed body is one the reader opens */
	if (g_seal_out.len < 3 || memcmp(g_seal_out.data, "pre", 3) != 0)
		FAIL("the bytes before the sealed body changed");
	else if (g_seal_out.len > 3) {
		pl_keyring ring = {.keys = {g_key[2]}, .n = 1};
		pl_sealed_plain o;
		int r = pl_sealed_open(&g_seal_ctx, g_seal_out.data + 3, g_seal_out.len - 3, &ring, NULL, &o, NULL);
		if (r != PL_OK || !json_equal(o.fields, g_seal_fields))
			FAIL("the sealed body does not open: %s", pl_strerror(r));
		pl_sealed_plain_release(&o);
	} else if (rc == PL_OK)
		FAIL("no sealed body after success");
}

static void seal_teardown(void)
{
	pl_buf_release(&g_seal_out);
}

/* ---- path: members' rekeys (statement/rekey: a header with room for 200 members, the chain) ---- */

static const pl_seal_ctx g_rk_ctx = {.origin = ORIGIN, .type = "members.rekey", .author = "p0", .seq = 4};
static pl_buf g_rk_obj;          /* a rekey made without faults, opened by each run */
static uint8_t g_rk_fp[PL_SEAL_FP_SIZE];
static pl_buf g_rk_out;          /* "pre" + a rekey, per run */
static uint8_t *g_rk_key, *g_rk_prev; /* this run's members' key; the previous one the chains carry */

static void rekey_prepare(void)
{
	pl_identity ids[3] = {g_key[0]->id, g_key[1]->id, g_key[2]->id};
	g_rk_key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	g_rk_prev = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	if (g_rk_key == NULL || g_rk_prev == NULL)
		abort();
	randombytes_buf(g_rk_prev, PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key prev = {.epoch = 7, .key = g_rk_prev};
	pl_buf_init(&g_rk_obj, PL_REKEY_OBJECT_MAX);
	if (pl_rekey_seal(&g_rk_ctx, ids, 3, &prev, g_rk_key, &g_rk_obj, NULL) != PL_OK)
		abort();
	pl_seal_epoch_fingerprint(g_rk_key, g_rk_fp);
}

static void rekey_setup(void)
{
	pl_buf_init(&g_rk_out, PL_REKEY_OBJECT_MAX);
	if (pl_buf_puts(&g_rk_out, "pre") != PL_OK)
		abort();
}

/* Makes a rekey for the three parties, then opens the reference as the second, chain and all. */
static int rekey_run(pl_diag *d)
{
	pl_identity ids[3] = {g_key[0]->id, g_key[1]->id, g_key[2]->id};
	pl_epoch_key prev = {.epoch = 7, .key = g_rk_prev};
	int rc = pl_rekey_seal(&g_rk_ctx, ids, 3, &prev, g_rk_key, &g_rk_out, d);
	if (rc != PL_OK)
		return rc;
	pl_keyring ring = {.keys = {g_key[1]}, .n = 1};
	uint8_t *k = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
	pl_epoch_key got = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)};
	bool chained = false;
	if (k == NULL || got.key == NULL)
		abort();
	rc = pl_rekey_open(&g_rk_ctx, g_rk_obj.data, g_rk_obj.len, &ring, g_rk_fp, k, &got, &chained, d);
	if (rc == PL_OK && (!chained || got.epoch != 7 || memcmp(got.key, g_rk_prev, PL_SEAL_EPOCH_KEY_SIZE) != 0))
		rc = PL_ECORRUPT;
	sodium_free(k);
	sodium_free(got.key);
	return rc;
}

static void rekey_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	/* a failed rekey leaves "pre" alone; a rekey made opens for a member to the key it was made with */
	if (g_rk_out.len < 3 || memcmp(g_rk_out.data, "pre", 3) != 0) {
		FAIL("the bytes before the rekey changed");
	} else if (g_rk_out.len > 3) {
		uint8_t fp[PL_SEAL_FP_SIZE], *k = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE);
		pl_epoch_key got = {.key = sodium_malloc(PL_SEAL_EPOCH_KEY_SIZE)};
		bool chained = false;
		pl_keyring ring = {.keys = {g_key[2]}, .n = 1};
		if (k == NULL || got.key == NULL)
			abort();
		pl_seal_epoch_fingerprint(g_rk_key, fp);
		int r = pl_rekey_open(&g_rk_ctx, g_rk_out.data + 3, g_rk_out.len - 3, &ring, fp, k, &got, &chained, NULL);
		if (r != PL_OK || !chained || memcmp(got.key, g_rk_prev, PL_SEAL_EPOCH_KEY_SIZE) != 0)
			FAIL("the rekey made does not open to its key and chain: %s", pl_strerror(r));
		sodium_free(k);
		sodium_free(got.key);
	} else if (rc == PL_OK) {
		FAIL("no rekey after success");
	}
}

static void rekey_teardown(void)
{
	pl_buf_release(&g_rk_out);
}

/* ---- path: a disclosure file checked offline (client/disclosure: proofs, envelopes, the body) ---- */

static pl_buf g_dfile;  /* a disclosure of entry 1 (a concern by p0 sealed to p0 and p1) over entries 0..1 */
static pl_policy g_dpol;
static json_t *g_dfields;

static void dfile_prepare(void)
{
	/* entry 1 of a log of its own: the charter g_env[0], then a sealed concern */
	static pl_buf env1;
	pl_seal_ctx ctx = {.origin = ORIGIN, .type = "concern", .author = "p0", .seq = 5};
	pl_identity ids[2] = {g_key[0]->id, g_key[1]->id};
	pl_buf obj;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	g_dfields = json_pack("{s:s,s:s}", "lang", "en", "title", "disclosed under faults");
	if (g_dfields == NULL || pl_sealed_seal(&ctx, g_dfields, ids, 2, NULL, &obj, NULL) != PL_OK)
		abort();
	char *b64 = malloc(pl_b64_len(obj.len) + 1);
	if (b64 == NULL)
		abort();
	pl_b64_encode(obj.data, obj.len, b64);
	json_t *body = json_pack("{s:s,s:[s],s:s}", "tlp", "TLP:AMBER", "recipients", "p1", "sealed", b64);
	pl_buf_init(&env1, PL_DSSE_MAX);
	if (pl_statement_sign(g_key[0], ORIGIN, "concern", 5, T0 + 50, body, NULL, 0, &env1) != PL_OK)
		abort();
	json_decref(body);
	free(b64);
	pl_buf_release(&obj);
	const pl_buf *e[2] = {&g_env[0], &env1};
	pl_hash leaf[2];
	for (int i = 0; i < 2; i++)
		pl_leaf_hash(e[i]->data, e[i]->len, &leaf[i]);
	pl_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
	cp.size = 2;
	pl_merkle_root_of(leaf, 2, &cp.root);
	pl_signer *log = NULL;
	pl_buf text, note, part[2], block;
	pl_buf_init(&text, 4096);
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&block, PL_DISCLOSURE_MAX);
	if (pl_signer_new(ORIGIN, PL_SIGTYPE_ED25519, NULL, &log) != PL_OK || pl_checkpoint_format(&cp, &text) != PL_OK ||
	    pl_note_sign(log, text.data, text.len, &note) != PL_OK)
		abort();
	pl_policy_init(&g_dpol, &log->v);
	for (int i = 0; i < 2; i++) {
		pl_buf_init(&part[i], PL_DFILE_PART_MAX);
		if (pl_proof_file_write((uint64_t)i, &leaf[1 - i], 1, e[i]->data, e[i]->len, note.data, note.len, &part[i]) !=
		    PL_OK)
			abort();
	}
	/* the block, from opening as p1 */
	pl_keyring ring = {.keys = {g_key[1]}, .n = 1};
	pl_sealed_plain o;
	pl_disclosure x;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_stmt st;
	pl_envelope en;
	memset(&st, 0, sizeof st);
	memset(&en, 0, sizeof en);
	if (pl_envelope_parse(env1.data, env1.len, &en, NULL) != PL_OK ||
	    pl_stmt_parse(en.payload, en.payload_len, &st, NULL) != PL_OK || pl_dfile_sealed_of(&st, &obj, NULL) != PL_OK ||
	    pl_sealed_open(&ctx, obj.data, obj.len, &ring, NULL, &o, NULL) != PL_OK || pl_disclosure_make(&o, &x) != PL_OK ||
	    pl_disclosure_write(&x, &block) != PL_OK)
		abort();
	pl_dfile f = {.statement = {part[1].data, part[1].len}, .author = {part[0].data, part[0].len},
		      .block = {block.data, block.len}};
	pl_buf_init(&g_dfile, PL_DFILE_MAX);
	if (pl_dfile_write(&f, &g_dfile) != PL_OK)
		abort();
	pl_disclosure_release(&x);
	pl_sealed_plain_release(&o);
	pl_stmt_release(&st);
	pl_envelope_release(&en);
	pl_signer_free(log);
	pl_buf_release(&obj);
	pl_buf_release(&text);
	pl_buf_release(&note);
	pl_buf_release(&part[0]);
	pl_buf_release(&part[1]);
	pl_buf_release(&block);
	pl_buf_release(&env1);
}

static pl_dfile_result g_dres;

static int dfile_run(pl_diag *d)
{
	return pl_dfile_check(g_dfile.data, g_dfile.len, &g_dpol, &g_dres, d);
}

static void dfile_check(int rc, const pl_diag *d, int fired)
{
	(void)fired;
	if (rc != PL_OK)
		expect_nomem(rc, d);
	else if (g_dres.kind != PL_DFILE_DISCLOSURE || !json_equal(g_dres.fields, g_dfields) || g_dres.index != 1)
		FAIL("the disclosure checked but shows something else");
	pl_dfile_result_release(&g_dres);
}

typedef struct fpath {
	const char *name;
	void (*setup)(void);
	int (*run)(pl_diag *d);
	void (*check)(int rc, const pl_diag *d, int fired);
	void (*teardown)(void);
	int expect; /* the result without faults */
	const long *regress; /* failure points that once exposed a defect, 0-terminated */
} fpath;

static void nothing(void)
{
}

static void leak_check(void)
{
#ifdef HAVE_LSAN
	if (__lsan_do_recoverable_leak_check() != 0)
		FAIL("memory leaked (see the LeakSanitizer report above)");
#endif
}

static long g_step = 1;
static long g_only_k; /* --k: just this failure point */

/* One run failing allocation k (0: none); returns whether the failure fired. */
static int one(const fpath *p, long k, long *count)
{
	g_k = k;
	p->setup();
	pl_diag d = {0};
	arm(k);
	int rc = p->run(&d);
	disarm();
	int fired = (int)atomic_load(&g_failed);
	if (count)
		*count = atomic_load(&g_count);
	if (k == 0 || !fired) {
		if (rc != p->expect)
			FAIL("without a fault: %s (%s)", pl_strerror(rc), pl_diag_text(&d, rc));
	}
	p->check(rc, &d, fired);
	p->teardown();
	leak_check();
	return fired;
}

static void sweep(const fpath *p)
{
	g_path = p->name;
	long n = 0;
	int before = g_failures;
	one(p, 0, &n);
	long tested = 0, tolerated = 0;
	for (long k = 1; k <= n; k++) {
		int reg = 0;
		for (const long *r = p->regress; r && *r; r++)
			reg |= *r == k;
		if (!reg && (k - 1) % g_step != 0)
			continue;
		if (g_only_k != 0 && k != g_only_k)
			continue;
		long c;
		g_k = k;
		pl_diag_clear(NULL);
		int f = one(p, k, &c);
		tested++;
		(void)f;
		(void)tolerated;
	}
	printf("%-16s allocations %5ld  failure points tested %5ld  %s\n", p->name, n, tested,
	       g_failures == before ? "ok" : "FAILED");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	install_hooks();
	if (argc < 2) {
		fprintf(stderr, "usage: alloc_fault SCRATCH [--step S] [--only NAME]\n");
		return 2;
	}
	const char *only = NULL;
	const char *env = getenv("ALLOC_FAULT_STEP");
	if (env != NULL)
		g_step = atol(env);
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--step") == 0)
			g_step = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--k") == 0)
			g_only_k = atol(argv[i + 1]);
	}
	if (g_step < 1)
		g_step = 1;
	snprintf(g_scratch, sizeof g_scratch, "%s", argv[1]);
	rmrf(g_scratch);
	if (pl_fs_mkdirs(g_scratch, 0755, NULL) != PL_OK) {
		perror(g_scratch);
		return 2;
	}
	make_entries();
	make_keys();
	make_statements();
	append_reference();
	index_prepare();
	gz_prepare();
	seal_prepare();
	rekey_prepare();
	dfile_prepare();

	/* failure points that exposed defects (see docs/faults.md), tested even when sampling */
	static const long init_regress[] = {586, 587, 588, 592, 593, 0};
	static const long append_regress[] = {473, 474, 567, 644, 0};
	static const long engine_regress[] = {1, 4, 5, 11, 0};
	const fpath paths[] = {
		{"log.init", init_setup, init_run, init_check, nothing, PL_OK, init_regress},
		{"log.append", append_setup, append_run, append_check, nothing, PL_OK, append_regress},
		{"engine.admit", engine_setup, engine_run, engine_check, engine_teardown, PL_OK, engine_regress},
		{"checkpoint.note", note_setup, note_run, note_check, nothing, PL_OK, NULL},
		{"index.follow", index_setup, index_run, index_check, nothing, PL_OK, NULL},
		{"api.request", nothing, api_run, api_check, nothing, PL_ENET, NULL},
		{"gzip", gz_setup, gz_run, gz_check, gz_teardown, PL_OK, NULL},
		{"sealed", seal_setup, seal_run, seal_check, seal_teardown, PL_OK, NULL},
		{"rekey", rekey_setup, rekey_run, rekey_check, rekey_teardown, PL_OK, NULL},
		{"disclosure.check", nothing, dfile_run, dfile_check, nothing, PL_OK, NULL},
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (only == NULL || strcmp(only, paths[i].name) == 0)
			sweep(&paths[i]);

	free_entries();
	for (size_t i = 0; i < g_nenv; i++)
		pl_buf_release(&g_env[i]);
	for (int i = 0; i < 3; i++)
		pl_party_key_free(g_key[i]);
	pl_signer_free(g_signer);
	free(g_ref_dump);
	for (int i = 0; i < GZ_N; i++)
		pl_buf_release(&g_gz_ref[i]);
	free(g_gz_bundle);
	json_decref(g_seal_fields);
	pl_buf_release(&g_seal_obj);
	pl_buf_release(&g_rk_obj);
	sodium_free(g_rk_key);
	sodium_free(g_rk_prev);
	json_decref(g_dfields);
	pl_buf_release(&g_dfile);
	curl_global_cleanup();
	if (g_failures != 0) {
		printf("%d failure(s)\n", g_failures);
		return 1;
	}
	return 0;
}
