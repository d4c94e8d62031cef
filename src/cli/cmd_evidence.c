/* cmd_evidence.c - `parley evidence add|fetch` and `parley finding`: evidence
 * packages sealed to their recipients, uploaded as blobs and recorded in the
 * log; findings answering them (docs/evidence.md). */
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/sealing.h"
#include "cli/session.h"
#include "monitor/copy.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "base/walk.h"
#include "client/entries.h"
#include "evidence/package.h"
#include "evidence/reproduce.h"
#include "evidence/seal.h"
#include "statement/dsse.h"
#include "tlog/proof_file.h"
#include "workflow/vocab.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The recipients' identities, each proven from the log; the author is always one. */
static int recipients(const cli_call *call, cli_session *c, pl_identity *out, size_t *n, json_t *names, pl_diag *d)
{
	const cli_args *a = &call->args;
	*n = 0;
	out[(*n)++] = c->key->id;
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], "to") != 0)
			continue;
		const char *p = a->val[i];
		if (*n == PL_SEAL_RECIPIENTS_MAX)
			return pl_diag_set(d, PL_EINVAL, "at most %d recipients", PL_SEAL_RECIPIENTS_MAX - 1);
		if (strcmp(p, c->key->id.party) == 0)
			continue;
		int rc = cli_session_identity(call, c, p, &out[*n], d); /* from the verified copy, never the registry */
		if (rc != PL_OK)
			return rc;
		(*n)++;
		if (json_array_append_new(names, json_string(p)) != 0)
			return pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	return PL_OK;
}

/* Uploads every staged blob. */
static int upload(cli_session *c, const char *staging, const pl_packed *p, pl_diag *d)
{
	for (size_t i = 0; i < p->nblobs; i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", staging, p->blobs[i].name) >= (int)sizeof path)
			return pl_diag_set(d, PL_ETOOBIG, "path too long");
		int rc = pl_api_blob_put(c->api, c->key, c->pol.log.name, p->blobs[i].name, path, d);
		if (rc != PL_OK)
			return rc;
	}
	return PL_OK;
}

static void remove_staging(const char *staging, const pl_packed *p)
{
	for (size_t i = 0; i < p->nblobs; i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", staging, p->blobs[i].name) < (int)sizeof path)
			(void)unlink(path);
	}
	(void)rmdir(staging);
}

static json_t *blob_json(const uint8_t plain[PL_SHA256_SIZE], const char *name, bool sealed, uint64_t size)
{
	char hex[PL_SHA256_HEX_LEN + 1];
	pl_hex_encode(plain, PL_SHA256_SIZE, hex);
	json_t *b = json_pack("{s:s,s:I}", "sha256", hex, "size", (json_int_t)size);
	if (b != NULL && sealed)
		json_object_set_new(b, "sealed", json_string(name));
	return b;
}

int cmd_evidence_add(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t cs;
	const char *title = cli_get(a, "title"), *tlp = cli_get(a, "tlp");
	if (a->npos != 2 || !cli_u64(a->pos[0], &cs) || title == NULL || tlp == NULL)
		return cli_usage_call(call, "evidence add needs CASE, PACKAGE_DIR, --title and --tlp");
	if (pl_vocab_find(pl_tlp_labels, tlp) < 0)
		return cli_usage_call(call, "%s is not a TLP 2.0 label", tlp);
	bool clear = !pl_tlp_sealed(tlp);
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("evidence add", rc, &d);
	pl_identity *rec = calloc(PL_SEAL_RECIPIENTS_MAX, sizeof *rec);
	json_t *names = json_array();
	size_t n = 0;
	pl_packed p;
	memset(&p, 0, sizeof p);
	char staging[PATH_MAX];
	snprintf(staging, sizeof staging, "%s.parley-staging-%d", a->pos[1], (int)getpid());
	int status = 0;
	if (rec == NULL || names == NULL)
		rc = pl_diag_set(&d, PL_ENOMEM, "out of memory");
	if (rc == PL_OK)
		rc = recipients(call, &c, rec, &n, names, &d);
	if (rc == PL_OK && !clear && json_array_size(names) == 0)
		rc = pl_diag_set(&d, PL_EINVAL, "%s evidence goes to named recipients: give --to PARTY", tlp);
	if (rc == PL_OK) {
		if (cli_stderr_is_tty())
			fprintf(stderr, "sealing the package to %zu recipient%s ...\n", clear ? 0 : n, n == 1 ? "" : "s");
		rc = pl_package_pack(a->pos[1], rec, clear ? 0 : n, staging, &p, &d);
	}
	if (rc == PL_OK) {
		if (cli_stderr_is_tty())
			fprintf(stderr, "uploading %zu blob%s ...\n", p.nblobs, p.nblobs == 1 ? "" : "s");
		rc = upload(&c, staging, &p, &d);
	}
	if (rc == PL_OK) {
		json_t *body = json_pack("{s:I,s:s,s:s,s:o,s:I,s:I}", "case", (json_int_t)cs, "title", title, "tlp", tlp,
					 "index", blob_json(p.index_sha256, p.index_name, p.sealed, p.index_size),
					 "files", (json_int_t)p.files, "bytes", (json_int_t)p.bytes);
		if (body != NULL && json_array_size(names) > 0)
			json_object_set(body, "recipients", names);
		if (body != NULL && cli_get(a, "reproduce") != NULL)
			json_object_set_new(body, "reproduce", json_string(cli_get(a, "reproduce")));
		pl_ref ref;
		uint64_t index = 0;
		cli_sealer z;
		json_t *fields = NULL;
		if (body == NULL)
			rc = pl_diag_set(&d, PL_ENOMEM, "out of memory");
		else if (!clear && (rc = cli_describe_seal_prepare(call, PL_WF_EVIDENCE, c.key->id.party, cs, body, &z,
								   &fields, &d)) == PL_OK) {
			/* its title, what to reproduce, its counts and the index's digest: to its readers only */
			c.seal = cli_seal_body;
			c.seal_ctx = &z;
		}
		if (rc == PL_OK && (rc = cli_session_ref(call, &c, cs, &ref, &d)) == PL_OK) {
			status = cli_session_submit(&c, a, "evidence", body, &ref, 1, NULL, "evidence add", &index);
			if (status == 0 && !cli_has(a, "json"))
				printf("evidence %llu recorded in case %llu: %llu files, %llu bytes, %s%s\n",
				       (unsigned long long)index, (unsigned long long)cs, (unsigned long long)p.files,
				       (unsigned long long)p.bytes, tlp, p.sealed ? ", sealed to its recipients" : "");
		}
		c.seal = NULL;
		json_decref(fields);
		json_decref(body);
	}
	remove_staging(staging, &p);
	pl_packed_release(&p);
	json_decref(names);
	free(rec);
	cli_session_close(&c);
	if (rc != PL_OK)
		return cli_fail("evidence add", rc, &d);
	return status;
}

static int fetch_blob(void *ctx, const char *name, FILE *out, pl_diag *d)
{
	cli_session *c = ctx;
	return pl_api_blob_get(c->api, c->key, c->pol.log.name, name, out, NULL, d);
}

/* The keys to open with: --key, then each --old-key (keys the party had before a rotation). */
static int keyring(const cli_args *a, cli_session *c, pl_keyring *ring, pl_diag *d)
{
	ring->n = 0;
	ring->keys[ring->n++] = c->key;
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], "old-key") != 0)
			continue;
		if (ring->n == PL_KEYRING_MAX)
			return pl_diag_set(d, PL_EINVAL, "at most %d keys", PL_KEYRING_MAX - 1);
		pl_party_key *k = NULL;
		int rc = cli_load_party_key(a->val[i], a, &k, d);
		if (rc != PL_OK)
			return rc;
		ring->keys[ring->n++] = k;
		if (strcmp(k->id.party, c->key->id.party) != 0)
			return pl_diag_set(d, PL_EINVAL, "--old-key %s is %s's, not %s's", a->val[i], k->id.party,
					   c->key->id.party);
	}
	return PL_OK;
}

static void keyring_free(pl_keyring *ring)
{
	for (size_t i = 1; i < ring->n; i++) /* keys[0] is the client's */
		pl_party_key_free((pl_party_key *)(uintptr_t)ring->keys[i]);
	ring->n = 0;
}

/*
 * What the evidence or finding st (entry idx) says of itself into *out (json_decref it): its body, and
 * when it is sealed the opened fields merged in (a blob's digest and size joining its public name).
 * PL_ENOKEY when it does not open for the member's keys; PL_EVERIFY for the author's misbehaviour.
 */
static int described(cli_session *c, const pl_entries *e, const pl_stmt *st, uint64_t idx, cli_reader *r, json_t **out,
		     pl_diag *d)
{
	*out = json_deep_copy(st->body);
	if (*out == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	if (!json_is_string(json_object_get(st->body, "sealed")))
		return PL_OK;
	r->e = e;
	r->x = pl_copy_index(c->copy);
	r->pol = &c->pol;
	json_t *v = json_object();
	int got = v != NULL ? cli_stmt_open(st, idx, r, v) : -1;
	const char *state = json_string_value(json_object_get(json_object_get(v, "sealed"), "state"));
	int rc = PL_OK;
	if (got != 0 || state == NULL || strcmp(state, "opened") != 0) {
		const char *why = json_string_value(json_object_get(json_object_get(v, "sealed"), "fault"));
		if (got == 2)
			rc = pl_diag_set(d, PL_EVERIFY, "its sealed description does not open as it should: %s",
					 why ? why : "the author's misbehaviour");
		else if (state != NULL && strcmp(state, "old_key") == 0)
			rc = pl_diag_set(d, PL_ENOKEY, "entry %llu is sealed to an older key of yours (from before a rotation): "
					 "give that key with --old-key", (unsigned long long)idx);
		else
			rc = pl_diag_set(d, PL_ENOKEY, "entry %llu is sealed to its author and recipients, and none of your "
					 "keys is a reader's", (unsigned long long)idx);
	} else if (cli_merge_opened(*out, v) != PL_OK) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	}
	json_decref(v);
	return rc;
}

/* A finding's report into outdir/report.json, as its description (body, opened) records it. */
static int fetch_report(cli_session *c, const json_t *body, const pl_keyring *ring, const char *outdir, pl_diag *d)
{
	const json_t *r = json_object_get(body, "report");
	const char *hex = json_string_value(json_object_get(r, "sha256"));
	const char *sealed = json_string_value(json_object_get(r, "sealed"));
	uint8_t want[PL_SHA256_SIZE];
	if (hex == NULL || pl_hex_decode((const uint8_t *)hex, strlen(hex), want, PL_SHA256_SIZE) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "the finding's report is malformed");
	return pl_report_unpack(fetch_blob, c, sealed ? sealed : hex, want, sealed ? ring : NULL, outdir, d);
}

/* Prints v as one line of JSON and releases it. */
static void print_json(json_t *v)
{
	cli_print_json(v, JSON_COMPACT);
	json_decref(v);
}

int cmd_evidence_fetch(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t idx;
	const char *out = cli_get(a, "out");
	if (a->npos != 1 || !cli_u64(a->pos[0], &idx) || out == NULL)
		return cli_usage_call(call, "evidence fetch needs EVIDENCE (or FINDING) and --out DIR");
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("evidence fetch", rc, &d);
	pl_envelope env;
	pl_stmt st;
	memset(&env, 0, sizeof env);
	memset(&st, 0, sizeof st);
	pl_manifest m;
	memset(&m, 0, sizeof m);
	pl_keyring ring;
	memset(&ring, 0, sizeof ring);
	static const char *const types[] = {"evidence", "finding", NULL};
	pl_entries e;
	bool finding = false;
	json_t *said = NULL; /* the statement's description: its body, with what is sealed opened */
	cli_reader r = {.a = a};
	if ((rc = cli_session_entries(call, &c, &e, &d)) == PL_OK && (rc = keyring(a, &c, &ring, &d)) == PL_OK &&
	    (rc = pl_entries_statement(&e, &c.pol, idx, types, NULL, &env, &st, NULL, &d)) == PL_OK &&
	    (rc = described(&c, &e, &st, idx, &r, &said, &d)) == PL_OK) {
		finding = strcmp(st.type, "finding") == 0;
		const json_t *ix = json_object_get(said, "index");
		const char *hex = json_string_value(json_object_get(ix, "sha256"));
		const char *sealed = json_string_value(json_object_get(ix, "sealed"));
		uint8_t want[PL_SHA256_SIZE];
		if (finding)
			rc = fetch_report(&c, said, &ring, out, &d);
		else if (hex == NULL || pl_hex_decode((const uint8_t *)hex, strlen(hex), want, PL_SHA256_SIZE) != PL_OK)
			rc = pl_diag_set(&d, PL_EFORMAT, "the evidence statement's index is malformed");
		else
			rc = pl_package_unpack(fetch_blob, &c, sealed ? sealed : hex, want, sealed ? &ring : NULL, out, &m, &d);
	}
	cli_texts t = {0};
	if (rc == PL_OK && finding) {
		const char *result = json_string_value(json_object_get(said, "result"));
		json_int_t ev = json_integer_value(json_object_get(said, "evidence"));
		if (cli_has(a, "json"))
			print_json(json_pack("{s:I,s:I,s:s,s:s,s:s+}", "finding", (json_int_t)idx, "evidence", ev, "result",
					     result ? result : "", "out", out, "report", out, "/report.json"));
		else
			printf("finding %llu by %s on evidence %lld: %s\n  its report opened and checked into %s/report.json\n",
			       (unsigned long long)idx, cli_text(&t, st.author), (long long)ev, result ? cli_text(&t, result) : "?",
			       cli_text(&t, out));
	} else if (rc == PL_OK) {
		const char *title = json_string_value(json_object_get(said, "title"));
		if (cli_has(a, "json"))
			print_json(json_pack("{s:I,s:s,s:I,s:I,s:I}", "evidence", (json_int_t)idx, "out", out, "files",
					     (json_int_t)(m.nfiles + 1), "datasets", (json_int_t)m.ndatasets, "expected",
					     (json_int_t)m.nexpected));
		else
			printf("evidence %llu by %s: \"%s\"\n  %zu files opened and checked into %s (%zu datasets, %zu "
			       "expected hits)\n  next: parley reproduce %s --files YOUR_DATA... --pcap YOUR.pcap...\n",
			       (unsigned long long)idx, cli_text(&t, st.author), cli_text(&t, title ? title : m.title), m.nfiles + 1,
			       cli_text(&t, out), m.ndatasets, m.nexpected, cli_text(&t, out));
	}
	cli_texts_release(&t);
	json_decref(said);
	cli_reader_release(&r);
	pl_entries_close(&e);
	keyring_free(&ring);
	pl_manifest_release(&m);
	pl_stmt_release(&st);
	pl_envelope_release(&env);
	cli_session_close(&c);
	return rc == PL_OK ? 0 : cli_fail("evidence fetch", rc, &d);
}

/* ---- findings ---- */

/*
 * Records a finding on the evidence at entry ev (finding, and reproduce --sign): the report sealed
 * to the recipients (--to, and you) and uploaded, then the statement. A bad --result or --tlp is a
 * usage error of `parley finding`, whichever command was called.
 */
static int record_finding(const cli_call *call, uint64_t ev, const char *result, const char *summary,
			  const char *report, const char *tlp)
{
	const cli_args *a = &call->args;
	if (pl_vocab_find(pl_finding_results, result) < 0 || pl_vocab_find(pl_tlp_labels, tlp) < 0)
		return cli_usage_of(call->table, cli_table_find(call->table, "finding"), "unknown --result or --tlp");
	bool clear = !pl_tlp_sealed(tlp);
	pl_diag d = {0};
	cli_session c;
	int rc = cli_session_open(call, true, &c, &d);
	if (rc != PL_OK)
		return cli_fail("finding", rc, &d);
	pl_identity *rec = calloc(PL_SEAL_RECIPIENTS_MAX, sizeof *rec);
	json_t *names = json_array(), *body = NULL;
	size_t n = 0;
	int status = 0;
	char staged[PATH_MAX], name[PL_SHA256_HEX_LEN + 1];
	snprintf(staged, sizeof staged, "%s.parley-sealed-%d", report, (int)getpid());
	pl_seal_digest dg;
	if (rec == NULL || names == NULL)
		rc = pl_diag_set(&d, PL_ENOMEM, "out of memory");
	if (rc == PL_OK)
		rc = recipients(call, &c, rec, &n, names, &d);
	if (rc == PL_OK && !clear && json_array_size(names) == 0)
		rc = pl_diag_set(&d, PL_EINVAL, "a %s finding goes to named recipients: give --to PARTY", tlp);
	if (rc == PL_OK)
		rc = pl_report_seal(report, rec, clear ? 0 : n, staged, &dg, name, &d);
	if (rc == PL_OK)
		rc = pl_api_blob_put(c.api, c.key, c.pol.log.name, name, clear ? report : staged, &d);
	pl_ref ref;
	if (rc == PL_OK && (rc = cli_session_ref(call, &c, ev, &ref, &d)) == PL_OK) {
		body = json_pack("{s:I,s:s,s:s,s:s,s:o}", "evidence", (json_int_t)ev, "result", result, "summary", summary,
				 "tlp", tlp, "report", blob_json(dg.plain, name, !clear, dg.plain_size));
		if (body != NULL && json_array_size(names) > 0)
			json_object_set(body, "recipients", names);
		uint64_t index = 0;
		cli_sealer z;
		json_t *fields = NULL;
		if (body == NULL)
			rc = pl_diag_set(&d, PL_ENOMEM, "out of memory");
		else if (!clear && (rc = cli_describe_seal_prepare(call, PL_WF_FINDING, c.key->id.party, ev, body, &z, &fields,
								   &d)) == PL_OK) {
			/* the result (reproduced or not: an admission of compromise, or a refutation) to its readers only */
			c.seal = cli_seal_body;
			c.seal_ctx = &z;
		}
		if (rc == PL_OK &&
		    (status = cli_session_submit(&c, a, "finding", body, &ref, 1, NULL, "finding", &index)) == 0 &&
		    !cli_has(a, "json"))
			printf("finding %llu on evidence %llu: %s\n", (unsigned long long)index, (unsigned long long)ev, result);
		c.seal = NULL;
		json_decref(fields);
	}
	(void)unlink(staged);
	json_decref(body);
	json_decref(names);
	free(rec);
	cli_session_close(&c);
	if (rc != PL_OK)
		return cli_fail("finding", rc, &d);
	return status;
}

int cmd_finding(const cli_call *call)
{
	const cli_args *a = &call->args;
	uint64_t ev;
	if (a->npos != 1 || !cli_u64(a->pos[0], &ev) || !cli_get(a, "result") || !cli_get(a, "summary") ||
	    !cli_get(a, "report") || !cli_get(a, "tlp"))
		return cli_usage_call(call, "finding needs EVIDENCE, --result, --summary, --report and --tlp");
	return record_finding(call, ev, cli_get(a, "result"), cli_get(a, "summary"), cli_get(a, "report"),
			   cli_get(a, "tlp"));
}

/* ---- reproduce ---- */

static void print_report(const json_t *rep)
{
	cli_texts t = {0}; /* names, paths and errors come from the package and the data */
	printf("%s\n", cli_text(&t, json_string_value(json_object_get(rep, "summary"))));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rep, "datasets"), i, e)
	{
		const char *kind = json_string_value(json_object_get(e, "kind"));
		if (json_is_string(json_object_get(e, "error")))
			printf("  dataset %s: unreadable: %s\n", cli_text(&t, json_string_value(json_object_get(e, "name"))),
			       cli_text(&t, json_string_value(json_object_get(e, "error"))));
		else if (strcmp(kind, "pcap") == 0)
			printf("  capture %s: %lld packets, %lld bytes\n",
			       cli_text(&t, json_string_value(json_object_get(e, "name"))),
			       (long long)json_integer_value(json_object_get(e, "packets")),
			       (long long)json_integer_value(json_object_get(e, "bytes")));
		else
			printf("  files %s: %lld files, %lld bytes in %.2f s, %zu unreadable\n",
			       cli_text(&t, json_string_value(json_object_get(e, "name"))),
			       (long long)json_integer_value(json_object_get(e, "files")),
			       (long long)json_integer_value(json_object_get(e, "bytes")),
			       json_real_value(json_object_get(e, "seconds")), json_array_size(json_object_get(e, "errors")));
	}
	json_array_foreach(json_object_get(rep, "indicators"), i, e)
	{
		const char *st = json_string_value(json_object_get(e, "status"));
		const char *name = json_string_value(json_object_get(e, "name"));
		printf("  %-13s %s%s%s%s", st, cli_text(&t, json_string_value(json_object_get(e, "id"))), name ? " (" : "",
		       name ? cli_text(&t, name) : "", name ? ")" : "");
		if (strcmp(st, "matched") == 0)
			printf(": %lld hit%s\n", (long long)json_integer_value(json_object_get(e, "hits")),
			       json_integer_value(json_object_get(e, "hits")) == 1 ? "" : "s");
		else if (strcmp(st, "not_evaluated") == 0)
			printf(": %s\n", cli_text(&t, json_string_value(json_object_get(e, "why"))));
		else
			printf("\n");
	}
	json_array_foreach(json_object_get(rep, "rules"), i, e)
	printf("  %-13s rule %s (%s)%s%lld\n", json_integer_value(json_object_get(e, "hits")) ? "matched" : "not_matched",
	       cli_text(&t, json_string_value(json_object_get(e, "rule"))),
	       cli_text(&t, json_string_value(json_object_get(e, "file"))),
	       json_integer_value(json_object_get(e, "hits")) ? ": hits " : ", hits ",
	       (long long)json_integer_value(json_object_get(e, "hits")));
	size_t shown = 0;
	json_array_foreach(json_object_get(rep, "hits"), i, e)
	{
		if (shown++ == 25) {
			printf("  ... %zu hits in all (--json or --out for every one)\n", json_array_size(json_object_get(rep, "hits")));
			break;
		}
		const char *who = json_string_value(json_object_get(e, "rule"));
		if (json_object_get(e, "packet") != NULL)
			printf("  hit: packet %lld at %s, %s:%lld -> %s:%lld: %s\n",
			       (long long)json_integer_value(json_object_get(e, "packet")),
			       cli_text(&t, json_string_value(json_object_get(e, "time"))),
			       cli_text(&t, json_string_value(json_object_get(e, "src"))),
			       (long long)json_integer_value(json_object_get(e, "sport")),
			       cli_text(&t, json_string_value(json_object_get(e, "dst"))),
			       (long long)json_integer_value(json_object_get(e, "dport")),
			       cli_text(&t, json_string_value(json_object_get(e, "indicator"))));
		else {
			char off[32] = "";
			if (json_object_get(e, "offset") != NULL)
				snprintf(off, sizeof off, " @%lld", (long long)json_integer_value(json_object_get(e, "offset")));
			printf("  hit: %s/%s%s: %s %s\n", cli_text(&t, json_string_value(json_object_get(e, "dataset"))),
			       cli_text(&t, json_string_value(json_object_get(e, "path"))), off, who ? "rule" : "indicator",
			       cli_text(&t, who ? who : json_string_value(json_object_get(e, "indicator"))));
		}
	}
	const json_t *cc = json_object_get(rep, "check_claim");
	if (cc != NULL) {
		printf("claim check: %s (%lld expected, %lld found, %zu missing, %zu unexpected)\n",
		       json_is_true(json_object_get(cc, "exact")) ? "the hits are exactly the claimed ones" : "MISMATCH",
		       (long long)json_integer_value(json_object_get(cc, "expected")),
		       (long long)json_integer_value(json_object_get(cc, "found")),
		       json_array_size(json_object_get(cc, "missing")), json_array_size(json_object_get(cc, "unexpected")));
		json_array_foreach(json_object_get(cc, "missing"), i, e)
		{
			printf("  missing:    ");
			cli_print_json(e, JSON_COMPACT);
		}
		json_array_foreach(json_object_get(cc, "unexpected"), i, e)
		{
			printf("  unexpected: ");
			cli_print_json(e, JSON_COMPACT);
		}
	}
	cli_texts_release(&t);
}

/* The progress line of a scan, on a terminal only (evidence/scan.h). */
static void scan_progress(void *ctx, const pl_scan_progress *p)
{
	(void)ctx;
	double mb = (double)p->bytes_done / 1e6;
	fprintf(stderr, "\r  scanned %zu/%zu files, %.0f/%.0f MB (%.0f MB/s)%s", p->files_done, p->files, mb,
		(double)p->bytes / 1e6, p->seconds > 0 ? mb / p->seconds : 0.0, p->final ? "\n" : "   ");
}

int cmd_reproduce(const cli_call *call)
{
	const cli_args *a = &call->args;
	bool check = cli_has(a, "check-claim");
	bool data = cli_get(a, "files") != NULL || cli_get(a, "pcap") != NULL;
	uint64_t threads = 0, ev = 0;
	if (a->npos != 1 || check == data || (cli_get(a, "threads") && !cli_u64(cli_get(a, "threads"), &threads)) ||
	    (cli_get(a, "sign") && (!cli_u64(cli_get(a, "sign"), &ev) || cli_get(a, "tlp") == NULL || check)))
		return cli_usage_call(call, "reproduce needs PACKAGE_DIR and either data (--files, --pcap) or "
					    "--check-claim; --sign needs --tlp");
	pl_diag d = {0};
	pl_manifest m;
	pl_repro *r = NULL;
	json_t *rep = NULL;
	pl_repro_opts o = {.threads = (unsigned)threads,
			   .progress = cli_stderr_is_tty() && !cli_has(a, "json") ? scan_progress : NULL};
	int rc = pl_package_load(a->pos[0], &m, &d);
	if (rc == PL_OK)
		rc = pl_repro_open(a->pos[0], &m, &r, &d);
	for (size_t i = 0; rc == PL_OK && check && i < m.ndatasets; i++) {
		char path[PATH_MAX];
		if ((rc = pl_path_join(path, sizeof path, a->pos[0], m.datasets[i].where)) != PL_OK) {
			pl_diag_set(&d, rc, "the path of dataset %s is too long", m.datasets[i].name);
			break;
		}
		rc = m.datasets[i].kind == PL_DATASET_FILES ? pl_repro_files(r, m.datasets[i].name, path, &o, &d)
							    : pl_repro_pcap(r, m.datasets[i].name, path, &o, &d);
	}
	for (int i = 0; rc == PL_OK && i < a->nflags; i++) {
		if (strcmp(a->flag[i], "files") == 0)
			rc = pl_repro_files(r, a->val[i], a->val[i], &o, &d);
		else if (strcmp(a->flag[i], "pcap") == 0)
			rc = pl_repro_pcap(r, a->val[i], a->val[i], &o, &d);
	}
	const char *sighter = NULL;
	pl_party_key *k = NULL;
	if (rc == PL_OK && cli_opt(a, "key", "PARLEY_KEY") != NULL &&
	    cli_load_party_key(cli_opt(a, "key", "PARLEY_KEY"), a, &k, NULL) == PL_OK)
		sighter = k->id.party;
	if (rc == PL_OK)
		rc = pl_repro_report(r, check ? &m : NULL, sighter, &rep, &d);
	char tmp[PATH_MAX] = "";
	const char *out = cli_get(a, "out");
	if (rc == PL_OK && (out != NULL || ev > 0)) {
		char *text = json_dumps(rep, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		char t2[PATH_MAX + 8];
		if (out == NULL) {
			snprintf(tmp, sizeof tmp, "%s/parley-report-%d.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
				 (int)getpid());
			out = tmp;
		}
		snprintf(t2, sizeof t2, "%s.tmp", out);
		rc = text ? pl_fs_replace(out, t2, text, strlen(text), 0600, &d) : pl_diag_set(&d, PL_ENOMEM, "out of memory");
		free(text);
	}
	int status = 0;
	if (rc == PL_OK) {
		if (cli_has(a, "json")) {
			cli_print_json(rep, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		} else {
			print_report(rep);
		}
		const json_t *cc = json_object_get(rep, "check_claim");
		if (cc != NULL && !json_is_true(json_object_get(cc, "exact")))
			status = EXIT_VERIFY;
	}
	if (rc == PL_OK && ev > 0) {
		fflush(stdout);
		status = record_finding(call, ev, json_string_value(json_object_get(rep, "result")),
				     json_string_value(json_object_get(rep, "summary")), out, cli_get(a, "tlp"));
	}
	if (tmp[0])
		(void)unlink(tmp);
	pl_party_key_free(k);
	json_decref(rep);
	pl_repro_free(r);
	pl_manifest_release(&m);
	if (rc != PL_OK)
		return cli_fail("reproduce", rc, &d);
	return status;
}
