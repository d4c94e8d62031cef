/* published.c - checkpoint, entry and proof retrieval from a published log. */
#include "store/published.h"

#include "base/fsio.h"
#include "tlog/proof_file.h"

#include <stdlib.h>
#include <string.h>

int pl_published_checkpoint(pl_source *s, const pl_policy *pol, pl_buf *note, pl_checkpoint *cp, pl_diag *d)
{
	size_t start = note->len;
	int rc = pl_source_get(s, "checkpoint", PL_NOTE_MAX, note, d);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "cannot read the checkpoint");
	size_t nwit = 0;
	rc = pl_checkpoint_open(note->data + start, note->len - start, pol, cp, NULL, &nwit);
	switch (rc) {
	case PL_OK:
		return PL_OK;
	case PL_ENOKEY:
		if (nwit < pol->quorum)
			return pl_diag_set(d, rc, "checkpoint has %zu valid witness cosignatures; %zu required", nwit,
					   pol->quorum);
		return pl_diag_set(d, rc, "checkpoint is not signed by the log key %s", pol->log.name);
	case PL_EVERIFY:
		return pl_diag_set(d, rc, "checkpoint signature or origin does not verify against %s",
				   pol->log.name);
	default:
		return pl_diag_set(d, rc, "checkpoint is malformed");
	}
}

int pl_published_entry(pl_source *s, uint64_t size, uint64_t i, pl_buf *out, pl_diag *d)
{
	if (i >= size)
		return pl_diag_set(d, PL_ERANGE, "entry %llu does not exist: the tree has %llu entries",
				   (unsigned long long)i, (unsigned long long)size);
	pl_tile t;
	int rc = pl_tile_in_tree(size, PL_TILE_LEVEL_ENTRIES, i / PL_TILE_WIDTH, &t);
	if (rc != PL_OK)
		return pl_diag_set(d, rc, "no bundle for entry %llu", (unsigned long long)i);
	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	rc = pl_source_fetch_tile(s, &t, &b);
	if (rc != PL_OK) {
		pl_diag_set(d, rc, "cannot read the entry bundle of entry %llu", (unsigned long long)i);
		goto out;
	}
	pl_span entries[PL_TILE_WIDTH];
	if (pl_bundle_parse(b.data, b.len, t.width, entries) != PL_OK) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the entry bundle of entry %llu is malformed", (unsigned long long)i);
		goto out;
	}
	pl_span e = entries[i % PL_TILE_WIDTH];
	rc = pl_buf_append(out, e.p, e.n);
out:
	pl_buf_release(&b);
	return rc;
}

int pl_published_prove(pl_source *s, const pl_policy *pol, uint64_t i, pl_buf *out, pl_diag *d)
{
	pl_buf note, entry;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&entry, PL_ENTRY_MAX);
	pl_tile_reader *tr = malloc(sizeof *tr);
	pl_checkpoint cp;
	pl_hash proof[PL_PROOF_MAX], leaf;
	size_t len = 0;
	int rc = PL_ENOMEM;
	if (tr == NULL)
		goto out;
	if ((rc = pl_published_checkpoint(s, pol, &note, &cp, d)) != PL_OK)
		goto out;
	if ((rc = pl_published_entry(s, cp.size, i, &entry, d)) != PL_OK)
		goto out;
	pl_tile_reader_init(tr, cp.size, pl_source_fetch_tile, s);
	pl_hash_reader hr = pl_tile_reader_as_hash_reader(tr);
	if ((rc = pl_prove_inclusion(&hr, cp.size, i, proof, &len)) != PL_OK) {
		pl_diag_set(d, rc, "cannot build the inclusion proof from the tiles");
		goto out;
	}
	pl_leaf_hash(entry.data, entry.len, &leaf);
	if (pl_verify_inclusion(i, cp.size, &leaf, proof, len, &cp.root) != PL_OK) {
		rc = pl_diag_set(d, PL_ECORRUPT, "the tiles do not prove entry %llu against the checkpoint root",
				 (unsigned long long)i);
		goto out;
	}
	/* An empty entry has no extra line: the verifier must be given it. */
	rc = pl_proof_file_write(i, proof, len, entry.len ? entry.data : NULL, entry.len, note.data, note.len, out);
out:
	free(tr);
	pl_buf_release(&note);
	pl_buf_release(&entry);
	return rc;
}

int pl_read_vkey_file(const char *path, pl_verifier *v, pl_diag *d)
{
	pl_buf b;
	pl_buf_init(&b, PL_VKEY_MAX + 2);
	int rc = pl_fs_read(path, PL_VKEY_MAX + 2, &b, d);
	if (rc != PL_OK)
		goto out;
	size_t n = b.len;
	if (n > 0 && b.data[n - 1] == '\n')
		n--;
	if (pl_verifier_parse((const char *)b.data, n, v) != PL_OK)
		rc = pl_diag_set(d, PL_EFORMAT, "%s does not hold a verifier key (name+id+key)", path);
out:
	pl_buf_release(&b);
	return rc;
}
