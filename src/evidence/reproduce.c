/* reproduce.c - an evidence package run on data (reproduce.h): loaded once,
 * then run on trees of files and on captures, every hit collected. The report
 * is reproduce_report.c's. */
#include "evidence/reproduce_impl.h"

#include "base/fsio.h"
#include "base/timefmt.h"
#include "evidence/capture.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_FILE_MAX ((size_t)16 << 20)

void pl_repro_free(pl_repro *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nbundles; i++)
		pl_stix_bundle_release(&r->bundles[i]);
	free(r->bundles);
	free(r->ind);
	free(r->rules);
	pl_yara_free(r->yara);
	json_decref(r->hits);
	json_decref(r->datasets);
	free(r);
}

static bool is_indicator_ns(const char *ns)
{
	return strncmp(ns, "indicator--", 11) == 0;
}

int pl_repro_open(const char *dir, const pl_manifest *m, pl_repro **out, pl_diag *d)
{
	*out = NULL;
	pl_repro *r = calloc(1, sizeof *r);
	const char **texts = calloc(PL_YARA_SOURCES_MAX, sizeof *texts), **names = calloc(PL_YARA_SOURCES_MAX, sizeof *names);
	pl_buf *files = calloc(m->nyara + 1, sizeof *files);
	size_t nsrc = 0;
	int rc = PL_OK;
	if (r == NULL || texts == NULL || names == NULL || files == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	r->m = m;
	r->hits = json_array();
	r->datasets = json_array();
	r->bundles = calloc(m->nstix + 1, sizeof *r->bundles);
	if (r->hits == NULL || r->datasets == NULL || r->bundles == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	size_t total = 0;
	for (size_t i = 0; i < m->nstix; i++) {
		char path[PATH_MAX];
		pl_buf b;
		pl_buf_init(&b, PL_STIX_BUNDLE_MAX);
		rc = pl_path_join(path, sizeof path, dir, m->stix[i]);
		if (rc != PL_OK)
			pl_diag_set(d, rc, "the path of %s is too long", m->stix[i]);
		else
			rc = pl_fs_read(path, PL_STIX_BUNDLE_MAX, &b, d);
		if (rc == PL_OK && (rc = pl_stix_bundle_parse(b.data, b.len, &r->bundles[i], d)) != PL_OK)
			pl_diag_set(d, rc, "%s", m->stix[i]);
		pl_buf_release(&b);
		if (rc != PL_OK)
			goto out;
		r->nbundles++;
		total += r->bundles[i].nindicators;
	}
	if ((r->ind = calloc(total + 1, sizeof *r->ind)) == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t b = 0; b < r->nbundles; b++)
		for (size_t i = 0; i < r->bundles[b].nindicators; i++) {
			const pl_stix_indicator *x = &r->bundles[b].indicators[i];
			ind *e = &r->ind[r->nind++];
			e->i = x;
			if (x->status == PL_STIX_EVALUABLE) {
				e->scope = pl_stix_pattern_scope(x->compiled);
				unsigned h = pl_stix_pattern_hashes(x->compiled);
				r->digests |= (h & PL_HASH_MD5 ? PL_DIGEST_MD5 : 0u) | (h & PL_HASH_SHA1 ? PL_DIGEST_SHA1 : 0u) |
					      (h & PL_HASH_SHA256 ? PL_DIGEST_SHA256 : 0u) |
					      (h & PL_HASH_SHA512 ? PL_DIGEST_SHA512 : 0u);
			} else if (x->status == PL_STIX_YARA) {
				e->scope = PL_STIX_ON_FILES;
				if (nsrc == PL_YARA_SOURCES_MAX) {
					rc = pl_diag_set(d, PL_ETOOBIG, "more than %d YARA sources", PL_YARA_SOURCES_MAX);
					goto out;
				}
				texts[nsrc] = x->pattern;
				names[nsrc++] = x->id;
			}
		}
	for (size_t i = 0; i < m->nyara; i++) {
		char path[PATH_MAX];
		pl_buf_init(&files[i], RULE_FILE_MAX);
		if ((rc = pl_path_join(path, sizeof path, dir, m->yara[i])) != PL_OK)
			pl_diag_set(d, rc, "the path of %s is too long", m->yara[i]);
		if (rc != PL_OK || (rc = pl_fs_read(path, RULE_FILE_MAX, &files[i], d)) != PL_OK ||
		    (rc = pl_buf_putc(&files[i], '\0')) != PL_OK || nsrc == PL_YARA_SOURCES_MAX) {
			if (rc == PL_OK)
				rc = pl_diag_set(d, PL_ETOOBIG, "more than %d YARA sources", PL_YARA_SOURCES_MAX);
			goto out;
		}
		texts[nsrc] = (const char *)files[i].data;
		names[nsrc++] = m->yara[i];
	}
	if (nsrc > 0 && (rc = pl_yara_compile(texts, names, nsrc, &r->yara, d)) != PL_OK)
		goto out;
	size_t nr = pl_yara_rules(r->yara);
	if ((r->rules = calloc(nr + 1, sizeof *r->rules)) == NULL) {
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		const char *ns, *rule;
		pl_yara_rule_at(r->yara, i, &ns, &rule);
		if (!is_indicator_ns(ns))
			r->rules[r->nrules++] = (rule_stat){.file = ns, .rule = rule};
	}
	*out = r;
	r = NULL;
out:
	for (size_t i = 0; files != NULL && i < m->nyara; i++)
		pl_buf_release(&files[i]);
	free(files);
	free(texts);
	free(names);
	pl_repro_free(r);
	return rc;
}

/* ---- files ---- */

typedef struct files_ctx {
	pl_repro *r;
	const char *dataset;
	json_t *errors;
	int rc;
} files_ctx;

static int add_hit(pl_repro *r, json_t *h)
{
	if (h == NULL || json_array_append_new(r->hits, h) != 0)
		return PL_ENOMEM;
	return PL_OK;
}

static int on_file(void *ctx, const pl_scanned_file *f)
{
	files_ctx *c = ctx;
	pl_repro *r = c->r;
	if (f->error != NULL) {
		r->errors = true;
		json_array_append_new(c->errors, json_pack("{s:s,s:s}", "path", f->rel, "error", f->error));
		return 0;
	}
	const char *base = strrchr(f->rel, '/');
	pl_obs_file o = {.name = base ? base + 1 : f->rel,
			 .size = f->size,
			 .md5 = f->digests & PL_DIGEST_MD5 ? f->md5 : NULL,
			 .sha1 = f->digests & PL_DIGEST_SHA1 ? f->sha1 : NULL,
			 .sha256 = f->digests & PL_DIGEST_SHA256 ? f->sha256 : NULL,
			 .sha512 = f->digests & PL_DIGEST_SHA512 ? f->sha512 : NULL};
	for (size_t i = 0; i < r->nind; i++) {
		ind *e = &r->ind[i];
		if (e->i->status != PL_STIX_EVALUABLE || !(e->scope & PL_STIX_ON_FILES) || !pl_stix_match_file(e->i->compiled, &o))
			continue;
		e->hits++;
		if (add_hit(r, json_pack("{s:s,s:s,s:s}", "dataset", c->dataset, "indicator", e->i->id, "path", f->rel)) != PL_OK)
			return c->rc = PL_ENOMEM;
	}
	for (size_t k = 0; k < f->nhits; k++) {
		const pl_rule_hit *h = &f->hits[k];
		json_t *j;
		if (is_indicator_ns(h->ns)) {
			for (size_t i = 0; i < r->nind; i++)
				if (strcmp(r->ind[i].i->id, h->ns) == 0)
					r->ind[i].hits++;
			j = json_pack("{s:s,s:s,s:s}", "dataset", c->dataset, "indicator", h->ns, "path", f->rel);
		} else {
			for (size_t i = 0; i < r->nrules; i++)
				if (strcmp(r->rules[i].file, h->ns) == 0 && strcmp(r->rules[i].rule, h->rule) == 0)
					r->rules[i].hits++;
			j = json_pack("{s:s,s:s,s:s}", "dataset", c->dataset, "rule", h->rule, "path", f->rel);
		}
		if (j != NULL && h->offset >= 0)
			json_object_set_new(j, "offset", json_integer(h->offset));
		if (add_hit(r, j) != PL_OK)
			return c->rc = PL_ENOMEM;
	}
	return 0;
}

int pl_repro_files(pl_repro *r, const char *dataset, const char *root, const pl_repro_opts *o, pl_diag *d)
{
	bool any_file = r->yara != NULL;
	for (size_t i = 0; i < r->nind; i++)
		any_file |= r->ind[i].i->status == PL_STIX_EVALUABLE && (r->ind[i].scope & PL_STIX_ON_FILES);
	r->files_given = true;
	files_ctx c = {.r = r, .dataset = dataset, .errors = json_array()};
	pl_scan_opts so = {.digests = r->digests, .yara = r->yara, .threads = o->threads, .progress = o->progress,
			   .progress_ctx = o->progress_ctx};
	pl_scan_stats st;
	memset(&st, 0, sizeof st);
	int rc = c.errors ? PL_OK : PL_ENOMEM;
	if (rc == PL_OK && any_file)
		rc = pl_scan_tree(root, &so, on_file, &c, &st, d);
	if (rc == PL_OK && c.rc != PL_OK)
		rc = c.rc;
	if (rc == PL_OK &&
	    json_array_append_new(r->datasets, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:f,s:o}", "name", dataset, "kind", "files",
							 "where", root, "files", (json_int_t)st.files, "bytes",
							 (json_int_t)st.bytes, "skipped", (json_int_t)st.skipped, "seconds",
							 st.seconds, "errors", json_incref(c.errors))) != 0)
		rc = PL_ENOMEM;
	json_decref(c.errors);
	return rc == PL_ENOMEM ? pl_diag_set(d, rc, "out of memory") : rc;
}

/* ---- captures ---- */

typedef struct pcap_ctx {
	pl_repro *r;
	const char *dataset;
	int rc;
} pcap_ctx;

static void addr_text(int family, const uint8_t *b, char *out, size_t cap)
{
	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, b, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
}

static int on_packet(void *ctx, const pl_packet *p)
{
	pcap_ctx *c = ctx;
	pl_repro *r = c->r;
	const char *protos[8], *domains[PL_DNS_NAMES_MAX + 2], *urls[1];
	pl_obs_addr addrs[PL_DNS_ADDRS_MAX + 2];
	char url[1400];
	size_t np = 0, nd = 0, nu = 0, na = 0;
	pl_obs_net o;
	memset(&o, 0, sizeof o);
	o.src_port = p->sport;
	o.dst_port = p->dport;
	if (p->family != 0) {
		protos[np++] = p->family == 6 ? "ipv6" : "ipv4";
		o.src.family = o.dst.family = p->family;
		memcpy(o.src.b, p->src, 16);
		memcpy(o.dst.b, p->dst, 16);
		addrs[na++] = o.src;
		addrs[na++] = o.dst;
		if (p->proto == 6)
			protos[np++] = "tcp";
		else if (p->proto == 17)
			protos[np++] = "udp";
	}
	if (p->dns) {
		protos[np++] = "dns";
		for (size_t i = 0; i < p->ndns_names; i++)
			domains[nd++] = p->dns_names[i];
		for (size_t i = 0; i < p->ndns_addrs && na < sizeof addrs / sizeof addrs[0]; i++) {
			addrs[na].family = p->dns_addrs[i].family;
			memcpy(addrs[na++].b, p->dns_addrs[i].b, 16);
		}
	}
	if (p->http_method[0]) {
		protos[np++] = "http";
		if (p->http_host[0]) {
			domains[nd++] = p->http_host;
			snprintf(url, sizeof url, "http://%s%s", p->http_host, p->http_path[0] == '/' ? p->http_path : "/");
			urls[nu++] = url;
		}
	}
	if (p->tls_hello) {
		protos[np++] = "tls";
		if (p->tls_sni[0])
			domains[nd++] = p->tls_sni;
	}
	o.protocols = protos;
	o.nprotocols = np;
	o.domains = domains;
	o.ndomains = nd;
	o.urls = urls;
	o.nurls = nu;
	o.addrs = addrs;
	o.naddrs = na;
	for (size_t i = 0; i < r->nind; i++) {
		ind *e = &r->ind[i];
		if (e->i->status != PL_STIX_EVALUABLE || !(e->scope & PL_STIX_ON_NETWORK) || !pl_stix_match_net(e->i->compiled, &o))
			continue;
		e->hits++;
		char src[64] = "", dst[64] = "", t[PL_TIME_LEN + 1];
		if (p->family) {
			addr_text(p->family, p->src, src, sizeof src);
			addr_text(p->family, p->dst, dst, sizeof dst);
		}
		pl_time_format(p->sec, t);
		json_t *h = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:i,s:i,s:i}", "dataset", c->dataset, "indicator", e->i->id,
				      "packet", (json_int_t)p->number, "time", t, "src", src, "dst", dst, "sport", p->sport,
				      "dport", p->dport, "proto", p->proto);
		if (add_hit(r, h) != PL_OK)
			return c->rc = PL_ENOMEM;
	}
	return 0;
}

int pl_repro_pcap(pl_repro *r, const char *dataset, const char *path, const pl_repro_opts *o, pl_diag *d)
{
	(void)o;
	r->pcap_given = true;
	pcap_ctx c = {.r = r, .dataset = dataset};
	pl_capture_stats st;
	memset(&st, 0, sizeof st);
	int rc = pl_capture_each(path, on_packet, &c, &st, d);
	if (rc == PL_OK && c.rc != PL_OK)
		rc = pl_diag_set(d, c.rc, "out of memory");
	if (rc != PL_OK && rc != PL_ENOMEM) {
		/* an unreadable capture makes the reproduction inconclusive, with the reason */
		r->errors = true;
		json_array_append_new(r->datasets, json_pack("{s:s,s:s,s:s,s:s}", "name", dataset, "kind", "pcap", "where",
							      path, "error", d && d->msg[0] ? d->msg : pl_strerror(rc)));
		return rc;
	}
	if (rc == PL_OK &&
	    json_array_append_new(r->datasets,
				  json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "name", dataset, "kind", "pcap", "where",
					    path, "packets", (json_int_t)st.packets, "bytes", (json_int_t)st.bytes, "truncated",
					    (json_int_t)st.truncated, "malformed", (json_int_t)st.malformed, "fragments",
					    (json_int_t)st.fragments)) != 0)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	return rc;
}
