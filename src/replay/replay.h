/*
 * replay.h - the one path from log entries to a state applied in order.
 *
 * Every reader of a Parley log (the server when it opens its log, the
 * workflow index, `parley reindex`, the monitor, a member's desk) turns
 * entries into parsed, verified statements and applies them in index order
 * through a pl_replay. The state and its rules are the caller's, given as
 * pl_replay_ops (workflow/engine.h provides the ones every Parley reader
 * uses); the replay does the rest, the same way for everyone:
 *
 *   - entries come from a log source (bundles read in chunks) or from memory;
 *   - parsing, and the checks that need no order (envelope, payload, a
 *     signature against the keys known at the chunk's start), run on every
 *     core through one parallel-for (base/thread.h);
 *   - then each entry is checked and applied in order, and the reader's hook
 *     sees it (where a member's reader will open sealed content);
 *   - an entry the rules refuse is nevertheless in the log (an operator can
 *     append anything): it has no effect on the state, only its position is
 *     counted; the refusal (index, leaf hash, code, sentence) is kept,
 *     handed to the reader's hook, and the replay goes on. One bad entry
 *     never stops a reader;
 *   - the position, the refusals and the state can be saved and loaded, so a
 *     reader catching up resumes where it stopped instead of starting from
 *     entry 0 again. A saved state is bound to the log by the leaf hash of
 *     its last entry, checked against the log when it is loaded.
 *
 * Errors that are not refusals (out of memory, I/O) stop the replay: the
 * state may then be half applied and the caller starts again from a saved
 * state or from zero.
 */
#ifndef PARLEY_REPLAY_REPLAY_H
#define PARLEY_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/refusal.h"
#include "store/source.h"
#include "tlog/merkle.h"

/* The most bytes a saved state may take. */
#define PL_REPLAY_STATE_MAX ((size_t)1 << 30)

/* What a replay applies entries to: supplied by the owner of the state. */
typedef struct pl_replay_ops {
	size_t item_size;   /* bytes of one parsed entry */
	size_t effect_size; /* bytes of what apply reports (0: nothing) */
	/*
	 * Parses entry (the one at index) into item, with every check that
	 * needs no order. Called on several threads at once, while the state is
	 * not being changed (it may be read). PL_OK, PL_EREFUSED (r filled) or
	 * PL_ENOMEM. release() is called on item whatever this returns.
	 */
	int (*parse)(void *state, const uint8_t *entry, size_t n, uint64_t index, void *item, pl_refusal *r);
	/*
	 * Checks a parsed entry against the state (whose size is index) and
	 * applies it, filling effect: PL_OK; PL_EREFUSED with r filled and
	 * nothing applied; another error (PL_ENOMEM) stops the replay.
	 */
	int (*apply)(void *state, uint64_t index, void *item, void *effect, pl_refusal *r);
	/* The entry at index is refused: the state counts it and nothing else (its size becomes index + 1). */
	void (*skip)(void *state, uint64_t index);
	void (*release)(void *item);
	/* The state's size (entries applied or skipped). */
	uint64_t (*size)(const void *state);
	/* Appends the state's bytes to out; replaces the state with saved bytes (PL_EFORMAT, PL_ENOMEM;
	 * the state is then empty, of size 0). */
	int (*save)(const void *state, pl_buf *out);
	int (*load)(void *state, const uint8_t *p, size_t n);
} pl_replay_ops;

/* An entry of the log the rules refuse. */
typedef struct pl_replay_refused {
	uint64_t index;
	pl_hash leaf;
	pl_refusal why;
} pl_replay_refused;

/* What a reader does with each entry, in index order; any hook may be NULL. */
typedef struct pl_replay_hooks {
	/* After an entry was applied (item and effect as apply left them). Non-OK stops the replay and is returned. */
	int (*applied)(void *ctx, uint64_t index, pl_span entry, const pl_hash *leaf, const void *item, const void *effect);
	/* After an entry was refused (the replay goes on). Non-OK stops the replay and is returned. */
	int (*refused)(void *ctx, const pl_replay_refused *ref, pl_span entry);
	void *ctx;
	unsigned threads; /* parsing threads (0: every CPU) */
} pl_replay_hooks;

typedef struct pl_replay pl_replay;

/*
 * A replay of state (whose size must be 0, or the size of a state loaded with
 * pl_replay_load) through ops. The state stays the caller's. PL_ENOMEM.
 */
int pl_replay_new(const pl_replay_ops *ops, void *state, pl_replay **out) __attribute__((warn_unused_result));
void pl_replay_free(pl_replay *r);

/* Entries applied or refused so far. */
uint64_t pl_replay_size(const pl_replay *r);

/* The refusals kept so far, in index order (*n of them). */
const pl_replay_refused *pl_replay_refusals(const pl_replay *r, size_t *n);

/*
 * Where the leaf hashes of entries older than this replay's are read from,
 * for references (pl_replay_leaf): src serves a tree of size tree_size.
 * pl_replay_follow sets it to its own source. src must outlive its use.
 */
void pl_replay_set_source(pl_replay *r, pl_source *src, uint64_t tree_size);

/*
 * The leaf hash of entry index (< pl_replay_size): from memory for the
 * entries this replay went through, else from the source's level-0 tiles.
 * A pl_leaf_fn for admission checks (ctx is the replay). PL_ERANGE past the
 * end (or with no source for an older entry).
 */
int pl_replay_leaf(void *ctx, uint64_t index, pl_hash *out);

/* Replays n entries held in memory, the first at index pl_replay_size(). */
int pl_replay_entries(pl_replay *r, const pl_span *entries, size_t n, const pl_replay_hooks *h, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Applies one entry the caller has already parsed, at index pl_replay_size(),
 * exactly as pl_replay_entries would (checked and applied, or refused and
 * kept; its leaf recorded; the hooks told): item is of ops->item_size, made
 * from entry by the caller as ops->parse would have (with success), and
 * stays the caller's (not released). For a reader handed entries already
 * parsed elsewhere (the server's index, from its sequencer), so that an
 * entry is parsed once.
 */
int pl_replay_parsed(pl_replay *r, pl_span entry, const pl_hash *leaf, void *item, const pl_replay_hooks *h, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Replays every entry from pl_replay_size() up to upto from the entry
 * bundles of src, which serves a tree of size tree_size (upto <= tree_size),
 * a chunk at a time. Stops early without error when a partial bundle is gone
 * (the log grew meanwhile: call again with the new size). PL_ECORRUPT for a
 * malformed bundle; I/O errors.
 */
int pl_replay_follow(pl_replay *r, pl_source *src, uint64_t tree_size, uint64_t upto, const pl_replay_hooks *h,
		     pl_diag *d) __attribute__((warn_unused_result));

/* Appends the resumable state (position, last leaf, refusals, the state's bytes) to out. */
int pl_replay_save(const pl_replay *r, pl_buf *out) __attribute__((warn_unused_result));

/*
 * Resumes from saved bytes: the state is loaded (ops->load) and the position
 * restored, after checking that the saved last leaf is the leaf of that
 * entry in src (a tree of size tree_size, at least the saved size). On
 * PL_EFORMAT (not a saved state), PL_ECORRUPT (saved for another history of
 * the log) or PL_ERANGE (saved past the end of src) nothing changed: the
 * caller replays from zero. PL_ENOMEM.
 */
int pl_replay_load(pl_replay *r, const uint8_t *p, size_t n, pl_source *src, uint64_t tree_size, pl_diag *d)
	__attribute__((warn_unused_result));

#endif
