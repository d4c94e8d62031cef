/*
 * gzcache.h - the HTTP server's gzip-compressed entry bundles, kept in memory.
 *
 * Bundles never change once written, so each one is compressed the first
 * time a client asks for it gzipped and kept here, by its path: later
 * requests copy the kept bytes (a few microseconds) instead of compressing
 * again (about 2 ms for a full bundle). The cache holds at most `slots`
 * values and `bytes_max` bytes of them; to make room it drops the least
 * recently used. The server sizes it so that bytes, not slots, is the limit
 * for full bundles (32 MiB, about 1,600 full bundles of signed statements).
 *
 * Lookups hash the key (no scan); an insertion that must find a free slot or
 * evict walks the slots once. All calls are thread-safe (one mutex inside).
 */
#ifndef PARLEY_HTTP_GZCACHE_H
#define PARLEY_HTTP_GZCACHE_H

#include <stddef.h>
#include <stdint.h>

/* Longest key, with its NUL (a route argument: tile/entries/x001/234.p/5). */
#define PL_GZCACHE_KEY_MAX 80

typedef struct pl_gzcache pl_gzcache;

/*
 * Creates an empty cache for at most slots values (1..2^20) and bytes_max
 * bytes of values. Returns PL_OK; PL_EINVAL for slots out of range or a
 * NULL out; PL_ENOMEM. Its storage (about 120 bytes a slot) is allocated
 * here, once. *out is NULL on failure.
 */
int pl_gzcache_new(size_t slots, size_t bytes_max, pl_gzcache **out) __attribute__((warn_unused_result));

/* Frees the cache and every value in it; NULL is allowed. */
void pl_gzcache_free(pl_gzcache *c);

/*
 * Looks key up. On a hit *data receives a malloc'd copy of the value (the
 * caller frees it; never NULL, even for an empty value) and *n its length,
 * and the value becomes the most recently used. Returns PL_OK;
 * PL_ENOTFOUND when key is not kept; PL_EINVAL for a NULL argument;
 * PL_ENOMEM. *data is NULL and *n 0 on any failure.
 */
int pl_gzcache_get(pl_gzcache *c, const char *key, uint8_t **data, size_t *n) __attribute__((warn_unused_result));

/*
 * Keeps a copy of the n bytes at data under key, evicting the least
 * recently used values until it fits. If key is already kept, the kept
 * value stays (values under one key never differ) and this returns PL_OK.
 * Returns PL_OK; PL_EINVAL for a NULL c or key, or data NULL with n > 0;
 * PL_ETOOBIG (nothing changed) if key is PL_GZCACHE_KEY_MAX bytes or longer
 * or n exceeds bytes_max; PL_ENOMEM (nothing changed).
 */
int pl_gzcache_put(pl_gzcache *c, const char *key, const uint8_t *data, size_t n) __attribute__((warn_unused_result));

/* How many values and how many bytes of values the cache holds (either may be NULL). */
void pl_gzcache_usage(pl_gzcache *c, size_t *count, size_t *bytes);

#endif
