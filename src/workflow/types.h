/*
 * types.h - the workflow statement types and their bodies (docs/statements.md).
 *
 * pl_workflow_check is a pl_type_fn: the admission step calls it for every
 * type the membership layer does not own. Communication checks:
 *   ping {"to": [PARTY...]?, "note": S?}      anyone may ping; "to" names who should answer
 *   pong {"ping": INDEX}                       answers a ping; INDEX must be in refs
 */
#ifndef PARLEY_WORKFLOW_TYPES_H
#define PARLEY_WORKFLOW_TYPES_H

#include "statement/members.h"

/* A pl_type_fn (ctx unused). */
int pl_workflow_check(void *ctx, const pl_members *m, const pl_submission *s, pl_verdict *v);

#endif
