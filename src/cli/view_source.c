/* view_source.c - where a command's views come from, and the small readers of a view's JSON
 * (view_source.h). */
#include "cli/view_source.h"

#include "base/codec.h"
#include "base/timefmt.h"
#include "monitor/copy.h"
#include "store/logdir.h"
#include "workflow/norms.h"

#include <stdio.h>
#include <string.h>


/* Says on stderr that the log holds entries the rules refuse (they have no effect on any view). */
void cli_note_refused(pl_index *x, const char *cmd)
{
	pl_replay_refused first;
	size_t n = 0;
	if (pl_index_refusals(x, &first, 1, &n, NULL) != PL_OK || n == 0)
		return;
	cli_texts tx = {0};
	fprintf(stderr,
		"parley %s: note: %zu entr%s of this log break%s the rules and %s no effect (entry %llu: %s: %s)\n", cmd,
		n, n == 1 ? "y" : "ies", n == 1 ? "s" : "", n == 1 ? "has" : "have", (unsigned long long)first.index,
		pl_refusal_name(first.why.code), cli_text(&tx, first.why.msg));
	cli_texts_release(&tx);
}

int cli_source_open(const cli_call *call, cli_source *s, pl_diag *d)
{
	const cli_args *a = &call->args;
	memset(s, 0, sizeof *s);
	int rc;
	const char *dir = cli_get(a, "log");
	if (dir != NULL) {
		s->dir = dir;
		pl_verifier vk;
		if ((rc = pl_index_open_dir(dir, &s->own, d)) != PL_OK || (rc = pl_logdir_read_vkey(dir, &vk, d)) != PL_OK)
			return rc;
		pl_policy_init(&s->pol, &vk);
		if ((rc = cli_policy_member(a, &s->pol, d)) != PL_OK)
			return rc;
		s->x = s->own;
	} else {
		pl_copy *copy = NULL;
		if ((rc = cli_session_open(call, false, &s->c, d)) != PL_OK)
			return rc;
		s->session = true;
		if ((rc = cli_session_copy(call, &s->c, &copy, d)) != PL_OK)
			return rc;
		s->x = pl_copy_index(copy);
		s->dir = pl_copy_dir(copy);
		s->pol = s->c.pol;
	}
	cli_note_refused(s->x, call->cmd->name);
	s->view = s->x;
	const char *now = cli_get(a, "now");
	int64_t t;
	if (now != NULL && pl_time_parse(now, strlen(now), &t) == PL_OK) {
		/* as the log stood then: only what was said up to that time */
		pl_source *src = NULL;
		uint64_t upto;
		if ((rc = pl_source_open_dir(s->dir, &src, d)) == PL_OK)
			rc = pl_index_as_of(s->x, src, pl_index_size(s->x), t, true, &s->as_of, &upto, d);
		pl_source_free(src);
		if (rc != PL_OK)
			return rc;
		s->view = s->as_of;
	}
	return PL_OK;
}

void cli_source_close(cli_source *s)
{
	pl_index_close(s->as_of);
	pl_index_close(s->own);
	if (s->session)
		cli_session_close(&s->c);
}

bool cli_page_flags(const cli_args *a, pl_page *pg, int64_t *now)
{
	memset(pg, 0, sizeof *pg);
	*now = pl_now();
	const char *v;
	if ((v = cli_get(a, "limit")) && (!cli_u64(v, &pg->limit) || pg->limit == 0 || pg->limit > PL_VIEW_LIMIT_MAX))
		return false;
	if ((v = cli_get(a, "offset")) && !cli_u64(v, &pg->offset))
		return false;
	if ((v = cli_get(a, "now")) && pl_time_parse(v, strlen(v), now) != PL_OK)
		return false;
	return true;
}

void cli_view_json(const json_t *v)
{
	cli_print_json(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

const char *cli_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

/* o[key] in its display form, for printing (base/safetext.h). */
const char *cli_jtxt(cli_texts *t, const json_t *o, const char *key)
{
	return cli_text(t, cli_jstr(o, key));
}

/* True if h is a norm set's hash (64 lower-case hex digits). */
bool cli_is_norm_hash(const char *h)
{
	uint8_t raw[PL_SHA256_SIZE];
	return strlen(h) == PL_NORM_HASH_HEX &&
	       pl_hex_decode((const uint8_t *)h, PL_NORM_HASH_HEX, raw, PL_SHA256_SIZE) == PL_OK;
}

long long cli_jnum(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

int cli_source_finish(const char *cmd, int rc, pl_diag *d, cli_source *s)
{
	cli_source_close(s);
	return rc == PL_OK ? 0 : cli_fail(cmd, rc, d);
}

