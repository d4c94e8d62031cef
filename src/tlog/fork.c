/* fork.c - self-contained proofs of a log's misbehaviour. */
#include "tlog/fork.h"

#include "base/codec.h"
#include "base/cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[] = "parley.fork-proof/v1";

static int put_line_b64(pl_buf *out, const char *key, const uint8_t *p, size_t n)
{
	int rc = pl_buf_printf(out, "%s ", key);
	if (rc == PL_OK)
		rc = pl_b64_append(out, p, n);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	return rc;
}

static int head(const pl_verifier *log, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, pl_buf *out)
{
	int rc = pl_buf_printf(out, "%s\nvkey ", MAGIC);
	if (rc == PL_OK)
		rc = pl_verifier_format(log, out);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc == PL_OK)
		rc = put_line_b64(out, "a", a, an);
	if (rc == PL_OK)
		rc = put_line_b64(out, "b", b, bn);
	return rc;
}

int pl_fork_write_same_size(const pl_verifier *log, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			    pl_buf *out)
{
	size_t start = out->len;
	int rc = head(log, a, an, b, bn, out);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_fork_write_prefix(const pl_verifier *log, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			 const pl_hash *r, const pl_hash *proof, size_t len, pl_buf *out)
{
	if (len > PL_PROOF_MAX)
		return PL_EINVAL;
	size_t start = out->len;
	int rc = head(log, a, an, b, bn, out);
	if (rc == PL_OK)
		rc = put_line_b64(out, "prefix", r->b, PL_HASH_SIZE);
	for (size_t i = 0; rc == PL_OK && i < len; i++)
		rc = put_line_b64(out, "proof", proof[i].b, PL_HASH_SIZE);
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

/* Decodes "key <base64>" into a fresh heap buffer. */
static int field(pl_cursor *c, const char *key, uint8_t **out, size_t *n, size_t max)
{
	pl_span line, rest;
	char pfx[16];
	snprintf(pfx, sizeof pfx, "%s ", key);
	if (pl_cursor_line(c, &line) != PL_OK || !pl_span_cut_prefix(line, pfx, &rest) || rest.n == 0 ||
	    rest.n > pl_b64_len(max))
		return PL_EFORMAT;
	*out = malloc(rest.n / 4 * 3 + 1);
	if (*out == NULL)
		return PL_ENOMEM;
	if (pl_b64_decode(rest.p, rest.n, *out, rest.n / 4 * 3, n) != PL_OK) {
		free(*out);
		*out = NULL;
		return PL_EFORMAT;
	}
	return PL_OK;
}

int pl_fork_verify(const uint8_t *p, size_t n, const pl_verifier *log, pl_fork *fork, pl_diag *d)
{
	memset(fork, 0, sizeof *fork);
	if (n > PL_FORK_PROOF_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "a fork proof holds at most %d bytes", PL_FORK_PROOF_MAX);
	pl_span all = {p, n}, line, rest;
	pl_cursor c = pl_cursor_of(all);
	uint8_t *a = NULL, *b = NULL;
	size_t an = 0, bn = 0;
	int rc = PL_EFORMAT;
	pl_hash r, proof[PL_PROOF_MAX];
	size_t len = 0;
	bool prefix = false;
	if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_eq(line, MAGIC))
		goto bad;
	if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_cut_prefix(line, "vkey ", &rest) ||
	    pl_verifier_parse((const char *)rest.p, rest.n, &fork->log) != PL_OK ||
	    fork->log.type != PL_SIGTYPE_ED25519)
		goto bad;
	if (log != NULL && (strcmp(fork->log.name, log->name) != 0 || fork->log.type != log->type ||
			    memcmp(fork->log.pk, log->pk, PL_ED25519_PK_SIZE) != 0)) {
		rc = pl_diag_set(d, PL_EVERIFY, "the proof is about another key than %s", log->name);
		goto out;
	}
	if ((rc = field(&c, "a", &a, &an, PL_NOTE_MAX)) != PL_OK || (rc = field(&c, "b", &b, &bn, PL_NOTE_MAX)) != PL_OK)
		goto bad;
	if (!pl_cursor_done(&c)) {
		prefix = true;
		if (pl_cursor_line(&c, &line) != PL_OK || !pl_span_cut_prefix(line, "prefix ", &rest) ||
		    pl_b64_decode_exact(rest.p, rest.n, r.b, PL_HASH_SIZE) != PL_OK)
			goto bad;
		while (!pl_cursor_done(&c)) {
			if (len == PL_PROOF_MAX || pl_cursor_line(&c, &line) != PL_OK ||
			    !pl_span_cut_prefix(line, "proof ", &rest) ||
			    pl_b64_decode_exact(rest.p, rest.n, proof[len].b, PL_HASH_SIZE) != PL_OK)
				goto bad;
			len++;
		}
	}
	pl_policy pol;
	pl_policy_init(&pol, &fork->log);
	if (pl_checkpoint_open(a, an, &pol, &fork->a, NULL, NULL) != PL_OK ||
	    pl_checkpoint_open(b, bn, &pol, &fork->b, NULL, NULL) != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "a checkpoint is not validly signed by %s", fork->log.name);
		goto out;
	}
	fork->prefix = prefix;
	if (!prefix) {
		if (fork->a.size != fork->b.size || pl_hash_eq(&fork->a.root, &fork->b.root)) {
			rc = pl_diag_set(d, PL_EVERIFY, "the two checkpoints do not contradict each other");
			goto out;
		}
		rc = PL_OK;
		goto out;
	}
	if (fork->a.size <= fork->b.size || pl_hash_eq(&r, &fork->b.root)) {
		rc = pl_diag_set(d, PL_EVERIFY, "the prefix does not contradict checkpoint b");
		goto out;
	}
	if (pl_verify_consistency(fork->b.size, fork->a.size, &r, &fork->a.root, proof, len) != PL_OK) {
		rc = pl_diag_set(d, PL_EVERIFY, "the consistency proof from the claimed prefix to checkpoint a fails");
		goto out;
	}
	rc = PL_OK;
	goto out;
bad:
	rc = pl_diag_set(d, PL_EFORMAT, "not a well-formed %s file", MAGIC);
out:
	free(a);
	free(b);
	return rc;
}
