/*
 * http_source.h - a published log read over HTTP(S) by its tlog-tiles URLs
 * (libcurl, one connection kept alive), as a pl_source (store/source.h); and
 * opening a source given either as such a URL or as a log directory.
 */
#ifndef PARLEY_CLIENT_HTTP_SOURCE_H
#define PARLEY_CLIENT_HTTP_SOURCE_H

#include <stdbool.h>

#include "base/err.h"
#include "store/source.h"

/*
 * A source reading the log whose tlog-tiles prefix is url (http:// or
 * https://; trailing slashes ignored). With gzip, compressed bundles are
 * asked for (worth turning off on loopback, where compressing costs more than
 * it saves). Redirects are not followed; a resource past its cap aborts the
 * transfer (PL_ETOOBIG), a 404 is PL_ENOTFOUND, anything else but 200 PL_ENET.
 * PL_EINVAL for a URL over 2047 bytes.
 */
int pl_source_open_url(const char *url, bool gzip, pl_source **out, pl_diag *d) __attribute__((warn_unused_result));

/* True when where names a URL (http:// or https://) rather than a directory. */
bool pl_source_is_url(const char *where);

/* pl_source_open_url (with gzip) when where is a URL, else pl_source_open_dir. */
int pl_source_open_any(const char *where, pl_source **out, pl_diag *d) __attribute__((warn_unused_result));

#endif
