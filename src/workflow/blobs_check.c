/* blobs_check.c - the blobs an evidence or a finding names, checked at admission (blobs_check.h). */
#include "workflow/blobs_check.h"

#include "evidence/seal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* True if name is the author or one of the statement's recipients. */
static bool addressed(const pl_stmt *s, const json_t *recipients, const char *name)
{
	if (strcmp(name, s->author) == 0)
		return true;
	size_t i;
	const json_t *r;
	json_array_foreach(recipients, i, r)
	if (json_is_string(r) && strcmp(json_string_value(r), name) == 0)
		return true;
	return false;
}

/* A sealed blob's header against the statement: exactly its recipients, and possibly its author, each (version 2)
 * with the key it holds at this index. */
static int check_recipients(const pl_stmt *s, const pl_members *m, const char *field, const pl_seal_head *h,
			    int version, pl_refusal *v)
{
	const json_t *recipients = json_object_get(s->body, "recipients");
	if (version != 2)
		return pl_refuse(v, PL_R_BLOB_NOT_SEALED,
				 "the %s blob is sealed in version 1 (PLSEAL01), which names its readers without their keys: "
				 "seal it again in version 2 (PLSEAL02, any current parley)",
				 field);
	for (size_t i = 0; i < h->n; i++) {
		const pl_seal_entry *e = &h->e[i];
		if (e->type != PL_SEAL_PARTY)
			return pl_refuse(v, PL_R_BLOB_RECIPIENTS_MISMATCH,
					 "the %s blob is sealed to the members' key: evidence goes to named recipients", field);
		if (!addressed(s, recipients, e->party))
			return pl_refuse(v, PL_R_BLOB_RECIPIENTS_MISMATCH,
					 "the %s blob is sealed to %s, who is neither a recipient nor the author", field, e->party);
		const pl_member *r = pl_members_get(m, e->party);
		uint8_t fp[PL_SEAL_FP_SIZE];
		if (r != NULL)
			pl_seal_fingerprint(r->id.box_pk, fp);
		if (r == NULL || !r->active || memcmp(fp, e->fp, sizeof fp) != 0)
			return pl_refuse(v, PL_R_READER_KEY_STALE,
					 "the %s blob is sealed to a key of %s (fingerprint %02x%02x%02x%02x...) it does not "
					 "hold at this index: refresh the copy and seal again",
					 field, e->party, e->fp[0], e->fp[1], e->fp[2], e->fp[3]);
	}
	size_t i;
	const json_t *r;
	json_array_foreach(recipients, i, r)
	{
		bool found = false;
		for (size_t j = 0; j < h->n && !found; j++)
			found = strcmp(h->e[j].party, json_string_value(r)) == 0;
		if (!found)
			return pl_refuse(v, PL_R_BLOB_RECIPIENTS_MISMATCH, "the %s blob is not sealed to the recipient %s",
					 field, json_string_value(r));
	}
	return PL_OK;
}

int pl_wf_blobs_check(const pl_stmt *s, const pl_members *m, const pl_admission *a, pl_refusal *v)
{
	const char *field = strcmp(s->type, "evidence") == 0 ? "index" : strcmp(s->type, "finding") == 0 ? "report" : NULL;
	if (field == NULL || a->blob == NULL)
		return PL_OK;
	const json_t *o = json_object_get(s->body, field);
	const char *plain = json_string_value(json_object_get(o, "sha256"));
	const char *sealed = json_string_value(json_object_get(o, "sealed"));
	json_int_t size = json_integer_value(json_object_get(o, "size"));
	/* a statement that seals its own description keeps only the blob's name public: its size is the
	 * readers' to check (evidence/seal.h checks it on opening) */
	bool described = json_object_get(s->body, "sealed") == NULL;
	if ((plain == NULL || size < 0) && (described || sealed == NULL)) /* pl_wf_parse checked the body */
		return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must be {\"sha256\", \"sealed\"?, \"size\"}", field);
	const char *name = sealed != NULL ? sealed : plain;
	uint8_t *head = malloc(PL_SEAL_HEADER_MAX);
	pl_seal_head *h = malloc(sizeof *h);
	int rc = PL_OK;
	if (head == NULL || h == NULL) {
		rc = PL_ENOMEM;
		goto out;
	}
	uint64_t have = 0;
	size_t n = 0;
	int brc = a->blob(a->blob_ctx, name, &have, head, sealed != NULL ? PL_SEAL_HEADER_MAX : 0, &n);
	if (brc == PL_ENOTFOUND) {
		rc = pl_refuse(v, PL_R_BLOB_MISSING, "the %s blob %.16s... is not on the server: upload it first", field, name);
		goto out;
	}
	if (brc != PL_OK) {
		rc = pl_refuse(v, PL_R_STORAGE_FAILED, "the server could not read its blob store");
		goto out;
	}
	if (sealed == NULL) {
		if (have != (uint64_t)size)
			rc = pl_refuse(v, PL_R_BLOB_SIZE_MISMATCH, "the %s blob holds %llu bytes, not the %lld the statement says",
				       field, (unsigned long long)have, (long long)size);
		goto out;
	}
	int version = 0;
	if (pl_seal_header(head, n, h, &version, NULL) != PL_OK) {
		rc = pl_refuse(v, PL_R_BLOB_NOT_SEALED, "the %s blob %.16s... does not start with a sealed blob's header",
			       field, name);
		goto out;
	}
	if ((rc = check_recipients(s, m, field, h, version, v)) != PL_OK || !described)
		goto out;
	uint64_t want = pl_seal_sealed_size(h->len, (uint64_t)size);
	if (have != want)
		rc = pl_refuse(v, PL_R_BLOB_SIZE_MISMATCH,
			       "the sealed %s blob holds %llu bytes, not the %llu that sealing %lld bytes to its recipients makes",
			       field, (unsigned long long)have, (unsigned long long)want, (long long)size);
out:
	free(head);
	free(h);
	return rc;
}
