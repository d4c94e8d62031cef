/*
 * monitor.h - following a log and holding it to account.
 *
 * A monitor keeps a verified mirror of a log (a log directory in mirror mode,
 * laid out as tlog-tiles, servable as is). Each round (pl_monitor_step):
 *   1. fetches the log's checkpoint and opens it under the policy (the log's
 *      key and a quorum of witness cosignatures);
 *   2. if it is larger than the mirror's, downloads every new entry bundle,
 *      replays every statement through the one replay (replay/replay.h:
 *      signatures checked on all cores, every rule in order), stages them in
 *      the mirror chunk by chunk (so a restart resumes where it stopped), and
 *      publishes the checkpoint once the entries make exactly its tree. The
 *      engine resumes from the state saved in the mirror, so a restarted
 *      monitor does not replay its mirror from entry 0 again. An entry the
 *      rules refuse is mirrored like any other, has no effect, and is
 *      reported once with a proof file (private/refused/INDEX.tlog-proof);
 *   3. asks each configured witness for the latest checkpoint it cosigned and
 *      compares it with the mirror.
 * Two checkpoints by the log key that cannot both be true become a fork proof
 * (tlog/fork.h); anything else wrong (a statement the rules refuse, tiles
 * that do not match the checkpoint, a checkpoint going backwards, a witness
 * ahead of what the log shows) is reported as a problem, and the monitor
 * goes on.
 */
#ifndef PARLEY_MONITOR_MONITOR_H
#define PARLEY_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/audit.h"
#include "tlog/checkpoint.h"

#define PL_MONITOR_WITNESSES_MAX 16

typedef struct pl_monitor_witness {
	char url[512];     /* the witness's base URL */
	pl_verifier v;     /* its cosigning key */
} pl_monitor_witness;

typedef struct pl_monitor_opts {
	const char *source;    /* the log: its URL (or a directory) */
	const char *dir;       /* the monitor's mirror and state */
	pl_policy policy;      /* the log's key, witness keys, quorum */
	pl_monitor_witness witnesses[PL_MONITOR_WITNESSES_MAX];
	size_t nwitnesses;     /* witnesses to compare with (usually those of the policy) */
	unsigned threads;      /* signature-checking threads (0: online CPUs) */
	size_t chunk;          /* entries verified and staged at a time (0: 16384) */
	bool no_gzip;          /* do not ask for compressed bundles (loopback) */
	pl_progress_fn progress;
	void *progress_ctx;
} pl_monitor_opts;

enum { PL_FINDING_PROBLEM = 1, PL_FINDING_FORK = 2 };

typedef struct pl_monitor_result {
	uint64_t size;         /* the mirror's size after the round */
	uint64_t verified;     /* statements verified this round */
	int finding;           /* 0, PL_FINDING_PROBLEM or PL_FINDING_FORK (the worst seen) */
	unsigned problems;     /* problems found (forks are counted apart) */
	unsigned refused;      /* of which entries the rules refuse, reported for the first time */
	int checkpoint_err;    /* PL_OK, or why the log's checkpoint was not taken (PL_ENOKEY: not signed by
				  the log or short of the quorum; PL_EVERIFY, PL_EFORMAT) */
	char message[1024];    /* what was found, one or more sentences */
	pl_buf fork_proof;     /* a fork proof (tlog/fork.h) when finding is a fork */
} pl_monitor_result;

void pl_monitor_result_init(pl_monitor_result *r);
void pl_monitor_result_release(pl_monitor_result *r);

typedef struct pl_monitor pl_monitor;

/* Opens (creating) the monitor's mirror and replays it into the registry. */
int pl_monitor_open(const pl_monitor_opts *o, pl_monitor **out, pl_diag *d) __attribute__((warn_unused_result));
void pl_monitor_close(pl_monitor *m);

/* One round. Returns an error only when the round could not run (network,
 * storage); what it finds about the log is in r. */
int pl_monitor_step(pl_monitor *m, pl_monitor_result *r, pl_diag *d) __attribute__((warn_unused_result));

/* The mirror's size and its checkpoint, as the log signed it (valid until the next step). */
uint64_t pl_monitor_size(const pl_monitor *m);
pl_span pl_monitor_checkpoint(const pl_monitor *m);

/*
 * Keeps the fork proof of a round that found one in the mirror's directory
 * (DIR/forks/fork-TIME.proof, written durably); path receives its path (""
 * on failure). PL_EINVAL if r holds no fork proof.
 */
int pl_monitor_keep_fork(pl_monitor *m, const pl_monitor_result *r, char path[PATH_MAX], pl_diag *d)
	__attribute__((warn_unused_result));

#endif
