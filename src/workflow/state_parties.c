/* state_parties.c - the parties of the workflow state: names interned into
 * numbers (pl_pid), found through an open-addressing index by name. */
#include "workflow/state_impl.h"

#include <stdio.h>
#include <string.h>

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int pl_wf_find_party(const pl_wf *w, const char *name)
{
	if (w->nslots == 0)
		return -1;
	for (size_t i = name_hash(name) & (w->nslots - 1);; i = (i + 1) & (w->nslots - 1)) {
		uint32_t s = w->slots[i];
		if (s == 0)
			return -1;
		if (strcmp(w->parties[s - 1].name, name) == 0)
			return (int)(s - 1);
	}
}

static int rehash(pl_wf *w, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof *s);
	if (s == NULL)
		return PL_ENOMEM;
	for (size_t p = 0; p < w->nparties; p++) {
		size_t i = name_hash(w->parties[p].name) & (nslots - 1);
		while (s[i] != 0)
			i = (i + 1) & (nslots - 1);
		s[i] = (uint32_t)(p + 1);
	}
	free(w->slots);
	w->slots = s;
	w->nslots = nslots;
	return PL_OK;
}

/* The number of party name, added if new; -1 when out of memory. */
int pl_wf_intern(pl_wf *w, const char *name)
{
	int p = pl_wf_find_party(w, name);
	if (p >= 0)
		return p;
	if (pl_array_grow((void **)&w->parties, &w->capparties, w->nparties, sizeof *w->parties) != PL_OK)
		return -1;
	pl_wf_party *e = &w->parties[w->nparties++];
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	if (2 * w->nparties > w->nslots) {
		if (rehash(w, w->nslots ? w->nslots * 2 : 64) != PL_OK) {
			w->nparties--;
			return -1;
		}
	} else {
		size_t i = name_hash(name) & (w->nslots - 1);
		while (w->slots[i] != 0)
			i = (i + 1) & (w->nslots - 1);
		w->slots[i] = (uint32_t)w->nparties;
	}
	return (int)(w->nparties - 1);
}

int pl_wf_index_parties(pl_wf *w)
{
	if (w->nparties == 0)
		return PL_OK;
	size_t n = 64;
	while (2 * w->nparties > n)
		n *= 2;
	int rc = rehash(w, n);
	for (size_t p = 0; rc == PL_OK && p < w->nparties; p++)
		if (pl_wf_find_party(w, w->parties[p].name) != (int)p)
			rc = PL_EFORMAT; /* a name twice */
	return rc;
}

const char *pl_wf_party_name(const pl_wf *w, pl_pid p)
{
	return p < w->nparties ? w->parties[p].name : "?";
}
