/*
 * types_impl.h - what the files checking workflow bodies share; private to
 * src/workflow/types*.c (callers use types.h). types.c holds the field
 * types of cases and requests; types_fields.c the field readers below; types_groups.c the
 * types of standing groups; types_sealed.c the sealed form.
 */
#ifndef PARLEY_WORKFLOW_TYPES_IMPL_H
#define PARLEY_WORKFLOW_TYPES_IMPL_H

#include "workflow/types.h"

#include <jansson.h>

/* Is b in clear (its sealed fields in the body, their rules checked by the server)? */
#define CLEAR(b) ((b)->seal == NULL)

/* The body's fields: in clear, exactly allowed and at least required; sealed, "sealed" beside the public
 * ones, the sealed ones not required (pl_wf_sealed_form made sure they are absent). body_invalid. */
int pl_wf_keys(const pl_wf_body *b, const json_t *body, const char *const *allowed, const char *const *required,
	       pl_refusal *v);

/* A string field of at most max bytes; required or optional (*out NULL when absent). body_invalid. */
int pl_wf_str(const json_t *o, const char *key, size_t max, bool required, const char **out, pl_refusal *v);

/* A value from a closed vocabulary list, its position in *out; code is the refusal when it is not one. */
int pl_wf_word(const json_t *o, const char *key, const char *const *list, pl_refusal_code code, int *out,
	       pl_refusal *v);

/* An index field that must also be listed in refs (body_invalid, ref_missing). */
int pl_wf_ref_field(const pl_stmt *s, const char *key, uint64_t *out, pl_refusal *v);

/* An optional time field strictly after the statement's time (date_past); 0 when absent. */
int pl_wf_later(const pl_stmt *s, const char *key, int64_t *out, pl_refusal *v);

/* A list of 1..max distinct party names, none the author (self_addressed), into b->parties. */
int pl_wf_party_list(const pl_stmt *s, const char *key, size_t max, pl_wf_body *b, pl_refusal *v);

/* The group types' bodies (types_groups.c). */
int pl_wf_parse_group(const pl_stmt *s, pl_wf_body *b, pl_refusal *v);

/* The session types' bodies, outcomes and endorsements included (types_sessions.c). */
int pl_wf_parse_session(const pl_stmt *s, pl_wf_body *b, pl_refusal *v);

/* "reasons" of at most 1024 bytes; required in clear when must (reasons_missing, saying why); sealed: a
 * content rule (types_groups.c). */
int pl_wf_reasons(const pl_stmt *s, const pl_wf_body *b, bool must, const char *why, pl_refusal *v);

#endif
