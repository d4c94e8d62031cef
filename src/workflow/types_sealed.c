/* types_sealed.c - the sealed form of workflow statements, checked on its own
 * (types.h: pl_wf_sealed_fields, pl_wf_sealed_head; the form check of
 * pl_wf_parse). docs/confidentiality.md, section 1, is the table. */
#include "workflow/types.h"

#include "base/codec.h"
#include "statement/sealed.h"

#include <stdlib.h>
#include <string.h>

static const char *const concern[] = {"title", "summary", "class", "rsit_type", "norms", "evidence", NULL};
static const char *const request[] = {"text", "due_reason", "preservation", NULL};
static const char *const ack[] = {"note", NULL};
static const char *const response[] = {"reasons", "text", "availability_warning", NULL};
static const char *const status[] = {"text", NULL};
static const char *const withdraw[] = {"reason", NULL};
static const char *const close_[] = {"text", NULL};
/* evidence and finding: their top-level sealed fields; "index" and "report" keep "sealed" (the blob's
 * name) public and seal "sha256" and "size": in the sealed fields, "index" / "report" is
 * {"sha256", "size"} (types.c: parse_blob; docs/confidentiality.md, section 1) */
static const char *const evidence[] = {"title", "reproduce", "files", "bytes", NULL};
static const char *const finding[] = {"result", "summary", NULL};
static const char *const group_propose[] = {"name", "mandate", "cadence", "experts", "due_reason", NULL};
static const char *const group_answer[] = {"reasons", "experts", NULL};
static const char *const group_reasons[] = {"reasons", NULL};
static const char *const session_propose[] = {"agenda", "format", "place", "due_reason", NULL};
static const char *const session_note[] = {"note", NULL};
static const char *const session_outcome[] = {"text", NULL};

static const char *const *const SEALED[PL_WF_NTYPES] = {
	[PL_WF_CONCERN] = concern, [PL_WF_REQUEST] = request, [PL_WF_ACK] = ack,
	[PL_WF_RESPONSE] = response, [PL_WF_STATUS] = status, [PL_WF_WITHDRAW] = withdraw,
	[PL_WF_CLOSE] = close_, [PL_WF_EVIDENCE] = evidence, [PL_WF_FINDING] = finding,
	[PL_WF_GROUP_PROPOSE] = group_propose, [PL_WF_GROUP_ANSWER] = group_answer,
	[PL_WF_GROUP_LEAVE] = group_reasons, [PL_WF_GROUP_DISSOLVE] = group_reasons,
	[PL_WF_SESSION_PROPOSE] = session_propose, [PL_WF_SESSION_ANSWER] = group_reasons,
	[PL_WF_SESSION_RESCHEDULE] = group_reasons, [PL_WF_SESSION_CANCEL] = group_reasons,
	[PL_WF_SESSION_HELD] = session_note, [PL_WF_SESSION_OUTCOME] = session_outcome,
	[PL_WF_OUTCOME_ENDORSE] = session_note,
};

const char *const *pl_wf_sealed_fields(pl_wf_type t)
{
	return (unsigned)t < PL_WF_NTYPES ? SEALED[t] : NULL;
}

bool pl_wf_field_sealed(pl_wf_type t, const char *key)
{
	const char *const *f = pl_wf_sealed_fields(t);
	for (size_t i = 0; f != NULL && f[i] != NULL; i++)
		if (strcmp(f[i], key) == 0)
			return true;
	return false;
}

int pl_wf_sealed_head(const pl_wf_body *b, pl_seal_head *h, pl_refusal *v)
{
	if (b->seal == NULL)
		return pl_refuse(v, PL_R_SEALED_MALFORMED, "the statement is not sealed");
	return pl_sealed_head_b64(b->seal, b->seal_len, h, v);
}

int pl_wf_sealed_form(const pl_stmt *s, pl_wf_body *b, pl_refusal *v)
{
	int rc;
	const json_t *x = json_object_get(s->body, "sealed");
	if (x == NULL)
		return PL_OK;
	const char *const *f = pl_wf_sealed_fields(b->type);
	if (f == NULL)
		return pl_refuse(v, PL_R_SEALED_NOT_ALLOWED, "a %s is never sealed", s->type);
	for (size_t i = 0; f[i] != NULL; i++)
		if (json_object_get(s->body, f[i]) != NULL)
			return pl_refuse(v, PL_R_SEALING_REQUIRED, "\"%s\" of a sealed %s belongs in \"sealed\", never in clear",
					 f[i], s->type);
	if (!json_is_string(x))
		return pl_refuse(v, PL_R_SEALED_MALFORMED, "\"sealed\" must be a base64 string");
	b->seal = json_string_value(x);
	b->seal_len = json_string_length(x);
	pl_seal_head *h = malloc(sizeof *h);
	if (h == NULL)
		return PL_ENOMEM;
	rc = pl_wf_sealed_head(b, h, v);
	free(h);
	return rc;
}
