/*
 * test_gzcache.c - http/gzcache: values kept and copied out by key, the
 * byte and slot limits with least-recently-used eviction, hash chains under
 * many keys, and concurrent use.
 */
#include "testutil.h"

#include "base/err.h"
#include "http/gzcache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_str(pl_gzcache *c, const char *key, const char *value)
{
	assert_int_equal(pl_gzcache_put(c, key, (const uint8_t *)value, strlen(value)), PL_OK);
}

/* Asserts key holds exactly value (NULL: not kept). */
static void expect(pl_gzcache *c, const char *key, const char *value)
{
	static uint8_t sentinel;
	uint8_t *p = &sentinel; /* must come back NULL on a miss */
	size_t n = 99;
	int rc = pl_gzcache_get(c, key, &p, &n);
	if (value == NULL) {
		assert_int_equal(rc, PL_ENOTFOUND);
		assert_null(p);
		assert_int_equal(n, 0);
		return;
	}
	assert_int_equal(rc, PL_OK);
	assert_non_null(p);
	assert_int_equal(n, strlen(value));
	assert_memory_equal(p, value, n);
	free(p);
}

static void usage(pl_gzcache *c, size_t count, size_t bytes)
{
	size_t k = 0, b = 0;
	pl_gzcache_usage(c, &k, &b);
	assert_int_equal(k, count);
	assert_int_equal(b, bytes);
}

static void test_basics(void **state)
{
	(void)state;
	pl_gzcache *c = (pl_gzcache *)1;
	assert_int_equal(pl_gzcache_new(0, 100, &c), PL_EINVAL);
	assert_null(c);
	assert_int_equal(pl_gzcache_new(((size_t)1 << 20) + 1, 100, &c), PL_EINVAL);
	assert_int_equal(pl_gzcache_new(4, 100, NULL), PL_EINVAL);
	pl_gzcache_free(NULL);

	assert_int_equal(pl_gzcache_new(4, 100, &c), PL_OK);
	usage(c, 0, 0);
	expect(c, "tile/entries/000", NULL);
	put_str(c, "tile/entries/000", "first bundle");
	put_str(c, "tile/entries/001", "second");
	expect(c, "tile/entries/000", "first bundle");
	expect(c, "tile/entries/001", "second");
	expect(c, "tile/entries/002", NULL);
	usage(c, 2, 18);

	/* the caller's copy is its own */
	uint8_t *p;
	size_t n;
	assert_int_equal(pl_gzcache_get(c, "tile/entries/001", &p, &n), PL_OK);
	p[0] = 'S';
	free(p);
	expect(c, "tile/entries/001", "second");

	/* a key already kept keeps its value */
	put_str(c, "tile/entries/001", "other");
	expect(c, "tile/entries/001", "second");
	usage(c, 2, 18);

	/* an empty value is a value */
	assert_int_equal(pl_gzcache_put(c, "empty", NULL, 0), PL_OK);
	expect(c, "empty", "");
	usage(c, 3, 18);

	/* refusals change nothing */
	char key[PL_GZCACHE_KEY_MAX + 1];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_int_equal(pl_gzcache_put(c, key, (const uint8_t *)"v", 1), PL_ETOOBIG); /* 80 bytes */
	key[PL_GZCACHE_KEY_MAX - 1] = '\0';
	assert_int_equal(pl_gzcache_put(c, key, (const uint8_t *)"v", 1), PL_OK); /* 79 bytes */
	expect(c, key, "v");
	uint8_t big[101] = {0};
	assert_int_equal(pl_gzcache_put(c, "big", big, sizeof big), PL_ETOOBIG);
	assert_int_equal(pl_gzcache_put(c, NULL, big, 1), PL_EINVAL);
	assert_int_equal(pl_gzcache_put(c, "x", NULL, 1), PL_EINVAL);
	assert_int_equal(pl_gzcache_put(NULL, "x", big, 1), PL_EINVAL);
	assert_int_equal(pl_gzcache_get(c, NULL, &p, &n), PL_EINVAL);
	assert_int_equal(pl_gzcache_get(c, "x", NULL, &n), PL_EINVAL);
	usage(c, 4, 19);
	expect(c, "tile/entries/000", "first bundle");
	pl_gzcache_free(c);
}

static void test_eviction(void **state)
{
	(void)state;
	/* bytes: 100; three values of 40 do not fit, the least recently used goes */
	pl_gzcache *c;
	assert_int_equal(pl_gzcache_new(16, 100, &c), PL_OK);
	char v[41];
	memset(v, 'a', 40);
	v[40] = '\0';
	put_str(c, "a", v);
	memset(v, 'b', 40);
	put_str(c, "b", v);
	memset(v, 'a', 40);
	expect(c, "a", v); /* a is now more recent than b */
	memset(v, 'c', 40);
	put_str(c, "c", v);
	expect(c, "b", NULL);
	memset(v, 'a', 40);
	expect(c, "a", v);
	usage(c, 2, 80);
	/* a value of exactly the budget evicts everything else */
	uint8_t full[100];
	memset(full, 'f', sizeof full);
	assert_int_equal(pl_gzcache_put(c, "full", full, sizeof full), PL_OK);
	expect(c, "a", NULL);
	expect(c, "c", NULL);
	usage(c, 1, 100);
	pl_gzcache_free(c);

	/* slots: 3 */
	assert_int_equal(pl_gzcache_new(3, 1000, &c), PL_OK);
	put_str(c, "1", "one");
	put_str(c, "2", "two");
	put_str(c, "3", "three");
	expect(c, "1", "one");
	put_str(c, "4", "four"); /* 2 is the least recently used */
	expect(c, "2", NULL);
	expect(c, "1", "one");
	expect(c, "3", "three");
	expect(c, "4", "four");
	usage(c, 3, 12);
	pl_gzcache_free(c);
}

/* Many keys share buckets: every chain must stay intact through evictions. */
static void test_many(void **state)
{
	(void)state;
	pl_gzcache *c;
	assert_int_equal(pl_gzcache_new(1000, 1 << 20, &c), PL_OK);
	char key[64], val[64];
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 1000; i++) {
			int k = round * 1000 + i;
			snprintf(key, sizeof key, "tile/entries/x%03d/%03d", k / 1000, k % 1000);
			snprintf(val, sizeof val, "value %d", k);
			put_str(c, key, val);
		}
		usage(c, 1000, (size_t)(round == 0 ? 7 * 10 + 8 * 90 + 9 * 900 : 10 * 1000));
		for (int k = 0; k < 3000; k++) {
			snprintf(key, sizeof key, "tile/entries/x%03d/%03d", k / 1000, k % 1000);
			snprintf(val, sizeof val, "value %d", k);
			expect(c, key, k / 1000 == round ? val : NULL);
		}
	}
	pl_gzcache_free(c);
}

/* Threads put and get overlapping keys in a cache that keeps only some of them. */
typedef struct worker {
	pl_gzcache *c;
	unsigned seed;
	int bad;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	char key[32], val[64];
	for (int i = 0; i < 20000; i++) {
		w->seed = w->seed * 1103515245u + 12345u;
		unsigned k = (w->seed >> 8) % 300;
		snprintf(key, sizeof key, "k%u", k);
		int n = snprintf(val, sizeof val, "the value of key %u, the same for everyone", k);
		uint8_t *p = NULL;
		size_t got = 0;
		int rc = pl_gzcache_get(w->c, key, &p, &got);
		if (rc == PL_OK) {
			if (got != (size_t)n || memcmp(p, val, got) != 0)
				w->bad++;
			free(p);
		} else if (rc != PL_ENOTFOUND || pl_gzcache_put(w->c, key, (const uint8_t *)val, (size_t)n) != PL_OK) {
			w->bad++;
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	pl_gzcache *c;
	assert_int_equal(pl_gzcache_new(200, 100 * 50, &c), PL_OK);
	worker w[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){c, (unsigned)i * 7919u + 1u, 0};
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	size_t count, bytes;
	pl_gzcache_usage(c, &count, &bytes);
	assert_true(count <= 200 && bytes <= 100 * 50 && count > 0);
	pl_gzcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
