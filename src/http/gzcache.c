/* gzcache.c - a byte-budgeted LRU of values by string key, hashed with chains. */
#include "http/gzcache.h"

#include "base/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define SLOTS_MAX ((size_t)1 << 20)

typedef struct slot {
	char key[PL_GZCACHE_KEY_MAX];
	uint8_t *data; /* NULL: the slot is free */
	size_t n;
	uint64_t stamp; /* last use */
	uint32_t next;  /* next slot in the same bucket */
} slot;

struct pl_gzcache {
	pthread_mutex_t mu;
	slot *slots;
	size_t nslots, used;
	uint32_t *bucket; /* nbuckets heads, NONE when empty */
	size_t nbuckets;  /* a power of two, at least twice nslots */
	size_t bytes, bytes_max;
	uint64_t clock;
};

/* FNV-1a, 64 bits */
static size_t bucket_of(const pl_gzcache *c, const char *key)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return (size_t)(h ^ (h >> 32)) & (c->nbuckets - 1);
}

int pl_gzcache_new(size_t slots, size_t bytes_max, pl_gzcache **out)
{
	if (out == NULL)
		return PL_EINVAL;
	*out = NULL;
	if (slots == 0 || slots > SLOTS_MAX)
		return PL_EINVAL;
	pl_gzcache *c = calloc(1, sizeof *c);
	if (c == NULL)
		return PL_ENOMEM;
	c->nbuckets = 1;
	while (c->nbuckets < 2 * slots)
		c->nbuckets *= 2;
	c->slots = calloc(slots, sizeof *c->slots);
	c->bucket = malloc(c->nbuckets * sizeof *c->bucket);
	if (c->slots == NULL || c->bucket == NULL) {
		free(c->slots);
		free(c->bucket);
		free(c);
		return PL_ENOMEM;
	}
	for (size_t i = 0; i < c->nbuckets; i++)
		c->bucket[i] = NONE;
	c->nslots = slots;
	c->bytes_max = bytes_max;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return PL_OK;
}

void pl_gzcache_free(pl_gzcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		free(c->slots[i].data);
	free(c->slots);
	free(c->bucket);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* The slot holding key, or NONE. Called with the mutex held. */
static uint32_t find(const pl_gzcache *c, const char *key)
{
	for (uint32_t i = c->bucket[bucket_of(c, key)]; i != NONE; i = c->slots[i].next)
		if (strcmp(c->slots[i].key, key) == 0)
			return i;
	return NONE;
}

/* Unlinks and frees the value in used slot i. Called with the mutex held. */
static void drop(pl_gzcache *c, uint32_t i)
{
	slot *s = &c->slots[i];
	uint32_t *link = &c->bucket[bucket_of(c, s->key)];
	while (*link != i)
		link = &c->slots[*link].next;
	*link = s->next;
	free(s->data);
	c->bytes -= s->n;
	c->used--;
	memset(s, 0, sizeof *s);
}

int pl_gzcache_get(pl_gzcache *c, const char *key, uint8_t **data, size_t *n)
{
	if (data != NULL)
		*data = NULL;
	if (n != NULL)
		*n = 0;
	if (c == NULL || key == NULL || data == NULL || n == NULL)
		return PL_EINVAL;
	int rc = PL_ENOTFOUND;
	pthread_mutex_lock(&c->mu);
	uint32_t i = find(c, key);
	if (i != NONE) {
		slot *s = &c->slots[i];
		uint8_t *copy = malloc(s->n ? s->n : 1);
		if (copy == NULL) {
			rc = PL_ENOMEM;
		} else {
			memcpy(copy, s->data, s->n);
			s->stamp = ++c->clock;
			*data = copy;
			*n = s->n;
			rc = PL_OK;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int pl_gzcache_put(pl_gzcache *c, const char *key, const uint8_t *data, size_t n)
{
	if (c == NULL || key == NULL || (data == NULL && n > 0))
		return PL_EINVAL;
	size_t klen = strlen(key);
	if (klen >= PL_GZCACHE_KEY_MAX || n > c->bytes_max)
		return PL_ETOOBIG;
	/* the copy first: running out of memory changes nothing */
	uint8_t *copy = malloc(n ? n : 1);
	if (copy == NULL)
		return PL_ENOMEM;
	if (n > 0)
		memcpy(copy, data, n);
	pthread_mutex_lock(&c->mu);
	if (find(c, key) != NONE) {
		pthread_mutex_unlock(&c->mu);
		free(copy);
		return PL_OK;
	}
	while (c->used == c->nslots || c->bytes + n > c->bytes_max) {
		uint32_t lru = NONE;
		for (uint32_t i = 0; i < c->nslots; i++)
			if (c->slots[i].data != NULL && (lru == NONE || c->slots[i].stamp < c->slots[lru].stamp))
				lru = i;
		if (lru == NONE) /* cannot happen: n <= bytes_max, so an empty cache has room */
			break;
		drop(c, lru);
	}
	uint32_t f = 0;
	while (c->slots[f].data != NULL)
		f++;
	slot *s = &c->slots[f];
	memcpy(s->key, key, klen + 1);
	s->data = copy;
	s->n = n;
	s->stamp = ++c->clock;
	size_t b = bucket_of(c, key);
	s->next = c->bucket[b];
	c->bucket[b] = f;
	c->used++;
	c->bytes += n;
	pthread_mutex_unlock(&c->mu);
	return PL_OK;
}

void pl_gzcache_usage(pl_gzcache *c, size_t *count, size_t *bytes)
{
	pthread_mutex_lock(&c->mu);
	if (count != NULL)
		*count = c->used;
	if (bytes != NULL)
		*bytes = c->bytes;
	pthread_mutex_unlock(&c->mu);
}
