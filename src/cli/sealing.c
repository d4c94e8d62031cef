/* sealing.c - sealing a statement's sealed fields to its readers, opening them (sealing.h). */
#include "cli/sealing.h"

#include "base/codec.h"
#include "base/refusal.h"
#include "base/timefmt.h"
#include "client/entries.h"
#include "client/epochs.h"
#include "statement/dsse.h"
#include "statement/members.h"
#include "workflow/types.h"
#include "monitor/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sealed caps (workflow/types.h), checked before sealing: the server cannot see them once sealed. */
static const struct {
	pl_wf_type type;
	const char *key;
	size_t max;
} CAPS[] = {
	{PL_WF_CONCERN, "summary", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_REQUEST, "text", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_REQUEST, "due_reason", PL_WF_SEALED_DUE_REASON_MAX},
	{PL_WF_ACK, "note", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_RESPONSE, "reasons", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_RESPONSE, "text", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_RESPONSE, "availability_warning", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_STATUS, "text", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_WITHDRAW, "reason", PL_WF_SEALED_TEXT_MAX},
	{PL_WF_CLOSE, "text", PL_WF_SEALED_TEXT_MAX},
};

static const struct {
	const char *key;
	size_t max;
} PRESERVATION_CAPS[] = {
	{"authority", PL_WF_SEALED_AUTHORITY_MAX}, {"offence", PL_WF_SEALED_OFFENCE_MAX},
	{"facts", PL_WF_SEALED_FACTS_MAX},         {"data", PL_WF_SEALED_DATA_MAX},
	{"relationship", PL_WF_SEALED_RELATIONSHIP_MAX}, {"custodian", PL_WF_SEALED_CUSTODIAN_MAX},
	{"necessity", PL_WF_SEALED_NECESSITY_MAX},
};

int cli_sealed_caps(pl_wf_type t, const json_t *body, pl_diag *d)
{
	for (size_t i = 0; i < sizeof CAPS / sizeof *CAPS; i++) {
		const json_t *x = json_object_get(body, CAPS[i].key);
		if (CAPS[i].type == t && json_is_string(x) && json_string_length(x) > CAPS[i].max)
			return pl_diag_set(d, PL_EINVAL, "a sealed %s's \"%s\" takes at most %zu bytes (this one has %zu)%s",
					   pl_wf_type_name(t), CAPS[i].key, CAPS[i].max, json_string_length(x),
					   CAPS[i].max == PL_WF_SEALED_TEXT_MAX ? ": put longer material into sealed evidence"
										 : "");
	}
	const json_t *p = t == PL_WF_REQUEST ? json_object_get(body, "preservation") : NULL;
	for (size_t i = 0; p != NULL && i < sizeof PRESERVATION_CAPS / sizeof *PRESERVATION_CAPS; i++) {
		const json_t *x = json_object_get(p, PRESERVATION_CAPS[i].key);
		if (json_is_string(x) && json_string_length(x) > PRESERVATION_CAPS[i].max)
			return pl_diag_set(d, PL_EINVAL, "a sealed preservation \"%s\" takes at most %zu bytes (this one has %zu)",
					   PRESERVATION_CAPS[i].key, PRESERVATION_CAPS[i].max, json_string_length(x));
	}
	return PL_OK;
}

int cli_seal_take(const cli_call *call, pl_wf_type t, json_t *body, json_t **fields)
{
	const char *lang = cli_get(&call->args, "lang");
	json_t *f = json_pack("{s:s}", "lang", lang != NULL ? lang : "en");
	*fields = NULL;
	if (f == NULL)
		return PL_ENOMEM;
	for (const char *const *k = pl_wf_sealed_fields(t); k != NULL && *k != NULL; k++) {
		json_t *x = json_object_get(body, *k);
		if (x != NULL && (json_object_set(f, *k, x) != 0 || json_object_del(body, *k) != 0)) {
			json_decref(f);
			return PL_ENOMEM;
		}
	}
	*fields = f;
	return PL_OK;
}

int cli_seal_prepare(void *ctx, cli_session *s, pl_diag *d)
{
	const cli_sealer *z = ctx;
	return z->green ? cli_green_ready(z->call, s, d) : PL_OK;
}

int cli_seal_body(void *ctx, cli_session *s, uint64_t seq, json_t *body, pl_diag *d)
{
	const cli_sealer *z = ctx;
	if (z->green)
		return cli_green_seal(z, s, seq, body, d);
	if (z->n + 1 > CLI_SEAL_READERS_MAX)
		return pl_diag_set(d, PL_EINVAL, "at most %d readers", CLI_SEAL_READERS_MAX);
	pl_identity *ids = calloc(z->n + 1, sizeof *ids);
	if (ids == NULL)
		return PL_ENOMEM;
	const char *author = s->key->id.party;
	size_t n = 0;
	int rc = cli_session_identity(z->call, s, author, &ids[n++], d);
	for (size_t i = 0; rc == PL_OK && i < z->n; i++) {
		if (strcmp(z->readers[i], author) == 0)
			continue; /* the author is a reader once */
		rc = cli_session_identity(z->call, s, z->readers[i], &ids[n], d);
		if (rc == PL_ENOTFOUND && z->skip_revoked) {
			*d = (pl_diag){0}; /* revoked since: no reader of what is said now */
			rc = PL_OK;
			continue;
		}
		n++;
	}
	pl_buf obj, b64;
	pl_buf_init(&obj, PL_SEALED_OBJECT_MAX);
	pl_buf_init(&b64, pl_b64_len(PL_SEALED_OBJECT_MAX) + 1);
	pl_seal_ctx sc = {.origin = s->pol.log.name, .type = z->type, .author = author, .seq = seq};
	if (rc == PL_OK)
		rc = pl_sealed_seal(&sc, z->fields, ids, n, NULL, &obj, d);
	if (rc == PL_OK)
		rc = pl_b64_append(&b64, obj.data, obj.len);
	if (rc == PL_OK &&
	    json_object_set_new(body, "sealed", json_stringn((const char *)b64.data, b64.len)) != 0)
		rc = PL_ENOMEM;
	pl_buf_release(&b64);
	pl_buf_release(&obj);
	free(ids);
	return rc;
}

int cli_sealed_bytes(const pl_stmt *st, uint8_t **obj, size_t *n, pl_diag *d)
{
	*obj = NULL;
	*n = 0;
	json_t *v = json_object_get(st->body, "sealed");
	if (!json_is_string(v))
		return pl_diag_set(d, PL_ENOTFOUND, "not sealed");
	size_t tn = json_string_length(v);
	if ((*obj = malloc(tn / 4 * 3 + 3)) == NULL)
		return PL_ENOMEM;
	if (pl_b64_decode((const uint8_t *)json_string_value(v), tn, *obj, tn / 4 * 3 + 3, n) != PL_OK) {
		free(*obj);
		*obj = NULL;
		return pl_diag_set(d, PL_EFORMAT, "the sealed part is not base64");
	}
	return PL_OK;
}

/* st's sealed body opened into p (zeroed here; release it after any result), as pl_sealed_open. */
static int open_plain(const pl_stmt *st, const pl_keyring *ring, const pl_epoch_ring *epochs, pl_sealed_plain *p,
		      pl_diag *d)
{
	memset(p, 0, sizeof *p);
	uint8_t *obj = NULL;
	size_t n = 0;
	int rc = cli_sealed_bytes(st, &obj, &n, d);
	if (rc != PL_OK)
		return rc;
	pl_seal_ctx sc = {.origin = st->log, .type = st->type, .author = st->author, .seq = st->seq};
	rc = pl_sealed_open(&sc, obj, n, ring, epochs, p, d);
	free(obj);
	return rc;
}

int cli_open_body(const pl_stmt *st, const pl_keyring *ring, const pl_epoch_ring *epochs, json_t **fields,
		  pl_sealed_fault *fault, pl_diag *d)
{
	*fields = NULL;
	pl_sealed_plain p;
	int rc = open_plain(st, ring, epochs, &p, d);
	if (rc == PL_OK) {
		*fields = p.fields;
		p.fields = NULL;
	}
	*fault = p.fault;
	pl_sealed_plain_release(&p);
	return rc;
}

const char *cli_seal_fault_text(pl_sealed_fault f)
{
	switch (f) {
	case PL_SEALED_FAULT_WRAP:
		return "the key wrapped to this reader does not open";
	case PL_SEALED_FAULT_CIPHER:
		return "the key wrapped to this reader does not open the text";
	case PL_SEALED_FAULT_CONTENT:
		return "it opens to something that is not a well-formed body";
	case PL_SEALED_FAULT_COMMITMENT:
		return "commitment mismatch: it opens to a text its commitment does not name";
	case PL_SEALED_FAULT_NONE:
		break;
	}
	return "no fault";
}

int cli_clear_rules(const char *type, const char *author, uint64_t ref, json_t *body, pl_refusal *v)
{
	return cli_clear_rules_refs(type, author, &ref, ref != UINT64_MAX, body, v);
}

int cli_clear_rules_refs(const char *type, const char *author, const uint64_t *refs, size_t nrefs, json_t *body,
			 pl_refusal *v)
{
	pl_stmt st;
	memset(&st, 0, sizeof st);
	snprintf(st.type, sizeof st.type, "%s", type);
	snprintf(st.author, sizeof st.author, "%s", author);
	st.time = pl_now();
	st.body = body;
	for (size_t i = 0; i < nrefs && i < PL_REFS_MAX; i++)
		st.refs[st.nrefs++].index = refs[i]; /* as the statement signed will list them */
	pl_wf_body wb;
	memset(&wb, 0, sizeof wb);
	memset(v, 0, sizeof *v);
	return pl_wf_parse(&st, &wb, v);
}

int cli_concern_seal_prepare(const cli_call *call, json_t *body, cli_sealer *z, json_t **fields)
{
	memset(z, 0, sizeof *z);
	*fields = NULL;
	const char *tlp = json_string_value(json_object_get(body, "tlp"));
	if (tlp == NULL || strcmp(tlp, "TLP:CLEAR") == 0)
		return PL_OK;
	bool green = strcmp(tlp, "TLP:GREEN") == 0;
	/* the content rules, on the body in clear, before anything is sealed */
	pl_refusal v;
	json_int_t g = json_integer_value(json_object_get(body, "group")); /* a concern raised in a group lists it */
	int rc = cli_clear_rules("concern", "reader", json_is_integer(json_object_get(body, "group")) && g >= 0 ? (uint64_t)g : UINT64_MAX,
				 body, &v);
	if (rc == PL_EREFUSED) {
		cli_usage_call(call, "%s: %s", pl_refusal_name(v.code), v.msg);
		return PL_EINVAL;
	}
	if (rc != PL_OK)
		return rc;
	pl_diag d = {0};
	if (cli_sealed_caps(PL_WF_CONCERN, body, &d) != PL_OK) {
		cli_usage_call(call, "%s", pl_diag_text(&d, PL_EINVAL));
		return PL_EINVAL;
	}
	json_t *recipients = json_object_get(body, "recipients");
	if (!green && json_array_size(recipients) + 1 > CLI_SEAL_READERS_MAX) {
		cli_usage_call(call, "a sealed concern has at most %d readers", CLI_SEAL_READERS_MAX);
		return PL_EINVAL;
	}
	json_t *f = NULL;
	if ((rc = cli_seal_take(call, PL_WF_CONCERN, body, &f)) != PL_OK)
		return rc;
	size_t i;
	json_t *r;
	if (!green) {
		json_array_foreach(recipients, i, r) z->readers[z->n++] = json_string_value(r);
	}
	z->green = green;
	z->call = call;
	z->type = "concern";
	z->fields = f;
	*fields = f;
	return PL_OK;
}


int cli_describe_seal_prepare(const cli_call *call, pl_wf_type t, const char *author, uint64_t target, json_t *body,
			      cli_sealer *z, json_t **fields, pl_diag *d)
{
	const char *blob = t == PL_WF_EVIDENCE ? "index" : "report";
	memset(z, 0, sizeof *z);
	*fields = NULL;
	pl_refusal v;
	int rc = cli_clear_rules(pl_wf_type_name(t), author, target, body, &v);
	if (rc == PL_EREFUSED)
		return pl_diag_set(d, PL_EINVAL, "%s: %s", pl_refusal_name(v.code), v.msg);
	json_t *f = NULL, *o = json_object_get(body, blob), *moved = json_object();
	if (rc != PL_OK || moved == NULL || (rc = cli_seal_take(call, t, body, &f)) != PL_OK) {
		json_decref(moved);
		return rc != PL_OK ? rc : PL_ENOMEM;
	}
	static const char *const keys[] = {"sha256", "size", NULL};
	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_set(moved, *k, json_object_get(o, *k)) != 0 || json_object_del(o, *k) != 0)
			rc = PL_ENOMEM;
	if (rc == PL_OK && json_object_set_new(f, blob, moved) != 0)
		rc = PL_ENOMEM;
	else if (rc != PL_OK)
		json_decref(moved);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(body, "recipients"), i, r)
	{
		if (z->n < CLI_SEAL_READERS_MAX)
			z->readers[z->n++] = json_string_value(r);
	}
	if (rc != PL_OK) {
		json_decref(f);
		return rc;
	}
	z->call = call;
	z->type = pl_wf_type_name(t);
	z->fields = f;
	*fields = f;
	return PL_OK;
}

const char *cli_sealed_title(const json_t *v)
{
	const char *st = json_string_value(json_object_get(json_object_get(v, "sealed"), "state"));
	if (st == NULL)
		return NULL;
	if (strcmp(st, "not_reader") == 0)
		return "sealed (not a reader)";
	if (strcmp(st, "no_key") == 0)
		return "sealed (give --key to open)";
	if (strcmp(st, "old_key") == 0)
		return "sealed to an earlier key of yours (give it with --old-key)";
	if (strcmp(st, "fault") == 0)
		return "sealed: FAULT (see below)";
	return NULL;
}

void cli_reader_release(cli_reader *r)
{
	pl_party_key_free(r->key);
	r->key = NULL;
	for (size_t i = 1; i < r->ring.n; i++)
		pl_party_key_free(r->old[i - 1]);
	r->ring.n = 0;
	if (r->epochs != NULL)
		pl_epochs_release(r->epochs);
	free(r->epochs);
	r->epochs = NULL;
	cli_shares_free(r->shares);
	r->shares = NULL;
}

static void key_warning(const char *what, const char *path, const pl_diag *d, int rc)
{
	cli_texts t = {0};
	fprintf(stderr, "parley: %s %s did not load: %s\n", what, cli_text(&t, path), cli_text(&t, pl_diag_text(d, rc)));
	cli_texts_release(&t);
}

/* r's keys as a ring (NULL: none), loaded at the first call: the key, then every --old-key of its party. */
static const pl_keyring *reader_ring(cli_reader *r)
{
	if (!r->tried) {
		r->tried = true;
		const char *path = cli_opt(r->a, "key", "PARLEY_KEY");
		pl_diag d = {0};
		int rc = path != NULL ? cli_load_party_key(path, r->a, &r->key, &d) : PL_OK;
		if (rc != PL_OK) {
			key_warning("sealed content stays sealed: your key", path, &d, rc);
			r->key = NULL;
		}
		if (r->key != NULL)
			r->ring.keys[r->ring.n++] = r->key;
		for (int i = 0; r->key != NULL && i < r->a->nflags; i++) {
			if (strcmp(r->a->flag[i], "old-key") != 0)
				continue;
			pl_party_key *k = NULL;
			d = (pl_diag){0};
			if (r->ring.n == PL_KEYRING_MAX) {
				fprintf(stderr, "parley: at most %d keys open sealed content; the other --old-key are left out\n",
					PL_KEYRING_MAX);
				break;
			}
			if ((rc = cli_load_party_key(r->a->val[i], r->a, &k, &d)) != PL_OK) {
				key_warning("the old key", r->a->val[i], &d, rc);
			} else if (strcmp(k->id.party, r->key->id.party) != 0) {
				cli_texts t = {0};
				fprintf(stderr, "parley: the old key %s is %s's, not %s's: left out\n", cli_text(&t, r->a->val[i]),
					cli_text(&t, k->id.party), cli_text(&t, r->key->id.party));
				cli_texts_release(&t);
				pl_party_key_free(k);
			} else {
				r->old[r->ring.n - 1] = k;
				r->ring.keys[r->ring.n++] = k;
			}
		}
	}
	return r->ring.n > 0 ? &r->ring : NULL;
}

/* The members' keys r's keys open, derived from r's copy at the first call (NULL: none, or no copy). */
static const pl_epoch_ring *reader_epochs(cli_reader *r, const pl_keyring *ring)
{
	if (!r->epochs_tried && r->e != NULL && r->x != NULL && ring != NULL) {
		r->epochs_tried = true;
		pl_diag d = {0};
		int rc = PL_ENOMEM;
		if ((r->epochs = malloc(sizeof *r->epochs)) != NULL &&
		    (rc = pl_epochs_open(r->e, r->x, r->pol, ring, r->epochs, &d)) == PL_OK && r->epochs->fault[0] != '\0') {
			cli_texts t = {0};
			fprintf(stderr, "parley: warning: %s\n", cli_text(&t, r->epochs->fault));
			cli_texts_release(&t);
		}
		if (rc != PL_OK) {
			cli_texts t = {0};
			fprintf(stderr, "parley: TLP:GREEN content stays sealed: the members' keys were not derived: %s\n",
				cli_text(&t, pl_diag_text(&d, rc)));
			cli_texts_release(&t);
			free(r->epochs);
			r->epochs = NULL;
		}
	}
	return r->epochs != NULL ? &r->epochs->ring : NULL;
}

int cli_case_open(const pl_entries *e, const pl_policy *pol, uint64_t id, const char *author, cli_reader *r,
		  json_t *v)
{
	static const char *const types[] = {"concern", NULL};
	return cli_entry_open(e, pol, id, types, author, r, v);
}

int cli_entry_open(const pl_entries *e, const pl_policy *pol, uint64_t id, const char *const *types,
		   const char *author, cli_reader *r, json_t *v)
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	int ret = 0;
	pl_diag d = {0};
	if (pl_entries_statement(e, pol, id, types, author, &env, &st, NULL, &d) == PL_OK)
		ret = cli_stmt_open(&st, id, r, v); /* else not verified: case show says so for each entry */
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return ret;
}

int cli_merge_opened(json_t *body, const json_t *fields)
{
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)(uintptr_t)fields, k, x)
	{
		json_t *pub = json_object_get(body, k);
		if (strcmp(k, "lang") == 0 || strcmp(k, "sealed") == 0)
			continue;
		/* a blob's digest and size join its public name ("index", "report") */
		if (json_is_object(pub) && json_is_object(x) ? json_object_update(pub, x) != 0 : json_object_set(body, k, x) != 0)
			return PL_ENOMEM;
	}
	return PL_OK;
}

/* The content rules the server could not check, on st's public body with the opened fields in place of
 * "sealed", and the sealed caps: PL_OK, or PL_EREFUSED with the sentence in why. */
static int opened_rules(const pl_stmt *st, json_t *fields, char *why, size_t cap)
{
	json_t *body = json_deep_copy(st->body);
	int rc = body != NULL ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && json_object_del(body, "sealed") != 0)
		rc = PL_ENOMEM;
	if (rc == PL_OK)
		rc = cli_merge_opened(body, fields);
	pl_refusal v;
	memset(&v, 0, sizeof v);
	if (rc == PL_OK && strcmp(st->type, "contact.update") == 0) {
		pl_stmt t = *st; /* borrowed, as below */
		t.body = body;
		if ((rc = pl_members_contact_check(body, &v)) == PL_OK)
			rc = pl_wf_lines_check(&t, &v);
		if (rc == PL_EREFUSED)
			snprintf(why, cap, "it breaks a rule of contact details the server cannot see: %s: %s",
				 pl_refusal_name(v.code), v.msg);
		json_decref(body);
		return rc;
	}
	if (rc == PL_OK) {
		pl_stmt t = *st; /* borrowed: only the body differs, and t is never released */
		t.body = body;
		pl_wf_body wb;
		memset(&wb, 0, sizeof wb);
		if ((rc = pl_wf_parse(&t, &wb, &v)) == PL_EREFUSED)
			snprintf(why, cap, "it breaks a content rule the server cannot see: %s: %s", pl_refusal_name(v.code),
				 v.msg);
	}
	pl_diag d = {0};
	int t = pl_wf_type_of(st->type);
	if (rc == PL_OK && t >= 0 && cli_sealed_caps((pl_wf_type)t, body, &d) != PL_OK) {
		snprintf(why, cap, "it breaks a sealed cap the server cannot see: %s", pl_diag_text(&d, PL_EINVAL));
		rc = PL_EREFUSED;
	}
	json_decref(body);
	return rc;
}

/* Does st's sealed header name party as a reader (with some key)? */
static bool names_reader(const pl_stmt *st, const char *party)
{
	uint8_t *obj = NULL;
	size_t n = 0, bucket;
	bool named = false;
	pl_seal_head *h = malloc(sizeof *h);
	if (h != NULL && cli_sealed_bytes(st, &obj, &n, NULL) == PL_OK && pl_sealed_parse(obj, n, h, &bucket, NULL) == PL_OK)
		for (size_t i = 0; i < h->n; i++)
			named |= h->e[i].type == PL_SEAL_PARTY && strcmp(h->e[i].party, party) == 0;
	free(obj);
	free(h);
	return named;
}

int cli_reader_content_key(cli_reader *r, const pl_stmt *st, uint8_t *key, pl_diag *d)
{
	const pl_keyring *ring = reader_ring(r);
	if (ring == NULL)
		return pl_diag_set(d, PL_ENOKEY, "no key of yours loaded (--key or PARLEY_KEY)");
	pl_sealed_plain p;
	int rc = open_plain(st, ring, NULL, &p, d);
	if (rc == PL_ENOKEY && reader_epochs(r, ring) != NULL) {
		pl_sealed_plain_release(&p);
		*d = (pl_diag){0};
		rc = open_plain(st, ring, reader_epochs(r, ring), &p, d);
	}
	if (rc == PL_OK && p.key != NULL)
		memcpy(key, p.key, PL_SEAL_KEY_SIZE);
	else if (rc == PL_OK)
		rc = pl_diag_set(d, PL_ECRYPTO, "the content key was not kept");
	pl_sealed_plain_release(&p);
	return rc;
}

/* st opened with a key another reader shared for entry index: PL_OK with *fields and *by, else not. */
static int open_shared(cli_reader *r, const pl_keyring *ring, const pl_stmt *st, uint64_t index, json_t **fields,
		       const char **by)
{
	if (!r->shares_tried && r->e != NULL && r->x != NULL) {
		r->shares_tried = true;
		r->shares = cli_shares_load(r->e, r->x, r->pol, ring);
	}
	uint8_t *obj = NULL;
	size_t n = 0;
	const uint8_t *key;
	int rc = PL_ENOKEY;
	if (r->shares == NULL || cli_sealed_bytes(st, &obj, &n, NULL) != PL_OK)
		return PL_ENOKEY;
	pl_seal_ctx sc = {.origin = st->log, .type = st->type, .author = st->author, .seq = st->seq};
	for (size_t k = 0; rc != PL_OK && (key = cli_shares_get(r->shares, index, k, by)) != NULL; k++) {
		pl_sealed_plain p;
		memset(&p, 0, sizeof p);
		pl_diag d = {0};
		if ((rc = pl_sealed_open_key(&sc, obj, n, key, &p, &d)) == PL_OK) {
			*fields = p.fields;
			p.fields = NULL;
		} else {
			/* the sharer's key does not open it as its commitment says: that share is worthless */
			cli_texts t = {0};
			fprintf(stderr, "parley: warning: the key %s shared for entry %llu does not open it: %s\n",
				cli_text(&t, *by), (unsigned long long)index, cli_text(&t, pl_diag_text(&d, rc)));
			cli_texts_release(&t);
			rc = PL_ENOKEY;
		}
		pl_sealed_plain_release(&p);
	}
	free(obj);
	return rc;
}

int cli_stmt_open(const pl_stmt *st, uint64_t index, cli_reader *r, json_t *v)
{
	if (!json_is_string(json_object_get(st->body, "sealed")))
		return 0;
	int ret = 0;
	pl_diag d = {0};
	json_t *fields = NULL;
	const pl_keyring *ring = reader_ring(r);
	const pl_party_key *key = ring != NULL ? ring->keys[0] : NULL;
	pl_sealed_fault fault = PL_SEALED_FAULT_NONE;
	int rc = ring != NULL ? cli_open_body(st, ring, NULL, &fields, &fault, &d) : PL_ENOKEY;
	if (rc == PL_ENOKEY && ring != NULL && reader_epochs(r, ring) != NULL) {
		d = (pl_diag){0}; /* sealed to the members' key? (TLP:GREEN) */
		rc = cli_open_body(st, ring, reader_epochs(r, ring), &fields, &fault, &d);
	}
	const char *shared_by = NULL;
	if (rc == PL_ENOKEY && ring != NULL && open_shared(r, ring, st, index, &fields, &shared_by) == PL_OK)
		rc = PL_OK; /* a key another reader shared */
	json_t *m = NULL;
	char why[PL_REFUSAL_MSG + 128];
	int rr = rc == PL_OK ? opened_rules(st, fields, why, sizeof why) : PL_OK;
	if (rr == PL_ENOMEM)
		snprintf(why, sizeof why, "out of memory checking its content rules");
	if (rc == PL_OK && rr != PL_OK) {
		m = json_pack("{s:s,s:s}", "state", "fault", "fault", why);
		ret = 2;
	} else if (rc == PL_OK) {
		const char *k;
		json_t *x;
		json_object_foreach(fields, k, x) json_object_set(v, k, x);
		m = shared_by != NULL ? json_pack("{s:s,s:s}", "state", "opened", "shared_by", shared_by)
				      : json_pack("{s:s}", "state", "opened");
	} else if (rc == PL_ENOKEY && key != NULL && names_reader(st, key->id.party)) {
		/* a reader, sealed to a key of its that was not given (from before a rotation) */
		m = json_pack("{s:s,s:s}", "state", "old_key", "note", d.msg);
		ret = 1;
	} else if (rc == PL_ENOKEY) {
		m = json_pack("{s:s}", "state", key != NULL ? "not_reader" : "no_key");
		ret = 1;
	} else {
		m = json_pack("{s:s,s:s}", "state", "fault", "fault",
			      rc == PL_EVERIFY ? cli_seal_fault_text(fault) : pl_diag_text(&d, rc));
		ret = 2;
	}
	json_decref(fields);
	json_object_set_new(v, "sealed", m);
	return ret;
}

int cli_entry_said(const pl_entries *e, const pl_policy *pol, uint64_t id, const char *const *types, const char *author,
		   cli_reader *r, json_t *v)
{
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_diag d = {0};
	int ret = -1;
	if (pl_entries_statement(e, pol, id, types, author, &env, &st, NULL, &d) == PL_OK) {
		ret = cli_stmt_open(&st, id, r, v);
		int t = pl_wf_type_of(st.type);
		for (const char *const *k = t >= 0 ? pl_wf_sealed_fields((pl_wf_type)t) : NULL;
		     !json_is_string(json_object_get(st.body, "sealed")) && k != NULL && *k != NULL; k++)
			if (json_object_get(st.body, *k) != NULL)
				json_object_set(v, *k, json_object_get(st.body, *k));
	}
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	return ret;
}

int cli_view_said(const cli_args *a, const char *dir, pl_index *x, const pl_policy *pol, json_t *v, uint64_t id,
		  const char *const *types, const char *const (*lists)[2], int *head, size_t *bad, pl_diag *d)
{
	pl_entries ents;
	memset(&ents, 0, sizeof ents);
	*bad = 0;
	int rc = pl_entries_open_dir(dir, x, &ents, d);
	cli_reader key = {.a = a, .e = &ents, .x = x, .pol = pol};
	if (rc == PL_OK) {
		*head = cli_entry_said(&ents, pol, id, types, json_string_value(json_object_get(v, "author")), &key, v);
		for (size_t l = 0; lists != NULL && lists[l][0] != NULL; l++) {
			size_t i;
			json_t *e;
			json_array_foreach(json_object_get(v, lists[l][0]), i, e)
			*bad += cli_entry_said(&ents, pol, (uint64_t)json_integer_value(json_object_get(e, lists[l][1])), types,
					       json_string_value(json_object_get(e, "author")), &key, e) < 0;
		}
	}
	pl_entries_close(&ents);
	cli_reader_release(&key);
	return rc;
}
