/* serve_metrics.c - /metrics: the node's counters and the interface's own
 * (requests by route, errors by class), in the Prometheus text format. */
#include "http/serve_impl.h"

#include "http/access.h"

#include <stdio.h>

enum MHD_Result pl_http_metrics(pl_http *h, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	switch (pl_http_metrics_access(ci != NULL ? ci->client_addr : NULL,
				       MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
				       h->metrics_token ? h->metrics_digest : NULL)) {
	case PL_METRICS_NOT_LOOPBACK:
		return pl_http_send_error(h, c, 403, "forbidden",
					  "/metrics is served to loopback clients only (or to holders of --metrics-token)", 0);
	case PL_METRICS_NO_TOKEN:
		return pl_http_send_error_auth(h, c, "unauthenticated", "/metrics needs Authorization: Bearer TOKEN",
					       "Bearer realm=\"metrics\"");
	case PL_METRICS_ALLOWED:
		break;
	}
	pl_node_stats s;
	pl_node_stats_get(h->node, &s);
	pl_buf b, refusals;
	pl_buf_init(&b, 1 << 16);
	pl_buf_init(&refusals, 1 << 14);
	int rc = pl_buf_printf(
		&b,
		"# HELP parley_log_size Entries in the published log.\n# TYPE parley_log_size gauge\n"
		"parley_log_size %llu\n"
		"# HELP parley_statements_accepted_total Statements accepted since start.\n"
		"# TYPE parley_statements_accepted_total counter\nparley_statements_accepted_total %llu\n"
		"# HELP parley_batches_total Batches integrated (one checkpoint each).\n"
		"# TYPE parley_batches_total counter\nparley_batches_total %llu\n"
		"# HELP parley_queue_depth Submissions waiting to be checked or sequenced.\n"
		"# TYPE parley_queue_depth gauge\nparley_queue_depth %llu\n"
		"# HELP parley_integrate_seconds_total Time spent staging and integrating batches.\n"
		"# TYPE parley_integrate_seconds_total counter\nparley_integrate_seconds_total %.6f\n"
		"# HELP parley_storage_errors_total Batches that failed to stage or integrate.\n"
		"# TYPE parley_storage_errors_total counter\nparley_storage_errors_total %llu\n"
		"# HELP parley_witness_cosignatures_total Witness cosignatures obtained since start.\n"
		"# TYPE parley_witness_cosignatures_total counter\nparley_witness_cosignatures_total %llu\n"
		"# HELP parley_witnessed_size Size of the newest checkpoint published with cosignatures.\n"
		"# TYPE parley_witnessed_size gauge\nparley_witnessed_size %llu\n"
		"# HELP parley_index_entries Entries the workflow index holds.\n"
		"# TYPE parley_index_entries gauge\nparley_index_entries %llu\n"
		"# HELP parley_log_refused_entries Entries of the log that the rules refuse (they have no effect).\n"
		"# TYPE parley_log_refused_entries gauge\nparley_log_refused_entries %llu\n"
		"# HELP parley_http_errors_total Error responses, by class.\n# TYPE parley_http_errors_total counter\n"
		"parley_http_errors_total{class=\"4xx\"} %lu\nparley_http_errors_total{class=\"5xx\"} %lu\n"
		"# HELP parley_statements_refused_total Statements refused since start, by code.\n"
		"# TYPE parley_statements_refused_total counter\n",
		(unsigned long long)s.size, (unsigned long long)s.accepted, (unsigned long long)s.batches,
		(unsigned long long)s.queue, s.integrate_seconds, (unsigned long long)s.storage_errors,
		(unsigned long long)s.cosignatures, (unsigned long long)s.witnessed_size, (unsigned long long)s.indexed,
		(unsigned long long)s.refused_entries, atomic_load(&h->errors4xx), atomic_load(&h->errors5xx));
	if (rc == PL_OK)
		rc = pl_node_refusals(h->node, &refusals);
	const char *line = pl_buf_cstr(&refusals);
	while (rc == PL_OK && *line) {
		const char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
		if (sp == NULL || nl == NULL)
			break;
		rc = pl_buf_printf(&b, "parley_statements_refused_total{code=\"%.*s\"} %.*s\n", (int)(sp - line), line,
				   (int)(nl - sp - 1), sp + 1);
		line = nl + 1;
	}
	if (rc == PL_OK)
		rc = pl_buf_puts(&b, "# HELP parley_http_requests_total Requests, by route.\n"
				     "# TYPE parley_http_requests_total counter\n");
	for (int i = 1; rc == PL_OK && i < PL_ROUTE_COUNT; i++)
		rc = pl_buf_printf(&b, "parley_http_requests_total{route=\"%s\"} %lu\n", pl_route_name((pl_route_id)i),
				   atomic_load(&h->requests[i]));
	if (rc == PL_OK && h->blobs != NULL)
		rc = pl_buf_printf(&b, "# HELP parley_blob_bytes Bytes the blob store holds, uploads under way included.\n"
				       "# TYPE parley_blob_bytes gauge\nparley_blob_bytes %llu\n",
				   (unsigned long long)pl_blobs_used(h->blobs, NULL));
	enum MHD_Result out = pl_http_send_buf(h, c, 200, "text/plain; version=0.0.4", b.data, b.len, "no-store");
	pl_buf_release(&b);
	pl_buf_release(&refusals);
	return out;
}
