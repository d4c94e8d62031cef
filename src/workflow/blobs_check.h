/*
 * blobs_check.h - the admission rule on the blobs an evidence or a finding
 * names: they are on the server, with the size the statement says, and
 * sealed to its recipients when it says they are sealed.
 *
 * A log holds statements, not blobs: whoever replays a log (the server
 * opening it, the index, a monitor, a member's copy) cannot see the server's
 * blob store, so this is an admission rule like the clock skew and the
 * one-line fields: checked on new statements by a server that holds a blob
 * store (pl_admission.blob), never on a log replayed. A statement admitted
 * this way names blobs that were there, whole and sealed, when it was
 * admitted; a reader still checks every byte it downloads (hashes, and the
 * seal's authentication) as before.
 */
#ifndef PARLEY_WORKFLOW_BLOBS_CHECK_H
#define PARLEY_WORKFLOW_BLOBS_CHECK_H

#include "base/refusal.h"
#include "statement/members.h"

/*
 * For an `evidence` (its "index") or a `finding` (its "report") whose body
 * passed its type's checks (pl_wf_parse), with a->blob set: the blob
 * BLOB = {"sha256", "sealed"?, "size"} names must be stored (blob_missing).
 * Plaintext (no "sealed"): the blob named by "sha256" holds exactly "size"
 * bytes (blob_size_mismatch). Sealed: the blob named by "sealed" starts with
 * a sealed blob's header of version 2 (evidence/seal.h; blob_not_sealed,
 * also for version 1, which names readers without their keys), names
 * exactly the statement's recipients and possibly its author, no members'
 * key (blob_recipients_mismatch), each with the fingerprint of the X25519
 * key it holds in m, the registry at this index (reader_key_stale), and,
 * when the statement describes itself in clear, is exactly as long as sealing "size"
 * bytes after that header makes it (blob_size_mismatch). Other types, or
 * a->blob NULL: PL_OK. PL_EREFUSED with v filled; PL_ENOMEM; a blob store
 * that cannot answer (I/O) refuses with storage_failed, to retry.
 */
int pl_wf_blobs_check(const pl_stmt *s, const pl_members *m, const pl_admission *a, pl_refusal *v) __attribute__((warn_unused_result));

#endif
