/*
 * stix_pattern.c - a compiled STIX pattern's life (stix.h): compiling checks
 * the text (size, UTF-8, no NUL byte), parses it (stix_parse.c) and decides
 * what Parley evaluates of it (stix_subset.c); freeing releases its arrays.
 */
#include "evidence/stix_internal.h"

#include "base/utf8.h"

#include <stdlib.h>

int pl_stix_pattern_compile(const char *text, size_t n, pl_stix_pattern **out, pl_diag *d)
{
	if (out == NULL || (text == NULL && n > 0))
		return pl_diag_set(d, PL_EINVAL, "pl_stix_pattern_compile: no text or no output");
	*out = NULL;
	if (n > PL_STIX_PATTERN_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "STIX pattern of %zu bytes is over the %d-byte limit", n,
				   PL_STIX_PATTERN_MAX);
	/* UTF-8 text without NUL bytes (strings in it are compared as C strings) */
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = pl_utf8_decode((const uint8_t *)text + i, n - i, &cp);
		if (k == 0)
			return pl_diag_set(d, PL_EFORMAT, "STIX pattern: invalid UTF-8 at offset %zu", i);
		if (cp == 0)
			return pl_diag_set(d, PL_EFORMAT, "STIX pattern: a NUL byte is not allowed at offset %zu", i);
		i += k;
	}
	pl_stix_pattern *p = calloc(1, sizeof *p);
	if (p == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory compiling a STIX pattern");
	stix_parser ps = {.s = text ? text : "", .n = n, .p = p, .d = d};
	int rc = stix_parse(&ps);
	if (rc != PL_OK)
		goto out;
	stix_subset_decide(p, ps.leaf_why);
	*out = p;
	p = NULL;
out:
	pl_stix_pattern_free(p);
	return rc;
}

void pl_stix_pattern_free(pl_stix_pattern *p)
{
	if (p == NULL)
		return;
	free(p->nodes);
	free(p->lits);
	free(p->arena);
	free(p);
}
