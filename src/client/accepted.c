/* accepted.c - acceptances a member keeps: read, checked, kept as files, held against the log (accepted.h). */
#include "client/accepted.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "store/published.h"
#include "tlog/proof_file.h"

#include <stdio.h>
#include <string.h>

int pl_accepted_from_json(const json_t *v, pl_api_accept *r, pl_diag *d)
{
	if (!json_is_object(v))
		return pl_diag_set(d, PL_EFORMAT, "an acceptance is a JSON object");
	int64_t index;
	const char *acc;
	int rc;
	if ((rc = pl_json_int(v, "index", 0, (int64_t)(PL_TREE_MAX - 1), &index, d)) != PL_OK ||
	    (rc = pl_json_b64(v, "leaf", r->leaf.b, PL_HASH_SIZE, d)) != PL_OK ||
	    (rc = pl_json_str(v, "acceptance", PL_NOTE_MAX, &acc, d)) != PL_OK)
		return rc;
	r->index = (uint64_t)index;
	r->path_len = 0;
	const json_t *path = json_object_get(v, "acceptance_path");
	if (path != NULL) {
		if (!json_is_array(path))
			return pl_diag_set(d, PL_EFORMAT, "acceptance_path is not an array");
		if (json_array_size(path) > PL_PROOF_MAX)
			return pl_diag_set(d, PL_ETOOBIG, "acceptance_path has over %d hashes", PL_PROOF_MAX);
		for (size_t i = 0; i < json_array_size(path); i++) {
			const json_t *h = json_array_get(path, i);
			if (!json_is_string(h) || pl_b64_decode_exact((const uint8_t *)json_string_value(h), json_string_length(h),
								      r->path[i].b, PL_HASH_SIZE) != PL_OK)
				return pl_diag_set(d, PL_EFORMAT, "acceptance_path[%zu] is not a base64 hash", i);
		}
		r->path_len = json_array_size(path);
	}
	pl_buf_reset(&r->acceptance);
	if ((rc = pl_buf_puts(&r->acceptance, acc)) != PL_OK)
		return pl_diag_set(d, rc, "the acceptance is too large");
	return PL_OK;
}

int pl_accepted_check(const pl_verifier *log, pl_api_accept *r, pl_diag *d)
{
	pl_note note;
	int rc = pl_note_open(r->acceptance.data, r->acceptance.len, log, 1, &note);
	if (rc == PL_ENOMEM)
		return pl_diag_set(d, PL_ENOMEM, "out of memory checking the acceptance");
	if (rc != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance is not signed by the log key");
	if (pl_acceptance_parse(note.text.p, note.text.n, &r->acc) != PL_OK)
		return pl_diag_set(d, PL_EVERIFY, "the note signed by the log key is not an acceptance");
	if (strcmp(r->acc.origin, log->name) != 0)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance names another log than %s", log->name);
	if (pl_acceptance_check(&r->acc, r->index, &r->leaf, r->path, r->path_len) == PL_OK)
		return PL_OK;
	if (r->acc.form == PL_ACCEPT_SINGLE)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance does not name this entry");
	if (r->index < r->acc.first || r->index - r->acc.first >= r->acc.count)
		return pl_diag_set(d, PL_EVERIFY, "the acceptance covers entries %llu..%llu, not %llu",
				   (unsigned long long)r->acc.first, (unsigned long long)(r->acc.first + r->acc.count - 1),
				   (unsigned long long)r->index);
	return pl_diag_set(d, PL_EVERIFY,
			   "the acceptance's path does not lead from this leaf at index %llu to the root the log signed "
			   "for entries %llu..%llu",
			   (unsigned long long)r->index, (unsigned long long)r->acc.first,
			   (unsigned long long)(r->acc.first + r->acc.count - 1));
}

int pl_accepted_read(const uint8_t *p, size_t n, const pl_verifier *log, pl_api_accept *r, pl_diag *d)
{
	json_t *v = NULL;
	int rc = pl_json_parse(p, n, PL_ACCEPTED_FILE_MAX, &v, d);
	if (rc == PL_OK)
		rc = pl_accepted_from_json(v, r, d);
	json_decref(v);
	if (rc == PL_OK)
		rc = pl_accepted_check(log, r, d);
	return rc;
}

int pl_accepted_format(const pl_api_accept *r, pl_buf *out)
{
	if (r->acceptance.len == 0)
		return PL_EINVAL;
	size_t start = out->len;
	char h[PL_HASH_B64_LEN + 1];
	pl_b64_encode(r->leaf.b, PL_HASH_SIZE, h);
	json_t *path = json_array();
	json_t *v = path ? json_pack("{s:I,s:s,s:s%,s:O}", "index", (json_int_t)r->index, "leaf", h, "acceptance",
				     (const char *)r->acceptance.data, r->acceptance.len, "acceptance_path", path)
			 : NULL;
	int rc = v != NULL ? PL_OK : PL_ENOMEM;
	for (size_t i = 0; rc == PL_OK && i < r->path_len; i++) {
		pl_b64_encode(r->path[i].b, PL_HASH_SIZE, h);
		if (json_array_append_new(path, json_string(h)) != 0)
			rc = PL_ENOMEM;
	}
	if (rc == PL_OK)
		rc = pl_json_dump(v, out);
	if (rc == PL_OK)
		rc = pl_buf_putc(out, '\n');
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	json_decref(v);
	json_decref(path);
	return rc;
}

/* Whether the file at path holds an acceptance of leaf (unreadable or malformed: no). */
static bool holds_leaf(const char *path, const pl_hash *leaf)
{
	pl_buf b;
	pl_buf_init(&b, PL_ACCEPTED_FILE_MAX);
	json_t *v = NULL;
	uint8_t got[PL_HASH_SIZE];
	bool same = pl_fs_read(path, PL_ACCEPTED_FILE_MAX, &b, NULL) == PL_OK &&
		    pl_json_parse(b.data, b.len, PL_ACCEPTED_FILE_MAX, &v, NULL) == PL_OK &&
		    pl_json_b64(v, "leaf", got, PL_HASH_SIZE, NULL) == PL_OK && memcmp(got, leaf->b, PL_HASH_SIZE) == 0;
	json_decref(v);
	pl_buf_release(&b);
	return same;
}

int pl_accepted_keep(const char *dir, const pl_api_accept *r, char path[PATH_MAX], bool *conflict, pl_diag *d)
{
	*conflict = false;
	pl_buf b;
	pl_buf_init(&b, PL_ACCEPTED_FILE_MAX);
	char name[64], tmp[PATH_MAX + 8];
	int rc = pl_fs_mkdirs(dir, 0700, d);
	if (rc != PL_OK)
		goto out;
	snprintf(name, sizeof name, "%llu.json", (unsigned long long)r->index);
	if ((rc = pl_path_join(path, PATH_MAX, dir, name)) != PL_OK) {
		rc = pl_diag_set(d, PL_ETOOBIG, "the path of the kept acceptance is too long");
		goto out;
	}
	if (pl_fs_exists(path) && !holds_leaf(path, &r->leaf)) {
		/* the log accepted another statement at this index before: keep both */
		char hex[PL_HASH_SIZE * 2 + 1];
		pl_hex_encode(r->leaf.b, PL_HASH_SIZE, hex);
		snprintf(name, sizeof name, "%llu-%.16s.json", (unsigned long long)r->index, hex);
		if ((rc = pl_path_join(path, PATH_MAX, dir, name)) != PL_OK) {
			rc = pl_diag_set(d, PL_ETOOBIG, "the path of the kept acceptance is too long");
			goto out;
		}
		*conflict = true;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((rc = pl_accepted_format(r, &b)) != PL_OK) {
		rc = pl_diag_set(d, rc, "out of memory writing the acceptance");
		goto out;
	}
	rc = pl_fs_replace(path, tmp, b.data, b.len, 0600, d);
out:
	pl_buf_release(&b);
	return rc;
}

int pl_accepted_against(pl_source *s, const pl_policy *pol, const pl_api_accept *r, pl_accepted_verdict *v,
			pl_checkpoint *cp, pl_hash *found, pl_buf *proof, pl_diag *d)
{
	pl_buf note, pb;
	pl_buf_init(&note, PL_NOTE_MAX);
	pl_buf_init(&pb, PL_PROOF_FILE_MAX);
	pl_proof_file pf;
	memset(&pf, 0, sizeof pf);
	int rc = pl_published_checkpoint(s, pol, &note, cp, d);
	if (rc != PL_OK)
		goto out;
	if (cp->size <= r->index) {
		*v = PL_ACCEPTED_PENDING;
		goto out;
	}
	if ((rc = pl_published_prove(s, pol, r->index, &pb, d)) != PL_OK)
		goto out;
	/* the proof was verified as it was made; taken apart again here for its entry and checkpoint */
	if ((rc = pl_proof_file_parse(pb.data, pb.len, &pf)) != PL_OK || !pf.has_extra || pf.index != r->index) {
		rc = pl_diag_set(d, PL_EVERIFY, "the log's proof of entry %llu does not carry it", (unsigned long long)r->index);
		goto out;
	}
	pl_leaf_hash(pf.extra, pf.extra_len, found);
	if ((rc = pl_proof_file_verify(&pf, pol, found, cp)) != PL_OK) {
		rc = pl_diag_set(d, rc, "the log's proof of entry %llu does not verify", (unsigned long long)r->index);
		goto out;
	}
	*v = pl_hash_eq(found, &r->leaf) ? PL_ACCEPTED_HELD : PL_ACCEPTED_BROKEN;
	if (*v == PL_ACCEPTED_BROKEN && proof != NULL && (rc = pl_buf_append(proof, pb.data, pb.len)) != PL_OK)
		rc = pl_diag_set(d, rc, "out of memory keeping the log's proof");
out:
	pl_proof_file_release(&pf);
	pl_buf_release(&pb);
	pl_buf_release(&note);
	return rc;
}
