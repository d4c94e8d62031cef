/*
 * genesis.h - creating a Parley log: the empty log and its charter as entry 0,
 * checked exactly as the server's admission would check it.
 */
#ifndef PARLEY_WORKFLOW_GENESIS_H
#define PARLEY_WORKFLOW_GENESIS_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "statement/members.h"
#include "statement/party.h"

/*
 * Creates the log in dir named origin and appends the charter: the founders
 * are signer's party and others[0..n), the rules those of c (c->name may be
 * ""). The charter is signed by signer and dated c->time (0: now; an
 * earlier time is for logs built for tests and benchmarks, since nothing in a
 * log may be dated before its charter). When norms is not NULL (a norm set
 * body, norms.h), entry 1 publishes it, signed by signer too. Nothing is
 * created if an entry would be refused (PL_EINVAL with the reason in d).
 * A log of size 0 with this origin already in dir (an init interrupted
 * before its charter) is completed; any other log there is PL_EEXIST.
 */
int pl_setup_log(const char *dir, const char *origin, const pl_party_key *signer, const pl_identity *others, size_t n,
		 const pl_charter *c, const json_t *norms, pl_diag *d) __attribute__((warn_unused_result));

#endif
