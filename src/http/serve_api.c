/* serve_api.c - the API's JSON handlers: statement submission, inclusion and
 * consistency proofs, the views of the workflow index. */
#include "http/serve_impl.h"

#include "http/status.h"
#include "http/views_api.h"
#include "tlog/proof_file.h"

enum MHD_Result pl_http_submit_answer(pl_http *h, struct MHD_Connection *c, req *r)
{
	bool wait = r->wait;
	pl_node_result res = r->res; /* a shallow copy: r owns its buffers */
	enum MHD_Result out;
	if (res.err != PL_OK) {
		unsigned status;
		const char *code;
		pl_http_answer_of(res.err, &res.refusal, &status, &code);
		out = pl_http_send_error(h, c, status, code, res.err == PL_EREFUSED ? res.refusal.msg : res.msg,
					 res.retry ? pl_http_retry_after(status) : 0);
	} else {
		pl_buf b;
		pl_buf_init(&b, 1 << 20);
		char leaf[PL_HASH_B64_LEN + 1];
		pl_b64_encode(res.leaf.b, PL_HASH_SIZE, leaf);
		int rc = pl_buf_printf(&b, "{\"index\":%llu,\"leaf\":\"%s\",\"acceptance\":", (unsigned long long)res.index,
				       leaf);
		if (rc == PL_OK)
			rc = pl_http_json_str(&b, pl_buf_cstr(&res.acceptance));
		/* the statement's path in its batch, for the batch acceptance (docs/api.md) */
		if (rc == PL_OK)
			rc = pl_buf_puts(&b, ",\"acceptance_path\":[");
		for (size_t i = 0; rc == PL_OK && i < res.path_len; i++) {
			char ph[PL_HASH_B64_LEN + 1];
			pl_b64_encode(res.path[i].b, PL_HASH_SIZE, ph);
			rc = pl_buf_printf(&b, "%s\"%s\"", i ? "," : "", ph);
		}
		if (rc == PL_OK)
			rc = pl_buf_putc(&b, ']');
		if (rc == PL_OK && res.receipt.len > 0) {
			rc = pl_buf_puts(&b, ",\"receipt\":");
			if (rc == PL_OK)
				rc = pl_http_json_str(&b, pl_buf_cstr(&res.receipt));
		}
		if (rc == PL_OK)
			rc = pl_buf_puts(&b, "}\n");
		unsigned status = res.receipt.len > 0 ? 200 : (wait ? 202 : 201);
		out = rc == PL_OK ? pl_http_send_buf(h, c, status, "application/json", b.data, b.len, "no-store")
				  : pl_http_send_error(h, c, 500, "internal", "response too large", 0);
		pl_buf_release(&b);
	}
	return out;
}

enum MHD_Result pl_http_inclusion(pl_http *h, struct MHD_Connection *c)
{
	uint64_t i;
	if (!pl_http_parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "index"), &i))
		return pl_http_send_error(h, c, 400, "bad_request", "give ?index=N (a canonical decimal)", 0);
	pl_buf b;
	pl_buf_init(&b, PL_PROOF_FILE_MAX);
	pl_diag d = {0};
	int rc = pl_node_prove(h->node, i, &b, &d);
	enum MHD_Result out;
	if (rc == PL_ERANGE)
		out = pl_http_send_error(h, c, 404, "not_found", pl_diag_text(&d, rc), 0);
	else if (rc != PL_OK)
		out = pl_http_send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
	else
		out = pl_http_send_buf(h, c, 200, "text/plain; charset=utf-8", b.data, b.len, "no-cache");
	pl_buf_release(&b);
	return out;
}

enum MHD_Result pl_http_consistency(pl_http *h, struct MHD_Connection *c)
{
	uint64_t m, n;
	if (!pl_http_parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "old"), &m) ||
	    !pl_http_parse_u64(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "new"), &n))
		return pl_http_send_error(h, c, 400, "bad_request", "give ?old=M&new=N (canonical decimals)", 0);
	pl_hash proof[PL_PROOF_MAX];
	size_t len = 0;
	pl_diag d = {0};
	int rc = pl_node_consistency(h->node, m, n, proof, &len, &d);
	if (rc == PL_ERANGE)
		return pl_http_send_error(h, c, 400, "bad_request", pl_diag_text(&d, rc), 0);
	if (rc != PL_OK)
		return pl_http_send_error(h, c, 500, "internal", pl_diag_text(&d, rc), 0);
	pl_buf b;
	pl_buf_init(&b, 8192);
	rc = pl_buf_printf(&b, "{\"old\":%llu,\"new\":%llu,\"proof\":[", (unsigned long long)m, (unsigned long long)n);
	for (size_t i = 0; rc == PL_OK && i < len; i++) {
		char s[PL_HASH_B64_LEN + 1];
		pl_b64_encode(proof[i].b, PL_HASH_SIZE, s);
		rc = pl_buf_printf(&b, "%s\"%s\"", i ? "," : "", s);
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, "]}\n");
	enum MHD_Result out = pl_http_send_buf(h, c, 200, "application/json", b.data, b.len, "no-cache");
	pl_buf_release(&b);
	return out;
}

const char *const pl_http_view_params[PL_HTTP_VIEW_PARAMS] = {"limit", "offset", "now", "party", "state"};

/* A view's query parameter, from the copies taken before its connection was suspended. */
static const char *query_param(void *ctx, const char *name)
{
	const req *r = ctx;
	for (int i = 0; i < PL_HTTP_VIEW_PARAMS; i++)
		if (strcmp(name, pl_http_view_params[i]) == 0)
			return r->params[i];
	return NULL; /* a parameter the views do not read */
}

void pl_http_view_run(pl_http *h, req *r)
{
	static const pl_view_kind kinds[PL_ROUTE_COUNT] = {[PL_ROUTE_CASES] = PL_VIEW_CASES, [PL_ROUTE_CASE] = PL_VIEW_CASE,
						    [PL_ROUTE_NORMS] = PL_VIEW_NORMS, [PL_ROUTE_NORM_SET] = PL_VIEW_NORM_SET,
						    [PL_ROUTE_INBOX] = PL_VIEW_INBOX, [PL_ROUTE_REPORT] = PL_VIEW_REPORT,
						    [PL_ROUTE_GROUPS] = PL_VIEW_GROUPS, [PL_ROUTE_GROUP] = PL_VIEW_GROUP,
						    [PL_ROUTE_SESSIONS] = PL_VIEW_SESSIONS, [PL_ROUTE_SESSION] = PL_VIEW_SESSION};
	pl_buf_init(&r->view.body, (size_t)64 << 20);
	r->has_view = true;
	pl_views_answer(h->node, kinds[r->route], r->arg[0] ? r->arg : NULL, query_param, r, &r->view);
}

enum MHD_Result pl_http_view_answer(pl_http *h, struct MHD_Connection *c, req *r)
{
	const pl_view_answer *a = &r->view;
	return a->status == 200 ? pl_http_send_buf(h, c, 200, "application/json", a->body.data, a->body.len, "no-cache")
				: pl_http_send_error(h, c, a->status, a->code, a->msg, a->status == 503 ? 1 : 0);
}
