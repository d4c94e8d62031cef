/* types.c - workflow statement bodies, checked on their own (types.h). */
#include "workflow/types_impl.h"

#include "base/codec.h"
#include "base/json.h"
#include "base/safetext.h"
#include "base/timefmt.h"
#include "statement/sealed.h"
#include "workflow/vocab.h"

#include <string.h>

/* A sealed request with every field at its cap, and about 256 bytes of JSON, fits one sealed body. */
_Static_assert(PL_WF_SEALED_TEXT_MAX + PL_WF_SEALED_DUE_REASON_MAX + PL_WF_SEALED_AUTHORITY_MAX +
			       PL_WF_SEALED_OFFENCE_MAX + PL_WF_SEALED_FACTS_MAX + PL_WF_SEALED_DATA_MAX +
			       PL_WF_SEALED_RELATIONSHIP_MAX + PL_WF_SEALED_CUSTODIAN_MAX + PL_WF_SEALED_NECESSITY_MAX +
			       256 <=
		       PL_SEALED_JSON_MAX,
	       "the sealed field caps exceed a sealed body");

static const char *const names[PL_WF_NTYPES] = {
	"ping", "pong", "norms.publish", "norms.subscribe", "norms.withdraw", "concern",
	"request", "ack", "response", "status", "withdraw", "close", "evidence", "finding",
	"group.propose", "group.answer", "group.leave", "group.dissolve",
	"session.propose", "session.answer", "session.reschedule", "session.cancel", "session.held",
	"session.outcome", "outcome.endorse",
};

int pl_wf_type_of(const char *name)
{
	for (int i = 0; i < PL_WF_NTYPES; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *pl_wf_type_name(pl_wf_type t)
{
	return (unsigned)t < PL_WF_NTYPES ? names[t] : "?";
}

static int set_hash(const json_t *o, char out[PL_NORM_HASH_HEX + 1], pl_refusal *v)
{
	int rc;
	const char *h;
	uint8_t raw[PL_SHA256_SIZE];
	if ((rc = pl_wf_str(o, "set", PL_NORM_HASH_HEX, true, &h, v)) != PL_OK)
		return rc;
	if (strlen(h) != PL_NORM_HASH_HEX ||
	    pl_hex_decode((const uint8_t *)h, PL_NORM_HASH_HEX, raw, PL_SHA256_SIZE) != PL_OK)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"set\" must be a norm set's hash: 64 lower-case hex digits");
	memcpy(out, h, PL_NORM_HASH_HEX + 1);
	return PL_OK;
}

static int parse_ping(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"to", "note", NULL};
	const char *note;
	if ((rc = pl_wf_keys(b, s->body, allowed, NULL, v)) != PL_OK || (rc = pl_wf_str(s->body, "note", 512, false, &note, v)) != PL_OK)
		return rc;
	if (json_object_get(s->body, "to") != NULL)
		return pl_wf_party_list(s, "to", PL_WF_PARTIES_MAX, b, v);
	return PL_OK;
}

static int parse_pong(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"ping", NULL};
	if ((rc = pl_wf_keys(b, s->body, allowed, allowed, v)) != PL_OK)
		return rc;
	return pl_wf_ref_field(s, "ping", &b->target, v);
}

static int parse_norms_ref(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"set", "reason", NULL};
	static const char *const required[] = {"set", NULL};
	const char *reason;
	if ((rc = pl_wf_keys(b, s->body, b->type == PL_WF_NORMS_WITHDRAW ? allowed : required, required, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "reason", 512, false, &reason, v)) != PL_OK)
		return rc;
	return set_hash(s->body, b->set, v);
}

static int parse_evidence(const json_t *ev, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"sha256", "name", "media_type", NULL};
	static const char *const required[] = {"sha256", NULL};
	if (!json_is_array(ev) || json_array_size(ev) > PL_WF_EVIDENCE_MAX)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"evidence\" must list at most %d items",
				 PL_WF_EVIDENCE_MAX);
	for (size_t i = 0; i < json_array_size(ev); i++) {
		const json_t *e = json_array_get(ev, i);
		const char *h, *x;
		uint8_t raw[PL_SHA256_SIZE];
		pl_diag d = {0};
		if (!json_is_object(e) || pl_json_keys(e, allowed, required, "an evidence item", &d) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "%s",
					 d.msg[0] ? d.msg : "each evidence item must be an object");
		if ((rc = pl_wf_str(e, "sha256", PL_SHA256_HEX_LEN, true, &h, v)) != PL_OK ||
		    (rc = pl_wf_str(e, "name", 255, false, &x, v)) != PL_OK ||
		    (rc = pl_wf_str(e, "media_type", 127, false, &x, v)) != PL_OK)
			return rc;
		if (strlen(h) != PL_SHA256_HEX_LEN ||
		    pl_hex_decode((const uint8_t *)h, PL_SHA256_HEX_LEN, raw, PL_SHA256_SIZE) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "an evidence item's \"sha256\" must be 64 hex digits");
	}
	return PL_OK;
}

const char *const pl_wf_concern_required[] = {"title", "class", "tlp", "summary", "recipients", NULL};

static int parse_concern(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"title", "class", "rsit_type", "tlp", "summary",
					      "recipients", "norms", "evidence", "group", NULL};
	const char *summary;
	int tlp;
	if ((rc = pl_wf_keys(b, s->body, allowed, pl_wf_concern_required, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "title", PL_WF_TITLE_MAX, CLEAR(b), &b->title, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "class", 64, CLEAR(b), &b->cls, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "rsit_type", 64, false, &b->rsit_type, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "summary", PL_WF_TEXT_MAX, CLEAR(b), &summary, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "tlp", pl_tlp_labels, PL_R_TLP_UNKNOWN, &tlp, v)) != PL_OK)
		return rc;
	b->tlp = pl_tlp_labels[tlp];
	if (!CLEAR(b) && tlp == PL_TLP_CLEAR)
		return pl_refuse(v, PL_R_SEALED_NOT_ALLOWED, "a TLP:CLEAR concern is in clear: no \"sealed\"");
	if (b->cls != NULL && !pl_rsit_class(b->cls))
		return pl_refuse(v, PL_R_RSIT_UNKNOWN, "\"%s\" is not an RSIT incident class", b->cls);
	if (b->rsit_type != NULL && !pl_rsit_type(b->cls, b->rsit_type))
		return pl_refuse(v, PL_R_RSIT_UNKNOWN, "\"%s\" is not an RSIT type of the class %s", b->rsit_type,
				 b->cls);
	if ((rc = pl_wf_party_list(s, "recipients", PL_WF_PARTIES_MAX, b, v)) != PL_OK)
		return rc;
	if (json_object_get(s->body, "group") != NULL) { /* raised in a standing group (public) */
		if ((rc = pl_wf_ref_field(s, "group", &b->group, v)) != PL_OK)
			return rc;
		b->has_group = true;
	}
	const json_t *norms = json_object_get(s->body, "norms");
	if (norms != NULL) {
		static const char *const nkeys[] = {"set", "ids", NULL};
		pl_diag d = {0};
		if (!json_is_object(norms) || pl_json_keys(norms, nkeys, nkeys, "\"norms\"", &d) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "%s",
					 d.msg[0] ? d.msg : "\"norms\" must be {\"set\": HASH, \"ids\": [...]}");
		if ((rc = set_hash(norms, b->set, v)) != PL_OK)
			return rc;
		const json_t *ids = json_object_get(norms, "ids");
		if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > PL_NORMS_MAX)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"norms\".\"ids\" must list 1 to %d norm ids",
					 PL_NORMS_MAX);
		for (size_t i = 0; i < json_array_size(ids); i++) {
			const char *id = json_string_value(json_array_get(ids, i));
			if (id == NULL || *id == '\0' || strlen(id) > PL_NORM_ID_MAX)
				return pl_refuse(v, PL_R_BODY_INVALID, "norm ids are strings of 1 to %d bytes",
						 PL_NORM_ID_MAX);
			for (size_t j = 0; j < i; j++)
				if (strcmp(id, b->norm_ids[j]) == 0)
					return pl_refuse(v, PL_R_BODY_INVALID, "the norm %s is invoked twice", id);
			b->norm_ids[b->nnorms++] = id;
		}
	}
	const json_t *ev = json_object_get(s->body, "evidence");
	return ev != NULL ? parse_evidence(ev, v) : PL_OK;
}

/* Budapest Convention art. 29(2) (a)-(f). */
static int parse_preservation(const json_t *p, pl_refusal *v)
{
	static const char *const fields[] = {"authority", "offence", "facts", "data", "relationship",
					     "custodian", "necessity", "mla_intent", NULL};
	pl_diag d = {0};
	if (!json_is_object(p) || pl_json_keys(p, fields, fields, "\"preservation\"", &d) != PL_OK)
		return pl_refuse(v, PL_R_PRESERVATION_FIELDS, "%s",
				 d.msg[0] ? d.msg : "\"preservation\" must be an object with the art. 29(2) fields");
	for (size_t i = 0; fields[i + 1] != NULL; i++) {
		const char *x;
		if (pl_json_str(p, fields[i], PL_WF_TEXT_MAX, &x, &d) != PL_OK)
			return pl_refuse(v, PL_R_PRESERVATION_FIELDS, "%s", d.msg);
	}
	if (!json_is_true(json_object_get(p, "mla_intent")))
		return pl_refuse(v, PL_R_PRESERVATION_FIELDS, 
				 "\"mla_intent\" must be true: a preservation request announces a mutual assistance "
				 "request (art. 29(2)(f))");
	return PL_OK;
}

static int parse_request(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"case", "kind", "to", "text", "due", "due_reason", "preservation", NULL};
	static const char *const required[] = {"case", "kind", "to", "text", NULL};
	const char *text, *reason;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "case", &b->target, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "kind", pl_request_kinds, PL_R_KIND_UNKNOWN, &b->kind, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "text", PL_WF_TEXT_MAX, CLEAR(b), &text, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "due_reason", 1024, false, &reason, v)) != PL_OK || (rc = pl_wf_later(s, "due", &b->due, v)) != PL_OK ||
	    (rc = pl_wf_party_list(s, "to", PL_WF_TO_MAX, b, v)) != PL_OK)
		return rc;
	if (!CLEAR(b))
		return PL_OK; /* due_reason and the art. 29(2) fields are sealed: content rules */
	if (b->due != 0 && reason == NULL)
		return pl_refuse(v, PL_R_DUE_REASON_MISSING, "a request that sets \"due\" gives the reason in \"due_reason\"");
	if (b->due == 0 && reason != NULL)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"due_reason\" without \"due\"");
	const json_t *p = json_object_get(s->body, "preservation");
	if (b->kind == PL_KIND_PRESERVATION) {
		if (p == NULL)
			return pl_refuse(v, PL_R_PRESERVATION_FIELDS, 
					 "a preservation request carries the art. 29(2) fields in \"preservation\"");
		return parse_preservation(p, v);
	}
	if (p != NULL)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"preservation\" belongs to preservation requests only");
	return PL_OK;
}

static int parse_ack(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"request", "note", NULL};
	static const char *const required[] = {"request", NULL};
	const char *note;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_str(s->body, "note", 1024, false, &note, v)) != PL_OK)
		return rc;
	return pl_wf_ref_field(s, "request", &b->target, v);
}

static int parse_response(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"request", "status", "reasons", "text", "until", "preserved_until",
					      "availability_warning", NULL};
	static const char *const required[] = {"request", "status", NULL};
	const char *reasons, *text, *warn;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "request", &b->target, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "status", pl_response_statuses, PL_R_STATUS_UNKNOWN, &b->kind, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "reasons", PL_WF_TEXT_MAX, false, &reasons, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "text", PL_WF_TEXT_MAX, false, &text, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "availability_warning", PL_WF_TEXT_MAX, false, &warn, v)) != PL_OK ||
	    (rc = pl_wf_later(s, "until", &b->until, v)) != PL_OK || (rc = pl_wf_later(s, "preserved_until", &b->preserved_until, v)) != PL_OK)
		return rc;
	if (CLEAR(b) && (b->kind == PL_RESP_POSTPONED || b->kind == PL_RESP_REFUSED) && reasons == NULL)
		return pl_refuse(v, PL_R_REASONS_MISSING, "a %s response must give its reasons",
				 pl_response_statuses[b->kind]);
	if (b->kind == PL_RESP_POSTPONED && b->until == 0)
		return pl_refuse(v, PL_R_UNTIL_MISSING, "a postponed response says until when in \"until\"");
	if (b->kind != PL_RESP_POSTPONED && b->until != 0)
		return pl_refuse(v, PL_R_BODY_INVALID, "\"until\" belongs to postponed responses only");
	if (b->preserved_until != 0) {
		if (b->kind != PL_RESP_GRANTED && b->kind != PL_RESP_PARTLY)
			return pl_refuse(v, PL_R_BODY_INVALID, "\"preserved_until\" confirms a granted preservation");
		if (b->preserved_until - s->time < PL_PRESERVE_MIN_SECONDS)
			return pl_refuse(v, PL_R_PRESERVATION_TOO_SHORT, 
					 "data must be preserved for at least 60 days (art. 29(7)); "
					 "\"preserved_until\" is %lld days away",
					 (long long)((b->preserved_until - s->time) / 86400));
	}
	return PL_OK;
}

static int parse_status(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"request", "kind", "text", NULL};
	static const char *const required[] = {"request", "kind", NULL};
	const char *text;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "request", &b->target, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "kind", pl_status_kinds, PL_R_KIND_UNKNOWN, &b->kind, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "text", PL_WF_TEXT_MAX, false, &text, v)) != PL_OK)
		return rc;
	if (CLEAR(b) && b->kind == PL_STATUS_UPDATE && text == NULL)
		return pl_refuse(v, PL_R_BODY_INVALID, "a status update says something in \"text\"");
	return PL_OK;
}

static int parse_withdraw(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"request", "reason", NULL};
	static const char *const required[] = {"request", NULL};
	const char *reason;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_str(s->body, "reason", 1024, false, &reason, v)) != PL_OK)
		return rc;
	return pl_wf_ref_field(s, "request", &b->target, v);
}

static int parse_close(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"case", "outcome", "text", NULL};
	static const char *const required[] = {"case", "outcome", NULL};
	const char *text;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "case", &b->target, v)) != PL_OK ||
	    (rc = pl_wf_word(s->body, "outcome", pl_case_outcomes, PL_R_OUTCOME_UNKNOWN, &b->kind, v)) != PL_OK ||
	    (rc = pl_wf_str(s->body, "text", PL_WF_TEXT_MAX, false, &text, v)) != PL_OK)
		return rc;
	return PL_OK;
}

/* A blob reference: {"sha256": HEX, "sealed": HEX?, "size": N}. */
static int parse_blob(const pl_wf_body *b, const json_t *body, const char *key, bool *sealed, pl_refusal *v)
{
	int rc;
	static const char *const keys[] = {"sha256", "sealed", "size", NULL};
	static const char *const req[] = {"sha256", "size", NULL};
	static const char *const only_sealed[] = {"sealed", NULL};
	const json_t *o = json_object_get(body, key);
	pl_diag d = {0};
	int64_t size;
	const char *h;
	uint8_t raw[PL_SHA256_SIZE];
	if (!CLEAR(b)) {
		/* a sealed statement: the blob's name public, its digest and size in the sealed fields */
		if (!json_is_object(o) || pl_json_keys(o, only_sealed, only_sealed, key, &d) != PL_OK)
			return pl_refuse(v, PL_R_SEALING_REQUIRED, "\"%s\" of a sealed statement is {\"sealed\": HEX} alone: "
					 "its \"sha256\" and \"size\" belong in \"sealed\"", key);
	} else if (!json_is_object(o) || pl_json_keys(o, keys, req, key, &d) != PL_OK ||
		   pl_json_int(o, "size", 0, INT64_MAX, &size, &d) != PL_OK) {
		return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" must be {\"sha256\", \"sealed\"?, \"size\"}%s%s", key,
				 d.msg[0] ? ": " : "", d.msg);
	}
	for (int i = CLEAR(b) ? 0 : 1; i < 2; i++) {
		if ((rc = pl_wf_str(o, i ? "sealed" : "sha256", PL_SHA256_HEX_LEN, i == 0, &h, v)) != PL_OK)
			return rc;
		if (h != NULL && (strlen(h) != PL_SHA256_HEX_LEN ||
				  pl_hex_decode((const uint8_t *)h, PL_SHA256_HEX_LEN, raw, PL_SHA256_SIZE) != PL_OK))
			return pl_refuse(v, PL_R_BODY_INVALID, "\"%s\" digests are 64 lower-case hex digits", key);
	}
	*sealed = json_object_get(o, "sealed") != NULL;
	return PL_OK;
}

/* TLP and recipients of sealed material: anything but TLP:CLEAR is for named recipients, sealed to them. */
static int parse_sharing(const pl_stmt *s, const char *blob, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	int tlp;
	if ((rc = pl_wf_word(s->body, "tlp", pl_tlp_labels, PL_R_TLP_UNKNOWN, &tlp, v)) != PL_OK ||
	    (rc = parse_blob(b, s->body, blob, &b->sealed, v)) != PL_OK)
		return rc;
	b->tlp = pl_tlp_labels[tlp];
	if ((rc = json_object_get(s->body, "recipients") != NULL && pl_wf_party_list(s, "recipients", PL_WF_PARTIES_MAX, b, v)) != PL_OK)
		return rc;
	if (tlp != PL_TLP_CLEAR && b->nparties == 0)
		return pl_refuse(v, PL_R_RECIPIENTS_MISSING, "%s material goes to named recipients (\"recipients\")", b->tlp);
	if (tlp != PL_TLP_CLEAR && !b->sealed)
		return pl_refuse(v, PL_R_ENCRYPTION_REQUIRED, 
				 "%s material must be sealed to its recipients (\"%s\".\"sealed\")", b->tlp, blob);
	if (b->sealed && b->nparties == 0)
		return pl_refuse(v, PL_R_RECIPIENTS_MISSING, "sealed material names its recipients");
	return PL_OK;
}

static int parse_evidence_stmt(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"case", "title", "tlp", "recipients", "index", "files", "bytes",
					      "reproduce", NULL};
	static const char *const required[] = {"case", "title", "tlp", "index", "files", "bytes", NULL};
	const char *text;
	int64_t n;
	pl_diag d = {0};
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "case", &b->target, v)) != PL_OK)
		return rc;
	b->title = "";
	if (CLEAR(b)) { /* sealed: title, reproduce, files and bytes are the readers' to check */
		if ((rc = pl_wf_str(s->body, "title", PL_WF_TITLE_MAX, true, &b->title, v)) != PL_OK ||
		    (rc = pl_wf_str(s->body, "reproduce", PL_WF_TEXT_MAX, false, &text, v)) != PL_OK)
			return rc;
		if (pl_json_int(s->body, "files", 1, 1000000, &n, &d) != PL_OK ||
		    pl_json_int(s->body, "bytes", 0, INT64_MAX, &n, &d) != PL_OK)
			return pl_refuse(v, PL_R_BODY_INVALID, "%s", d.msg);
	}
	return parse_sharing(s, "index", b, v);
}

static int parse_finding(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	static const char *const allowed[] = {"evidence", "result", "summary", "tlp", "recipients", "report", NULL};
	static const char *const required[] = {"evidence", "result", "summary", "tlp", "report", NULL};
	const char *text;
	if ((rc = pl_wf_keys(b, s->body, allowed, required, v)) != PL_OK || (rc = pl_wf_ref_field(s, "evidence", &b->target, v)) != PL_OK)
		return rc;
	b->kind = -1; /* sealed: the result is the readers' (docs/confidentiality.md, hard case 3) */
	if (CLEAR(b) && ((rc = pl_wf_word(s->body, "result", pl_finding_results, PL_R_RESULT_UNKNOWN, &b->kind, v)) != PL_OK ||
			 (rc = pl_wf_str(s->body, "summary", PL_WF_TEXT_MAX, true, &text, v)) != PL_OK))
		return rc;
	return parse_sharing(s, "report", b, v);
}

/* ---- the public one-line fields (an admission rule) ---- */

/* o[key], when it is a string, as a one-line field named what. */
static int one_line(const json_t *o, const char *key, const char *what, pl_refusal *v)
{
	const json_t *x = json_object_get(o, key);
	if (!json_is_string(x))
		return PL_OK; /* absent or not a string: the type's own rules answer for it */
	char name[96];
	snprintf(name, sizeof name, "%s\"%s\"", what, key);
	return pl_text_field_check(json_string_value(x), json_string_length(x), name, v);
}

/* Every string value of the object o (a contact, a norm), as one-line fields. */
static int all_one_line(const json_t *o, const char *what, pl_refusal *v)
{
	const char *k;
	const json_t *x;
	int rc = PL_OK;
	json_object_foreach((json_t *)(uintptr_t)o, k, x)
	{
		if (rc == PL_OK)
			rc = one_line(o, k, what, v);
	}
	return rc;
}

int pl_wf_lines_check(const pl_stmt *s, pl_refusal *v)
{
	const json_t *b = s->body, *x;
	size_t i;
	int rc = PL_OK;
	if (!json_is_object(b))
		return PL_OK;
	if (strcmp(s->type, "concern") == 0) {
		rc = one_line(b, "title", "", v);
		json_array_foreach(json_object_get(b, "evidence"), i, x)
		{
			if (rc == PL_OK && json_is_object(x) && (rc = one_line(x, "name", "an evidence item's ", v)) == PL_OK)
				rc = one_line(x, "media_type", "an evidence item's ", v);
		}
	} else if (strcmp(s->type, "evidence") == 0) {
		rc = one_line(b, "title", "", v);
	} else if (strcmp(s->type, "norms.publish") == 0) {
		rc = all_one_line(b, "the norm set's ", v);
		json_array_foreach(json_object_get(b, "norms"), i, x)
		{
			if (rc == PL_OK && json_is_object(x))
				rc = all_one_line(x, "a norm's ", v);
		}
	} else if (strcmp(s->type, "contact.update") == 0) {
		if (json_is_object(json_object_get(b, "contact")))
			rc = all_one_line(json_object_get(b, "contact"), "contact ", v);
	} else if (strcmp(s->type, "charter") == 0) {
		rc = one_line(b, "name", "the charter's ", v);
	}
	return rc;
}

int pl_wf_parse(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	memset(b, 0, sizeof *b);
	int t = pl_wf_type_of(s->type);
	if (t < 0)
		return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
	b->type = (pl_wf_type)t;
	if (!json_is_object(s->body))
		return pl_refuse(v, PL_R_BODY_INVALID, "the body must be an object");
	int rc = pl_wf_sealed_form(s, b, v);
	if (rc != PL_OK)
		return rc;
	switch (b->type) {
	case PL_WF_PING:
		return parse_ping(s, b, v);
	case PL_WF_PONG:
		return parse_pong(s, b, v);
	case PL_WF_NORMS_PUBLISH:
		return pl_norm_set_check(s->body, b->set, v);
	case PL_WF_NORMS_SUBSCRIBE:
	case PL_WF_NORMS_WITHDRAW:
		return parse_norms_ref(s, b, v);
	case PL_WF_CONCERN:
		return parse_concern(s, b, v);
	case PL_WF_REQUEST:
		return parse_request(s, b, v);
	case PL_WF_ACK:
		return parse_ack(s, b, v);
	case PL_WF_RESPONSE:
		return parse_response(s, b, v);
	case PL_WF_STATUS:
		return parse_status(s, b, v);
	case PL_WF_WITHDRAW:
		return parse_withdraw(s, b, v);
	case PL_WF_CLOSE:
		return parse_close(s, b, v);
	case PL_WF_EVIDENCE:
		return parse_evidence_stmt(s, b, v);
	case PL_WF_FINDING:
		return parse_finding(s, b, v);
	case PL_WF_GROUP_PROPOSE:
	case PL_WF_GROUP_ANSWER:
	case PL_WF_GROUP_LEAVE:
	case PL_WF_GROUP_DISSOLVE:
		return pl_wf_parse_group(s, b, v);
	case PL_WF_SESSION_PROPOSE:
	case PL_WF_SESSION_ANSWER:
	case PL_WF_SESSION_RESCHEDULE:
	case PL_WF_SESSION_CANCEL:
	case PL_WF_SESSION_HELD:
	case PL_WF_SESSION_OUTCOME:
	case PL_WF_OUTCOME_ENDORSE:
		return pl_wf_parse_session(s, b, v);
	case PL_WF_NTYPES:
		break;
	}
	return pl_refuse(v, PL_R_TYPE_UNKNOWN, "unknown statement type \"%s\"", s->type);
}
