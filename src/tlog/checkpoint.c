/* checkpoint.c - checkpoint bodies and policy verification. */
#include "tlog/checkpoint.h"

#include "base/codec.h"
#include "base/cursor.h"
#include "base/err.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

int pl_checkpoint_parse(const uint8_t *text, size_t n, pl_checkpoint *out)
{
	pl_span s = {text, n};
	pl_cursor c = pl_cursor_of(s);
	pl_span origin, size, root;
	if (pl_cursor_line(&c, &origin) != PL_OK || pl_cursor_line(&c, &size) != PL_OK ||
	    pl_cursor_line(&c, &root) != PL_OK || !pl_cursor_done(&c))
		return PL_EFORMAT;
	if (origin.n == 0 || origin.n > PL_ORIGIN_MAX || !pl_utf8_valid(origin.p, origin.n))
		return PL_EFORMAT;
	for (size_t i = 0; i < origin.n; i++)
		if (origin.p[i] < 0x20 || origin.p[i] == 0x7f)
			return PL_EFORMAT;
	pl_checkpoint cp;
	int rc = pl_dec_parse(size.p, size.n, PL_TREE_MAX - 1, &cp.size);
	if (rc != PL_OK)
		return rc;
	if (pl_b64_decode_exact(root.p, root.n, cp.root.b, PL_HASH_SIZE) != PL_OK)
		return PL_EFORMAT;
	memcpy(cp.origin, origin.p, origin.n);
	cp.origin[origin.n] = '\0';
	*out = cp;
	return PL_OK;
}

int pl_checkpoint_format(const pl_checkpoint *c, pl_buf *out)
{
	size_t start = out->len;
	int rc = pl_buf_printf(out, "%s\n%llu\n", c->origin, (unsigned long long)c->size);
	if (rc == PL_OK)
		rc = pl_b64_append(out, c->root.b, PL_HASH_SIZE);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

void pl_policy_init(pl_policy *p, const pl_verifier *log)
{
	memset(p, 0, sizeof *p);
	p->log = *log;
}

int pl_policy_add_witness(pl_policy *p, const pl_verifier *w)
{
	if (w->type != PL_SIGTYPE_COSIG)
		return PL_EINVAL;
	if (p->nwitnesses >= PL_WITNESS_MAX)
		return PL_ETOOBIG;
	p->witnesses[p->nwitnesses++] = *w;
	return PL_OK;
}

int pl_checkpoint_open(const uint8_t *msg, size_t n, const pl_policy *p, pl_checkpoint *cp, pl_note *note,
		       size_t *nwit)
{
	if (nwit)
		*nwit = 0;
	pl_verifier *vs = malloc((1 + p->nwitnesses) * sizeof *vs);
	pl_note *nt = malloc(sizeof *nt);
	int rc = PL_OK;
	if (vs == NULL || nt == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	vs[0] = p->log;
	memcpy(vs + 1, p->witnesses, p->nwitnesses * sizeof *vs);
	rc = pl_note_open(msg, n, vs, 1 + p->nwitnesses, nt);
	if (rc != PL_OK && rc != PL_ENOKEY)
		goto out;
	size_t w = 0;
	for (size_t i = 0; i < nt->nverified; i++)
		if (nt->verified[i].verifier > 0)
			w++;
	if (nwit)
		*nwit = w;
	if (rc == PL_ENOKEY || !pl_note_signed_by(nt, 0)) {
		rc = PL_ENOKEY; /* witnesses alone never make a checkpoint trusted */
		goto out;
	}
	pl_checkpoint c;
	if (pl_checkpoint_parse(nt->text.p, nt->text.n, &c) != PL_OK) {
		rc = PL_EFORMAT; /* including a size past PL_TREE_MAX */
		goto out;
	}
	if (strcmp(c.origin, p->log.name) != 0) {
		rc = PL_EVERIFY;
		goto out;
	}
	if (w < p->quorum) {
		rc = PL_ENOKEY;
		goto out;
	}
	if (cp)
		*cp = c;
	if (note)
		*note = *nt;
out:
	free(vs);
	free(nt);
	return rc;
}
