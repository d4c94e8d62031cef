/*
 * cli.h - shared plumbing of the parley executable: argument helpers, exit
 * statuses, error reporting, reading keys and inputs, stopping on a signal.
 * The executable is thin: the dispatcher (parley.c) parses a command's
 * arguments with its row of the command table (table.h); the command calls
 * libparley, prints, and maps the result to an exit status.
 *
 * Exit statuses (documented in docs/cli.md):
 *   0  success
 *   1  verification failed: a signature, proof, quorum or audit did not check
 *   2  usage error: bad flags or arguments
 *   3  any other failure (I/O, corrupt or missing data, resources)
 *   4  the server refused the request (its code and sentence are printed)
 */
#ifndef PARLEY_CLI_H
#define PARLEY_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/buf.h"
#include "tlog/note.h"

struct pl_party_key;
struct pl_policy;

enum { EXIT_VERIFY = 1, EXIT_USAGE = 2, EXIT_FAIL = 3, EXIT_REFUSED = 4 };

/*
 * Terminal-safe text (base/safetext.h). Every string the executable prints
 * that comes from a statement, a server, a file or the network (titles,
 * names, refusal sentences, paths found in data, diagnostics quoting any of
 * them) goes through one of these; --json output through cli_print_json.
 *
 * A cli_texts, owned by the function that prints (on its stack, zeroed:
 * `cli_texts t = {0};`), holds the display forms it asked for in
 * CLI_TEXT_SLOTS buffers used in turn. cli_text(t, s) is the one-line display
 * form of s ("-" for NULL); it stays valid until cli_texts_release(t) or
 * CLI_TEXT_SLOTS - 1 more calls on t, so use it within the statement that
 * prints it. Out of memory (or past 16 MiB) it is a fixed sentence saying the
 * text is not shown. cli_textn(t, p, n) is the same for p[0..n).
 * cli_texts_release(t) frees the buffers (t can be used again).
 *
 * No command prints a long text yet; one that does uses the block form
 * (pl_text_block) with an indent none of its own lines starts with.
 */
#define CLI_TEXT_SLOTS 16
typedef struct cli_texts {
	pl_buf slot[CLI_TEXT_SLOTS];
	unsigned next;
} cli_texts;
const char *cli_text(cli_texts *t, const char *s);
const char *cli_textn(cli_texts *t, const void *p, size_t n);
void cli_texts_release(cli_texts *t);

struct json_t;

/*
 * Prints v serialised with the jansson flags given, then a newline, on
 * stdout: exact JSON, with DEL, C1 and bidirectional controls inside strings
 * written as \u escapes (pl_text_json) so a terminal shows none of them raw.
 * cli_print_json_text does the same for JSON text already serialised (a
 * statement's payload). Both print "{}" if v is NULL or out of memory.
 */
void cli_print_json(const struct json_t *v, size_t flags);
void cli_print_json_text(const void *text, size_t n);

/* Maps a library error to an exit status. */
int cli_exit_for(int err);

/* Prints "parley <cmd>: <diag or strerror>" on stderr (the sentence in its display form: it may quote a
 * server or a statement) and returns the exit status. */
int cli_fail(const char *cmd, int err, const pl_diag *d);

/* Prints a usage error and returns EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A parsed command line: positional arguments and --flag value pairs. */
#define CLI_MAX_ARGS 32
typedef struct cli_args {
	const char *pos[CLI_MAX_ARGS];
	int npos;
	const char *flag[CLI_MAX_ARGS]; /* flag names without "--" */
	const char *val[CLI_MAX_ARGS];  /* values, or NULL for boolean flags */
	const char *src[CLI_MAX_ARGS];  /* NULL: the command line; "env NAME"; "file PATH:LINE" */
	int nflags;
	bool help; /* --help (or -h) was given */
} cli_args;

/*
 * Splits argv into positionals and flags. value_flags lists flags that take a
 * value ("origin", "vkey", ...); bool_flags lists flags without one. Unknown
 * flags and missing values are usage errors (returns false after printing).
 */
bool cli_parse(int argc, char **argv, const char *const *value_flags, const char *const *bool_flags,
	       cli_args *out, const char *usage);

/* Value of --name, or NULL. For repeated flags, the last one. */
const char *cli_get(const cli_args *a, const char *name);
bool cli_has(const cli_args *a, const char *name);

/* Parses a canonical decimal argument. */
bool cli_u64(const char *s, uint64_t *out);

/* Reads a verifier key given either as a key string or as a file holding one. */
int cli_load_vkey(const char *arg, pl_verifier *v, pl_diag *d);

/*
 * Long-running commands (serve, witness serve): cli_stop_block() blocks
 * SIGINT and SIGTERM in the calling thread, so every thread started after it
 * inherits the mask; cli_stop_wait() then returns when one of them arrives.
 * (A handler setting a flag around pause() loses a signal delivered to
 * another thread, and the process never stops.) Also ignores SIGPIPE.
 */
void cli_stop_block(void);
int cli_stop_wait(void);

/*
 * The same for a command that works in rounds (monitor): cli_stop_block_only()
 * blocks SIGINT and SIGTERM without ignoring SIGPIPE; cli_stop_wait_ms() waits
 * at most ms milliseconds for one of them and returns it, or 0 when none came.
 * cli_stop_unblock() undoes the block (in a child, before exec).
 */
void cli_stop_block_only(void);
int cli_stop_wait_ms(uint64_t ms);
void cli_stop_unblock(void);

/* True when stderr is a terminal (progress bars go only there). */
bool cli_stderr_is_tty(void);

/* Value of --name, else of the environment variable env (may be NULL), else NULL. */
const char *cli_opt(const cli_args *a, const char *name, const char *env);

/*
 * Loads a party's secret key file; a sealed one needs a passphrase, taken
 * from --passphrase-file, PARLEY_PASSPHRASE, or asked on the terminal.
 */
int cli_load_party_key(const char *path, const cli_args *a, struct pl_party_key **out, pl_diag *d);

/* cli_policy_witnesses for a member's reading: no witness configured is an error (PL_ENOKEY, with a
 * plain sentence) unless --quorum (0) is given on purpose. */
int cli_policy_member(const cli_args *a, struct pl_policy *pol, pl_diag *d);

/* Adds --witness-key VKEY (or --witness VKEY@URL) keys and --quorum K to pol. */
int cli_policy_witnesses(const cli_args *a, struct pl_policy *pol, pl_diag *d);

/* Reads a whole file ("-" for standard input) into out. */
int cli_read_input(const char *path, size_t max, pl_buf *out, pl_diag *d);

/* Adds every value of the repeatable flag name (commas also separate) to the JSON array arr. PL_ENOMEM. */
int cli_add_list(const cli_args *a, const char *name, struct json_t *arr);

/* Sets body[key] to the string value of flag when it is given. PL_ENOMEM. */
int cli_set_flag(struct json_t *body, const cli_args *a, const char *flag, const char *key);

#endif
