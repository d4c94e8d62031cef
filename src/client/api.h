/*
 * api.h - a client of a Parley server's HTTP API (libcurl): submit signed
 * statements, fetch entries, proofs and the registry, upload and download
 * blobs. Nothing the server says is trusted: checkpoints are opened under a
 * policy, proofs verified, acceptances checked against the log key.
 */
#ifndef PARLEY_CLIENT_API_H
#define PARLEY_CLIENT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "statement/party.h"
#include "statement/sign.h"
#include "statement/statement.h"
#include "tlog/acceptance.h"
#include "tlog/checkpoint.h"

typedef struct pl_api pl_api;

/* A client of the server at url (http:// or https://, no trailing path). */
int pl_api_open(const char *url, pl_api **out, pl_diag *d) __attribute__((warn_unused_result));
void pl_api_close(pl_api *a);

/*
 * One request. method "GET", "POST" or "PUT"; body may be NULL; headers is
 * NULL or a NULL-terminated list of "Name: value". The response body is
 * appended to out (capped by out->max); *status receives the HTTP status.
 * PL_ENET if no HTTP answer came; a 4xx/5xx is PL_OK with its status (the
 * caller decides). d gets the server's error message for 4xx/5xx.
 */
int pl_api_request(pl_api *a, const char *method, const char *path, const uint8_t *body, size_t n,
		   const char *const *headers, pl_buf *out, long *status, pl_diag *d) __attribute__((warn_unused_result));

/* One query parameter: name=value, the value percent-encoded; a NULL value is left out. */
typedef struct pl_api_param {
	const char *name, *value;
} pl_api_param;

/*
 * A view of the server's read API (docs/api.md, "Views") at path, like
 * "/v1/cases" or "/v1/inbox/cert.a", with the n parameters given, as JSON
 * (*out owned by the caller; at most 64 MiB). PL_ENOTFOUND for a 404 (an
 * unknown case or norm set), PL_ENET for another answer than 200, with the
 * server's sentence in d; PL_EINVAL for a URL over 2047 bytes.
 */
int pl_api_view(pl_api *a, const char *path, const pl_api_param *params, size_t n, json_t **out, pl_diag *d)
	__attribute__((warn_unused_result));

/* The registry's next sequence number for party (its last + 1). */
int pl_api_next_seq(pl_api *a, const char *party, uint64_t *seq, pl_diag *d) __attribute__((warn_unused_result));

typedef struct pl_api_accept {
	uint64_t index;
	pl_hash leaf;
	bool has_receipt;
	pl_buf receipt;      /* tlog-proof, when waited for */
	pl_buf acceptance;   /* the signed acceptance note, either form (tlog/acceptance.h) */
	pl_hash path[PL_PROOF_MAX]; /* the statement's path in its batch (a batch acceptance) */
	size_t path_len;
	pl_acceptance acc;   /* the note as checked (client/accepted.h) */
} pl_api_accept;

void pl_api_accept_init(pl_api_accept *r);
void pl_api_accept_release(pl_api_accept *r);

/*
 * Submits an envelope. On acceptance checks the acceptance note (either
 * form, client/accepted.h) against the policy's log key: it must bind the
 * leaf of exactly these bytes to the index; and the receipt, when waited
 * for, under the whole policy, for exactly these bytes. A refusal is
 * PL_EREFUSED with the server's code and sentence in d; *status has the
 * HTTP status.
 */
int pl_api_submit(pl_api *a, const pl_policy *pol, const uint8_t *env, size_t n, bool wait, pl_api_accept *r,
		  long *status, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Fetches entry index with a proof against the server's current checkpoint
 * (verified under pol); appends the tlog-proof to proof and the entry to
 * entry. PL_EVERIFY if anything does not check.
 */
int pl_api_fetch_proven(pl_api *a, const pl_policy *pol, uint64_t index, pl_buf *proof, pl_buf *entry, pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * party's current identity (its signing and encryption keys), not on the
 * registry's word: from the entry that established the key (charter, enroll
 * or key.rotate), fetched with an inclusion proof under pol and its identity
 * proof checked. PL_ENOKEY if the party has no active key.
 */
int pl_api_identity(pl_api *a, const pl_policy *pol, const char *party, pl_identity *out, pl_diag *d)
	__attribute__((warn_unused_result));

/* The signing key the registry says party held when entry index was admitted. */
int pl_api_key_at(pl_api *a, const char *party, uint64_t index, uint8_t pk[PL_ED25519_PK_SIZE], pl_diag *d)
	__attribute__((warn_unused_result));

/*
 * Checks a proof file carrying a statement offline: the checkpoint under
 * pol, the inclusion of the entry, that the payload is for the checkpoint's
 * log, and (if signer is not NULL) that the envelope is signed by signer's
 * key and the statement's author is signer. Fills *st (release with
 * pl_stmt_release) when not NULL.
 */
int pl_statement_proof_verify(const uint8_t *file, size_t n, const pl_policy *pol, const pl_identity *signer,
			      uint64_t *index, pl_stmt *st, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Blobs, streamed (members only; the requests are signed by k for the log
 * named origin: parley.blob/v2, statement/party.h). put uploads the file at
 * path as blob hex, which must be its SHA-256 (PL_OK also when the server
 * already holds it). get writes blob hex to out, checking on the way that
 * the bytes hash to hex (PL_EVERIFY otherwise: discard out). PL_ENOTFOUND
 * for an unknown blob; PL_EREFUSED (d: the server's code and sentence) for
 * another refusal.
 */
int pl_api_blob_put(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, const char *path,
		    pl_diag *d) __attribute__((warn_unused_result));
int pl_api_blob_get(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, FILE *out,
		    uint64_t *size, pl_diag *d) __attribute__((warn_unused_result));

/*
 * Blobs held in memory (signed by k for origin too). put_mem uploads
 * data[0..n) as the blob named by its SHA-256, written to hex (PL_OK also
 * when the server already holds it). get_mem appends blob hex to out (capped
 * by out->max) only once its bytes hash to hex (PL_EVERIFY otherwise: out is
 * as it was). A refusal (an unknown blob, a non-member's request, a quota) is
 * PL_EREFUSED with the server's code and sentence in d; no answer is PL_ENET.
 */
int pl_api_blob_put_mem(pl_api *a, const pl_party_key *k, const char *origin, const uint8_t *data, size_t n,
			char hex[PL_SHA256_HEX_LEN + 1], pl_diag *d) __attribute__((warn_unused_result));
int pl_api_blob_get_mem(pl_api *a, const pl_party_key *k, const char *origin, const char *hex, pl_buf *out,
			pl_diag *d) __attribute__((warn_unused_result));

/* Signs a blob request to the log named origin (parley.blob/v2): fills the three headers ("Parley-Party: ..."). */
int pl_blob_sign_headers(const pl_party_key *k, const char *origin, const char *method, const char *hex,
			 char headers[3][256]) __attribute__((warn_unused_result));

#endif
