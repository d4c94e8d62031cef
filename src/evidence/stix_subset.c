/*
 * stix_subset.c - whether Parley evaluates a parsed STIX pattern: only
 * observation expressions joined by OR, no qualifiers, every comparison on a
 * property and with an operator Parley evaluates (stix_props.c records the
 * first that is not), and one object type per observation expression; with
 * the sentence naming the first construct outside that subset. Also what a
 * supported pattern needs to see (files or network, which digests) and the
 * public accessors that report all this (stix.h).
 */
#include "evidence/stix_internal.h"

#include <stdio.h>

static unsigned popcount(unsigned x)
{
	unsigned c = 0;
	for (; x; x &= x - 1)
		c++;
	return c;
}

/* First AND over different object types under comparison node k, or false. */
static bool mixed_and(const pl_stix_pattern *p, uint32_t k)
{
	const stix_node *nd = &p->nodes[k];
	if (nd->kind == N_TEST)
		return false;
	if (nd->kind == N_AND && popcount(nd->mask) > 1)
		return true;
	for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
		if (mixed_and(p, c))
			return true;
	return false;
}

/* Structural check of the observation tree; sets why on the first problem. */
static bool check_obs(pl_stix_pattern *p, uint32_t k)
{
	static const char *const qn[] = {"WITHIN", "REPEATS", "START ... STOP"};
	const stix_node *nd = &p->nodes[k];
	switch (nd->kind) {
	case N_FBY:
		snprintf(p->why, sizeof p->why, "the observation operator FOLLOWEDBY is not evaluated");
		return false;
	case N_OBS_AND:
		snprintf(p->why, sizeof p->why,
			 "the observation operator AND is not evaluated (only OR joins observation expressions)");
		return false;
	case N_QUAL:
		snprintf(p->why, sizeof p->why, "the qualifier %s is not evaluated", qn[nd->op]);
		return false;
	case N_OBS_OR:
		for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
			if (!check_obs(p, c))
				return false;
		return true;
	default:
		return true;
	}
}

/* Every observation expression is about files or about network objects, and
 * no AND joins comparisons on different object types; sets why on the first
 * that is not, and collects the scope. */
static bool check_types(pl_stix_pattern *p, uint32_t k)
{
	const stix_node *nd = &p->nodes[k];
	if (nd->kind == N_OBS_OR) {
		for (uint32_t c = nd->first; c != STIX_NONE; c = p->nodes[c].next)
			if (!check_types(p, c))
				return false;
		return true;
	}
	unsigned m = nd->mask;
	if ((m & M_FILE) && (m & ~(unsigned)M_FILE)) {
		snprintf(p->why, sizeof p->why,
			 "an observation expression mixes file properties with network properties");
		return false;
	}
	if (mixed_and(p, nd->first)) {
		snprintf(p->why, sizeof p->why,
			 "AND joins comparisons on different object types inside one observation expression");
		return false;
	}
	p->scope |= (m & M_FILE) ? PL_STIX_ON_FILES : PL_STIX_ON_NETWORK;
	return true;
}

/* The digests the comparisons read (PL_HASH_*). */
static void collect_hashes(pl_stix_pattern *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		const stix_node *nd = &p->nodes[i];
		if (nd->kind != N_TEST)
			continue;
		p->hashes |= nd->field == F_MD5 ? PL_HASH_MD5 : nd->field == F_SHA1 ? PL_HASH_SHA1
			   : nd->field == F_SHA256 ? PL_HASH_SHA256 : nd->field == F_SHA512 ? PL_HASH_SHA512 : 0;
	}
}

void stix_subset_decide(pl_stix_pattern *p, const char leaf_why[STIX_WHY_MAX])
{
	p->supported = check_obs(p, p->root);
	if (p->supported && leaf_why[0]) {
		memcpy(p->why, leaf_why, sizeof p->why);
		p->supported = false;
	}
	if (p->supported)
		p->supported = check_types(p, p->root);
	if (p->supported)
		collect_hashes(p);
	else
		p->scope = 0;
}

bool pl_stix_pattern_supported(const pl_stix_pattern *p, const char **why)
{
	if (why)
		*why = p->supported ? "" : p->why;
	return p->supported;
}

unsigned pl_stix_pattern_scope(const pl_stix_pattern *p)
{
	return p->supported ? p->scope : 0;
}

unsigned pl_stix_pattern_hashes(const pl_stix_pattern *p)
{
	return p->supported ? p->hashes : 0;
}
