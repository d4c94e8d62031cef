/* disclosure_file.c - the framing of disclosure and proof files (disclosure.h), and what the parts
 * share: the sealed object a statement carries, the identity a key entry names. */
#include "client/disclosure.h"

#include "base/codec.h"
#include "base/cursor.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The parts in their order; the reader part and the thread parts are optional (a second thread part
 * only after a first). */
static const struct {
	const char *name, *prefix;
	size_t cap;
	bool optional;
} PARTS[] = {
	{"statement", "statement ", PL_DFILE_PART_MAX, false},
	{"author", "author ", PL_DFILE_PART_MAX, false},
	{"reader", "reader ", PL_DFILE_PART_MAX, true},
	{"thread", "thread ", PL_DFILE_PART_MAX, true},
	{"thread", "thread ", PL_DFILE_PART_MAX, true},
	{"block", "block ", PL_DISCLOSURE_MAX, false},
};
_Static_assert(PL_DFILE_THREAD_MAX == 2, "a PARTS entry per thread part");
#define NPARTS (sizeof PARTS / sizeof PARTS[0])

static pl_span *part_of(pl_dfile *f, size_t i)
{
	pl_span *s[NPARTS] = {&f->statement, &f->author, &f->reader, &f->thread[0], &f->thread[1], &f->block};
	return s[i];
}

/* Whether the next line of c starts with prefix. */
static bool next_is(const pl_cursor *c, const char *prefix)
{
	pl_cursor peek = *c;
	pl_span line, rest;
	return pl_cursor_line(&peek, &line) == PL_OK && pl_span_cut_prefix(line, prefix, &rest);
}

/* One part: its "NAME N" line (N canonical decimal, 1..cap) and its N bytes, into *out; c past them. */
static int one_part(pl_cursor *c, const char *name, size_t cap, pl_span *out, pl_diag *d)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "%s ", name);
	pl_cursor peek = *c;
	pl_span line, rest;
	if (pl_cursor_line(&peek, &line) != PL_OK || !pl_span_cut_prefix(line, prefix, &rest))
		return pl_diag_set(d, PL_EFORMAT, "a \"%s N\" line was expected", name);
	uint64_t len = 0;
	int rc = pl_dec_parse(rest.p, rest.n, cap, &len);
	if (rc == PL_ERANGE)
		return pl_diag_set(d, PL_ETOOBIG, "the %s part takes at most %zu bytes", name, cap);
	if (rc != PL_OK || len == 0)
		return pl_diag_set(d, PL_EFORMAT, "the %s part's length is not a canonical decimal of 1 or more", name);
	if (len > peek.n)
		return pl_diag_set(d, PL_EFORMAT, "the %s part runs past the end of the file", name);
	*out = (pl_span){peek.p, (size_t)len};
	c->p = peek.p + len;
	c->n = peek.n - (size_t)len;
	return PL_OK;
}

int pl_dfile_parse(const uint8_t *p, size_t n, pl_dfile *f, pl_diag *d)
{
	memset(f, 0, sizeof *f);
	if (n > PL_DFILE_MAX)
		return pl_diag_set(d, PL_ETOOBIG, "a disclosure file takes at most %zu bytes", (size_t)PL_DFILE_MAX);
	pl_cursor c = pl_cursor_of((pl_span){p, n});
	pl_span line;
	if (pl_cursor_line(&c, &line) != PL_OK || line.n != strlen(PL_DFILE_MAGIC) ||
	    memcmp(line.p, PL_DFILE_MAGIC, line.n) != 0)
		return pl_diag_set(d, PL_EFORMAT, "not a disclosure file (no \"%s\" line)", PL_DFILE_MAGIC);
	for (size_t i = 0; i < NPARTS; i++) {
		if (part_of(f, i) == &f->block) {
			/* the endorsement pairs of an outcome, before the block */
			while (f->nendorse < PL_DFILE_ENDORSE_MAX && next_is(&c, "endorsement ")) {
				int rc = one_part(&c, "endorsement", PL_DFILE_PART_MAX, &f->endorsement[f->nendorse], d);
				if (rc == PL_OK && !next_is(&c, "endorser "))
					rc = pl_diag_set(d, PL_EFORMAT, "an \"endorser N\" line was expected after an endorsement");
				if (rc == PL_OK)
					rc = one_part(&c, "endorser", PL_DFILE_PART_MAX, &f->endorser[f->nendorse], d);
				if (rc != PL_OK)
					return rc;
				f->nendorse++;
			}
		}
		if (PARTS[i].optional && !next_is(&c, PARTS[i].prefix))
			continue;
		if (!next_is(&c, PARTS[i].prefix))
			return pl_diag_set(d, PL_EFORMAT, "a \"%s N\" line was expected", PARTS[i].name);
		int rc = one_part(&c, PARTS[i].name, PARTS[i].cap, part_of(f, i), d);
		if (rc != PL_OK)
			return rc;
	}
	if (!pl_cursor_done(&c))
		return pl_diag_set(d, PL_EFORMAT, "%zu bytes follow the block", c.n);
	return PL_OK;
}

int pl_dfile_write(const pl_dfile *f, pl_buf *out)
{
	pl_dfile g = *f;
	size_t start = out->len;
	int rc = pl_buf_puts(out, PL_DFILE_MAGIC "\n");
	for (size_t i = 0; rc == PL_OK && i < NPARTS; i++) {
		const pl_span *s = part_of(&g, i);
		for (size_t k = 0; s == &g.block && rc == PL_OK && k < g.nendorse && k < PL_DFILE_ENDORSE_MAX; k++) {
			const pl_span *e = &g.endorsement[k], *r = &g.endorser[k];
			if (e->n == 0 || r->n == 0 || e->n > PL_DFILE_PART_MAX || r->n > PL_DFILE_PART_MAX) {
				rc = PL_EINVAL;
				break;
			}
			if ((rc = pl_buf_printf(out, "endorsement %zu\n", e->n)) == PL_OK &&
			    (rc = pl_buf_append(out, e->p, e->n)) == PL_OK && (rc = pl_buf_printf(out, "endorser %zu\n", r->n)) == PL_OK)
				rc = pl_buf_append(out, r->p, r->n);
		}
		if (rc != PL_OK)
			break;
		if (s->n == 0 && PARTS[i].optional)
			continue;
		if (s == &g.thread[1] && g.thread[0].n == 0) {
			rc = PL_EINVAL;
			break;
		}
		if (s->n == 0 || s->n > PARTS[i].cap) {
			rc = PL_EINVAL;
			break;
		}
		if ((rc = pl_buf_printf(out, "%s %zu\n", PARTS[i].name, s->n)) == PL_OK)
			rc = pl_buf_append(out, s->p, s->n);
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

const char *pl_dfile_thread_link(const char *type, const char **target_type)
{
	static const struct {
		const char *type, *link, *target;
	} L[] = {
		{"request", "case", "concern"},   {"close", "case", "concern"},       {"evidence", "case", "concern"},
		{"ack", "request", "request"},    {"response", "request", "request"}, {"status", "request", "request"},
		{"withdraw", "request", "request"}, {"finding", "evidence", "evidence"},
		{"group.answer", "group", "group.propose"}, {"group.leave", "group", "group.propose"},
		{"group.dissolve", "group", "group.propose"}, {"session.answer", "session", "session.propose"},
		{"session.reschedule", "session", "session.propose"}, {"session.cancel", "session", "session.propose"},
		{"session.held", "session", "session.propose"}, {"session.outcome", "session", "session.propose"},
		{"outcome.endorse", "outcome", "session.outcome"},
	};
	for (size_t i = 0; i < sizeof L / sizeof L[0]; i++)
		if (strcmp(type, L[i].type) == 0) {
			*target_type = L[i].target;
			return L[i].link;
		}
	*target_type = NULL;
	return NULL;
}

int pl_dfile_sealed_of(const pl_stmt *st, pl_buf *out, pl_diag *d)
{
	const json_t *v = json_object_get(st->body, "sealed");
	if (!json_is_string(v))
		return pl_diag_set(d, PL_ENOTFOUND, "the %s is in clear: anyone can read it, it carries no sealed body",
				   st->type);
	size_t tn = json_string_length(v), n = 0;
	if (tn > pl_b64_len(PL_SEALED_OBJECT_MAX))
		return pl_diag_set(d, PL_EFORMAT, "the sealed part is longer than any sealed body");
	pl_buf_reset(out);
	if (pl_buf_reserve(out, PL_SEALED_OBJECT_MAX) != PL_OK)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	if (pl_b64_decode((const uint8_t *)json_string_value(v), tn, out->data, PL_SEALED_OBJECT_MAX, &n) != PL_OK)
		return pl_diag_set(d, PL_EFORMAT, "the sealed part is not canonical base64");
	out->len = n;
	return PL_OK;
}

int pl_dfile_identity_in(const pl_stmt *st, const char *party, pl_identity *out)
{
	const json_t *body = st->body;
	if (strcmp(st->type, "charter") == 0) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(body, "founders"), i, f)
		{
			const char *name = json_string_value(json_object_get(f, "party"));
			if (name != NULL && strcmp(name, party) == 0) {
				int rc = pl_identity_from_json(f, out, NULL);
				return rc == PL_OK || rc == PL_ENOMEM ? rc : PL_ENOTFOUND;
			}
		}
		return PL_ENOTFOUND;
	}
	if (strcmp(st->type, "enroll") != 0 && strcmp(st->type, "key.rotate") != 0)
		return PL_ENOTFOUND;
	int rc = pl_identity_from_json(json_object_get(body, "identity"), out, NULL);
	if (rc == PL_ENOMEM)
		return rc;
	return rc == PL_OK && strcmp(out->party, party) == 0 ? PL_OK : PL_ENOTFOUND;
}
