/*
 * ingest.h - the pieces of bench_ingest (bench/bench_ingest.c says what it
 * measures): signing the load, the epoll client, the idle-connection phase,
 * the verify-only bound and the figures. A benchmark program, not library
 * code: it prints, and it exits on anything that makes its figures
 * meaningless (die), after stopping the server it started.
 */
#ifndef PARLEY_BENCH_INGEST_H
#define PARLEY_BENCH_INGEST_H

#include "statement/party.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ORIGIN "bench.example/ingest"
#define CONNS_MAX 4000            /* client connections of one row (and parties of the log) */
#define IDLE_MAX 50000            /* idle connections of the idle phase */
#define PER_ADDR 250              /* client sockets per 127.0.0.0/8 source address (the server takes 256) */
#define ROWS_MAX 8                /* --conns values */
#define RESP_MAX 65536            /* largest HTTP response this client reads */

/* ---- utilities (ingest_util.c) ---- */

double now(void);                 /* monotonic seconds */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void die_rc(const char *what, int rc, const char *msg) __attribute__((noreturn));
void *xcalloc(size_t n, size_t size);
double proc_cpu(pid_t pid);       /* CPU seconds (user + system) of a process; 0 if unknown */
double self_cpu(void);            /* CPU seconds of this process */
/* The number a field of /proc/PID/status starts with (VmRSS in kB, Threads); -1 if unknown. */
long proc_status_kb(pid_t pid, const char *field);

typedef struct pct {
	size_t n;
	double p50, p99, max;     /* milliseconds */
} pct;

/* Percentiles (ms) of the non-negative values in v[0..n) (seconds). */
pct percentiles(const double *v, size_t n);

/* ---- the server child (ingest_util.c) ---- */

typedef struct server {
	pid_t pid;
	uint16_t port;
	int ctl;                  /* the control connection (from 127.0.0.1; -1: none yet) */
	char out_file[4200];      /* its stdout and stderr */
} server;

/* Starts PARLEY serve DIR --listen 127.0.0.1:0 --port-file DIR.port --allow-root --batch-ms MS
 * [--batch-max N] [--conn-limit N] (conn_limit 0: the flag is not given, for servers older than it);
 * dies if it does not write its port file within 30 s. */
void server_start(server *s, const char *parley, const char *dir, unsigned batch_ms, size_t batch_max,
		  size_t conn_limit);

/* GET path on the control connection, opened again if the server closed it (it is opened
 * before a row's or the idle phase's connections, so a server at its limit still answers it). */
int server_get(server *s, const char *path, char *out, size_t cap, size_t *outlen);

/* SIGTERM, then waits up to 20 s; SIGKILL after that. Returns the seconds it took to stop,
 * or -1 if it had to be killed. */
double server_stop(server *s);

/* ---- parties and signed requests (ingest_sign.c) ---- */

typedef struct party {
	pl_party_key *key;
	uint64_t next_seq;        /* the next seq this party signs */
} party;

typedef struct request {
	char *data;               /* the whole HTTP request: head and envelope */
	size_t len;
	size_t head;              /* bytes of the head: the envelope is data[head..len) */
	size_t party;             /* whose statement */
} request;

/* What a row's statements are. */
typedef enum mix {
	MIX_PING,                 /* ping to one party: {"to": [the next party]} */
	MIX_PING_ALL,             /* ping to every member, body {} (what bench_ingest sent before issue 14) */
	MIX_SIZED,                /* concerns alternating ~2 KB (2 recipients) and ~17 KB (16 recipients) envelopes */
	MIX_2K,                   /* the ~2 KB concerns alone */
	MIX_17K,                  /* the ~17 KB concerns alone */
	MIX_SEALED,               /* TLP:AMBER concerns really sealed to their author and 2 recipients (a
				   * 2,048-byte bucket), as a member's client writes them (issue 15) */
	MIX_N
} mix;

/* Whether m's statements are pings. */
#define MIX_IS_PING(m) ((m) == MIX_PING || (m) == MIX_PING_ALL)

extern const char *const mix_names[MIX_N];

/* The sizes the sized concerns are padded to (envelope bytes), and what they really came to. */
#define SMALL_ENV 2048
#define LARGE_ENV 17408
#define SMALL_READERS 2
#define LARGE_READERS 16

/*
 * A load: for connection c (0..nconn), the statements reqs[off[c]..off[c+1]) in
 * seq order, all by party who[c]. The whole HTTP request of each is built
 * before any clock starts.
 */
typedef struct load {
	request *reqs;
	size_t *off;              /* nconn + 1 offsets */
	size_t nconn, total;
	double sign_seconds;
	double env_bytes;         /* mean envelope size */
	double env_small, env_large; /* mean sizes of the ~2 KB and ~17 KB concerns (0: none) */
} load;

/* Signs per statements of kind m for each of the parties 0..nconn (parties[c] on
 * connection c), on every core; advances their next_seq. nparties is how many parties
 * the log has (recipients of concerns are drawn from them). wait adds ?wait=1. */
void load_sign(load *l, party *parties, size_t nparties, size_t nconn, size_t per, mix m, bool wait);

/* Founder f (f < nfounders) enrolls parties nfounders + f, + 2 * nfounders, ...: one
 * connection per founder, each founder's enrolls in its seq order. */
void load_enroll(load *l, party *parties, size_t nfounders, size_t nparties);

void load_free(load *l);

/* ---- the verify-only bound (ingest_sign.c) ---- */

typedef struct bound {
	size_t n;                 /* envelopes verified per pass */
	size_t passes;
	double seconds;
	double per_second;        /* verifications per second, all cores */
	size_t bad;               /* signatures that did not verify (must be 0) */
	unsigned threads;
} bound;

/* crypto_sign_verify_detached over the PAE of (up to max_items of) l's envelopes, on every
 * core, repeated until at least min_seconds passed. Parsing is done before the clock. */
void bound_measure(const load *l, const party *parties, size_t max_items, double min_seconds, bound *b);

/* ---- the client (ingest_client.c) ---- */

/* How connections are opened: each socket bound to 127.0.0.(first + i / PER_ADDR) before connect. */
typedef struct dial {
	uint16_t port;
	uint32_t first_addr;      /* host order, a 127.0.0.0/8 address */
	unsigned connect_ms;      /* per connection: connect, then GET /healthz answered */
	size_t pending_max;       /* connections being opened at once (0: DIAL_PENDING) */
} dial;

/* What happened to the connections asked for. */
typedef struct dial_stats {
	size_t asked, connected, served;
	size_t connect_failed;    /* connect refused or failed (errno counts below) */
	size_t connect_timeout;   /* no connection within connect_ms */
	size_t closed;            /* closed or reset by the server before its answer */
	size_t unanswered;        /* connected, but no answer to GET /healthz within connect_ms */
	size_t bad_answer;        /* an answer other than 200 */
	int first_errno;          /* errno of the first failure, 0 if none */
	double seconds;
} dial_stats;

/* Opens n connections (fds[i] >= 0: connected, non-blocking, its GET /healthz answered 200;
 * -1: not served, closed again) without ever waiting longer than connect_ms on one. */
void dial_open(const dial *d, size_t n, int *fds, dial_stats *st);

/* Closes the open ones of fds[0..n). */
void dial_close(int *fds, size_t n);

/* How many of fds[0..n) the server has closed (EOF or error pending on the socket). */
size_t dial_count_closed(const int *fds, size_t n);

/* Blocking GET on a non-blocking keep-alive fd, waiting at most timeout_ms; the body goes to
 * out (NUL-terminated, cut at cap - 1). Returns the HTTP status, or -1. */
int http_get(int fd, const char *path, char *out, size_t cap, size_t *outlen, unsigned timeout_ms);

/* A connected non-blocking socket from 127.0.0.1 within timeout_ms, or -1. */
int http_connect(uint16_t port, unsigned timeout_ms);

typedef struct phase_result {
	double seconds;
	size_t ok;                /* 201 (or 200 with a receipt when waiting) */
	size_t errors;            /* any other answer */
	size_t lost;              /* in flight when the connection was closed or the phase stalled */
	size_t unsent;            /* never sent for that reason */
	size_t conns_lost;        /* connections closed by the server during the phase */
	bool stalled;             /* no answer at all for stall_ms */
	double *lat;              /* send -> answer, per statement (seconds; < 0 unless ok) */
	double *t_send;           /* send time, per statement */
	uint64_t *index;          /* assigned index, per statement */
	double server_cpu, client_cpu;
} phase_result;

/* One request in flight on each connection fds[c] (>= 0), running l's statements for it in
 * order; ends when every statement is answered, or no answer came for stall_ms (the
 * rest counted lost/unsent). A connection that ends (closed by the server, reset, an
 * unreadable answer) is closed and its fds[c] set to -1. server_pid's CPU and this
 * process's are measured over it. */
void phase_run(int *fds, const load *l, bool wait, unsigned stall_ms, pid_t server_pid, phase_result *r);

/* Frees the per-statement arrays of r (its counts stay). */
void phase_free(phase_result *r);

/* The checkpoint poller: GET /checkpoint every every_us on its own connection. */
typedef struct sample {
	double t;                 /* when the answer arrived */
	uint64_t size;
} sample;

typedef struct poller {
	uint16_t port;
	int fd;
	unsigned every_us;
	atomic_bool stop;
	sample *s;
	size_t n, cap;
	atomic_uint_fast64_t last;  /* the latest size polled (read while it runs) */
	unsigned long errors;
	pthread_t th;
} poller;

/* Connects (from 127.0.0.1) and starts polling. */
void poller_start(poller *p, uint16_t port, unsigned every_us);

/* Waits up to wait_s for a polled size covering every index r assigned, then stops the poller. */
void poller_stop(poller *p, const phase_result *r, size_t total, double wait_s);

/* Time to a checkpoint of each ok statement of r (send -> first poll covering its index; -1 if none). */
double *checkpoint_latency(const phase_result *r, size_t total, const poller *p);

/* ---- server figures (ingest_util.c) ---- */

typedef struct server_stats {
	double size, batches, integrate, indexed;
	bool have_indexed;        /* the server reports parley_index_entries */
} server_stats;

void server_stats_get(server *srv, server_stats *s);

/* Waits (up to timeout_s) until the server's workflow index holds every published entry and
 * at least size of them; returns the seconds waited, or -1 on timeout or if it cannot tell. */
double index_wait(server *srv, uint64_t size, double timeout_s);

/* Sets every party's next_seq from the server's registry (GET /v1/parties). */
void parties_resync(server *srv, party *parties, size_t n);

/* ---- the idle phase (ingest_idle.c) ---- */

typedef struct idle_opts {
	size_t k;                 /* idle connections asked for */
	size_t active;            /* connections ingesting while they are held */
	size_t per;               /* statements per active connection */
	double hold_s;            /* how long they are held before ingest starts */
	unsigned connect_ms, stall_ms, poll_us;
} idle_opts;

typedef struct idle_result {
	size_t asked, served;     /* idle connections */
	double kib_per_conn;      /* server RSS growth per idle connection served (< 0: unknown) */
	bool ingest_ok;           /* every statement of the active connections accepted */
} idle_result;

/* Opens and holds the idle connections, measures the server's RSS growth, runs a ping phase on
 * io->active connections meanwhile, and prints what happened (and fills *ir). Returns the
 * statements accepted (for the final /healthz check) and adds to *errors and *lost. */
size_t idle_run(const idle_opts *io, server *srv, party *parties, size_t nparties, size_t *errors, size_t *lost,
		idle_result *ir);

#endif
