/* monitor_result.c - what a monitor's round found, in sentences (monitor_impl.h). */
#include "monitor/monitor_impl.h"

#include "tlog/fork.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pl_monitor_result_init(pl_monitor_result *r)
{
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->fork_proof, PL_FORK_PROOF_MAX);
}

void pl_monitor_result_release(pl_monitor_result *r)
{
	pl_buf_release(&r->fork_proof);
}

void pl_monitor_finding(pl_monitor_result *r, int kind, const char *fmt, ...)
{
	if (kind > r->finding)
		r->finding = kind;
	if (kind == PL_FINDING_PROBLEM)
		r->problems++;
	size_t n = strlen(r->message);
	if (n > 0 && n + 2 < sizeof r->message) {
		r->message[n++] = ' ';
		r->message[n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof r->message - n, fmt, ap);
	va_end(ap);
}
