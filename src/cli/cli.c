/* cli.c - argument helpers and error reporting for the parley executable. */
#include "cli/cli.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "base/safetext.h"
#include "statement/party.h"
#include "store/published.h"
#include "tlog/checkpoint.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

int cli_exit_for(int err)
{
	switch (err) {
	case PL_OK:
		return 0;
	case PL_EVERIFY:
	case PL_ENOKEY:
	case PL_ECORRUPT:
		return EXIT_VERIFY;
	case PL_EINVAL:
		return EXIT_USAGE;
	case PL_EREFUSED:
		return EXIT_REFUSED;
	default:
		return EXIT_FAIL;
	}
}

/* ---- terminal-safe text ---- */

#define TEXT_MAX ((size_t)16 << 20)

/* The next slot of t, emptied, capped at TEXT_MAX. */
static pl_buf *text_slot(cli_texts *t)
{
	pl_buf *b = &t->slot[t->next];
	t->next = (t->next + 1) % CLI_TEXT_SLOTS;
	b->max = TEXT_MAX;
	pl_buf_reset(b);
	return b;
}

const char *cli_textn(cli_texts *t, const void *p, size_t n)
{
	pl_buf *b = text_slot(t);
	return pl_text_line(b, p, n) == PL_OK ? pl_buf_cstr(b) : "(text not shown: out of memory or too long)";
}

const char *cli_text(cli_texts *t, const char *s)
{
	return s == NULL ? "-" : cli_textn(t, s, strlen(s));
}

void cli_texts_release(cli_texts *t)
{
	for (size_t i = 0; i < CLI_TEXT_SLOTS; i++)
		pl_buf_release(&t->slot[i]);
	t->next = 0;
}

void cli_print_json_text(const void *text, size_t n)
{
	pl_buf b;
	pl_buf_init(&b, TEXT_MAX);
	if (text != NULL && pl_text_json(&b, text, n) == PL_OK)
		printf("%s\n", pl_buf_cstr(&b));
	else
		printf("{}\n");
	pl_buf_release(&b);
}

void cli_print_json(const json_t *v, size_t flags)
{
	char *s = v != NULL ? json_dumps(v, flags) : NULL;
	cli_print_json_text(s, s != NULL ? strlen(s) : 0);
	free(s);
}

int cli_fail(const char *cmd, int err, const pl_diag *d)
{
	cli_texts t = {0};
	fprintf(stderr, "parley %s: %s\n", cmd, cli_text(&t, pl_diag_text(d, err)));
	cli_texts_release(&t);
	/* what was printed is the server's refusal (the first failure wins in a diag) */
	if (d != NULL && d->code == PL_EREFUSED && d->msg[0] != '\0')
		return EXIT_REFUSED;
	return cli_exit_for(err);
}

int cli_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("parley: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return EXIT_USAGE;
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

bool cli_parse(int argc, char **argv, const char *const *value_flags, const char *const *bool_flags,
	       cli_args *out, const char *usage)
{
	memset(out, 0, sizeof *out);
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			out->help = true;
			continue;
		}
		if (!only_pos && strncmp(a, "--", 2) == 0) {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			char nm[64];
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			if (nl >= sizeof nm) {
				cli_usage(usage, "unknown flag %s", a);
				return false;
			}
			memcpy(nm, name, nl);
			nm[nl] = '\0';
			if (out->nflags == CLI_MAX_ARGS) {
				cli_usage(usage, "too many flags");
				return false;
			}
			if (in_list(value_flags, nm)) {
				const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (v == NULL) {
					cli_usage(usage, "--%s needs a value", nm);
					return false;
				}
				for (const char *const *f = value_flags; *f; f++)
					if (strcmp(*f, nm) == 0)
						out->flag[out->nflags] = *f;
				out->val[out->nflags++] = v;
			} else if (in_list(bool_flags, nm) && eq == NULL) {
				for (const char *const *f = bool_flags; *f; f++)
					if (strcmp(*f, nm) == 0)
						out->flag[out->nflags] = *f;
				out->val[out->nflags++] = NULL;
			} else {
				cli_usage(usage, "unknown flag %s", a);
				return false;
			}
			continue;
		}
		if (out->npos == CLI_MAX_ARGS) {
			cli_usage(usage, "too many arguments");
			return false;
		}
		out->pos[out->npos++] = a;
	}
	return true;
}

const char *cli_get(const cli_args *a, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < a->nflags; i++)
		if (strcmp(a->flag[i], name) == 0)
			v = a->val[i];
	return v;
}

bool cli_has(const cli_args *a, const char *name)
{
	for (int i = 0; i < a->nflags; i++)
		if (strcmp(a->flag[i], name) == 0)
			return true;
	return false;
}

bool cli_u64(const char *s, uint64_t *out)
{
	return pl_dec_parse((const uint8_t *)s, strlen(s), UINT64_MAX, out) == PL_OK;
}

int cli_load_vkey(const char *arg, pl_verifier *v, pl_diag *d)
{
	if (pl_verifier_parse(arg, strlen(arg), v) == PL_OK)
		return PL_OK;
	if (*arg == '\0')
		return pl_diag_set(d, PL_EINVAL, "an empty key was given (an unset variable?): give a key NAME+ID+KEY "
				   "or a file holding one");
	if (access(arg, F_OK) != 0)
		return pl_diag_set(d, PL_EINVAL, "\"%s\" is neither a key (NAME+ID+KEY) nor a file holding one", arg);
	return pl_read_vkey_file(arg, v, d);
}

bool cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO) == 1;
}

const char *cli_opt(const cli_args *a, const char *name, const char *env)
{
	const char *v = cli_get(a, name);
	if (v == NULL && env != NULL) {
		v = getenv(env);
		if (v != NULL && *v == '\0')
			v = NULL;
	}
	return v;
}

/* Reads a passphrase from the terminal without echo. */
static int ask_passphrase(const char *path, char *out, size_t cap)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL)
		return PL_ENOKEY;
	fprintf(tty, "passphrase for %s: ", path);
	fflush(tty);
	struct termios old, quiet;
	int fd = fileno(tty);
	bool have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	char *r = fgets(out, (int)cap, tty);
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (r == NULL)
		return PL_ENOKEY;
	out[strcspn(out, "\r\n")] = '\0';
	return PL_OK;
}

int cli_load_party_key(const char *path, const cli_args *a, struct pl_party_key **out, pl_diag *d)
{
	if (path == NULL)
		return pl_diag_set(d, PL_EINVAL, "--key is required (or PARLEY_KEY): your secret key file");
	if (!pl_party_key_is_sealed(path))
		return pl_party_key_load(path, NULL, out, d);
	char *pass = sodium_malloc(1024);
	if (pass == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of secure memory");
	pass[0] = '\0';
	int rc = PL_OK;
	const char *pf = cli_get(a, "passphrase-file");
	const char *env = getenv("PARLEY_PASSPHRASE");
	if (pf != NULL) {
		uint8_t *p = NULL;
		size_t n = 0;
		rc = pl_fs_read_secret(pf, 1000, &p, &n, d);
		if (rc == PL_OK) {
			memcpy(pass, p, n);
			pass[n] = '\0';
			pass[strcspn(pass, "\r\n")] = '\0';
			sodium_free(p);
		}
	} else if (env != NULL) {
		snprintf(pass, 1024, "%s", env);
	} else if (ask_passphrase(path, pass, 1024) != PL_OK) {
		rc = pl_diag_set(d, PL_ENOKEY, "%s is protected by a passphrase: give --passphrase-file, set "
					       "PARLEY_PASSPHRASE, or run on a terminal",
				 path);
	}
	if (rc == PL_OK)
		rc = pl_party_key_load(path, pass, out, d);
	sodium_free(pass);
	return rc;
}

int cli_read_input(const char *path, size_t max, pl_buf *out, pl_diag *d)
{
	if (strcmp(path, "-") == 0) {
		size_t saved = out->max;
		out->max = out->len + max;
		int rc = pl_fs_read_fd(0, out, d);
		out->max = saved;
		return rc;
	}
	return pl_fs_read(path, max, out, d);
}

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void cli_stop_block(void)
{
	sigset_t set;
	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli_stop_wait(void)
{
	sigset_t set;
	stop_set(&set);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

void cli_stop_block_only(void)
{
	sigset_t set;
	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int cli_stop_wait_ms(uint64_t ms)
{
	sigset_t set;
	stop_set(&set);
	if (ms > (uint64_t)INT32_MAX * 1000) /* 68 years */
		ms = (uint64_t)INT32_MAX * 1000;
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &now);
	end.tv_sec = now.tv_sec + (time_t)(ms / 1000);
	end.tv_nsec = now.tv_nsec + (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct timespec left = {.tv_sec = end.tv_sec - now.tv_sec, .tv_nsec = end.tv_nsec - now.tv_nsec};
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			left.tv_sec = left.tv_nsec = 0;
		int sig = sigtimedwait(&set, NULL, &left);
		if (sig > 0)
			return sig;
		if (errno != EINTR)
			return 0; /* EAGAIN: the time is up */
		clock_gettime(CLOCK_MONOTONIC, &now); /* another signal's handler ran: wait for what is left */
	}
}

void cli_stop_unblock(void)
{
	sigset_t set;
	stop_set(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int cli_policy_member(const cli_args *a, pl_policy *pol, pl_diag *d)
{
	int rc = cli_policy_witnesses(a, pol, d);
	if (rc == PL_OK && pol->nwitnesses == 0 && cli_get(a, "quorum") == NULL)
		rc = pl_diag_set(d, PL_ENOKEY,
				 "no witness is configured: nothing shows that this is the history the other members see "
				 "(the operator could show you another); give the witnesses' keys (--witness-key WKEY, "
				 "PARLEY_WITNESS_KEY) and --quorum K, or --quorum 0 to read without witnesses on purpose");
	return rc;
}

int cli_policy_witnesses(const cli_args *a, pl_policy *pol, pl_diag *d)
{
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], "witness-key") != 0 && strcmp(a->flag[i], "witness") != 0)
			continue;
		/* --witness VKEY@URL or --witness-key VKEY (or a file) */
		pl_verifier v;
		const char *spec = a->val[i];
		const char *at = strcmp(a->flag[i], "witness") == 0 ? strrchr(spec, '@') : NULL;
		char key[PL_VKEY_MAX + 1];
		snprintf(key, sizeof key, "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
		int rc = cli_load_vkey(key, &v, d);
		if (rc != PL_OK)
			return rc;
		if (v.type != PL_SIGTYPE_COSIG)
			return pl_diag_set(d, PL_EINVAL, "%s is not a witness (cosignature/v1) key", v.name);
		if ((rc = pl_policy_add_witness(pol, &v)) != PL_OK)
			return pl_diag_set(d, rc, "too many witnesses");
	}
	const char *q = cli_get(a, "quorum");
	uint64_t k = 0;
	if (q != NULL && !cli_u64(q, &k))
		return pl_diag_set(d, PL_EINVAL, "--quorum takes a number");
	if (k > pol->nwitnesses)
		return pl_diag_set(d, PL_EINVAL,
				   "a quorum of %llu needs at least that many witness keys (--witness-key, or --witness "
				   "WKEY@URL for monitor); `parley config` shows where the quorum and the keys come from",
				   (unsigned long long)k);
	pol->quorum = (size_t)k;
	return PL_OK;
}

/* Adds every value of the repeatable flag name (commas also separate) to arr. */
int cli_add_list(const cli_args *a, const char *name, json_t *arr)
{
	for (int i = 0; i < a->nflags; i++) {
		if (strcmp(a->flag[i], name) != 0)
			continue;
		const char *p = a->val[i];
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n > 0 && json_array_append_new(arr, json_stringn(p, n)) != 0)
				return PL_ENOMEM;
			p += n;
			if (*p == ',')
				p++;
		}
	}
	return PL_OK;
}

/* Sets body[key] to the flag's value when given. */
int cli_set_flag(json_t *body, const cli_args *a, const char *flag, const char *key)
{
	const char *v = cli_get(a, flag);
	if (v == NULL)
		return PL_OK;
	return json_object_set_new(body, key, json_string(v)) == 0 ? PL_OK : PL_ENOMEM;
}
