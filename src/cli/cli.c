/* cli.c - argument helpers and error reporting for the parley executable. */
#include "cli/cli.h"
#include "cli/help.h"

#include "base/conf.h"

#include "base/codec.h"
#include "base/fsio.h"
#include "statement/party.h"
#include "store/published.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <termios.h>

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

int cli_fail(const char *cmd, int err, const pl_diag *d)
{
	fprintf(stderr, "parley %s: %s\n", cmd, pl_diag_text(d, err));
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

int cli_usage_cmd(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("parley: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", cli_synopsis(cmd));
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

/* ---- configuration: flags, then the environment, then one file ---- */

/* The settings configuration may give; path: 1 a file, 2 a key or else a file. */
static const struct {
	const char *flag, *env, *src;
	bool list;
	int path;
} SETTINGS[] = {
	{"server", "PARLEY_SERVER", "env PARLEY_SERVER", false, 0},
	{"vkey", "PARLEY_VKEY", "env PARLEY_VKEY", false, 2},
	{"key", "PARLEY_KEY", "env PARLEY_KEY", false, 1},
	{"passphrase-file", "PARLEY_PASSPHRASE_FILE", "env PARLEY_PASSPHRASE_FILE", false, 1},
	{"witness-key", "PARLEY_WITNESS_KEY", "env PARLEY_WITNESS_KEY", true, 2},
	{"quorum", "PARLEY_QUORUM", "env PARLEY_QUORUM", false, 0},
};
#define NSETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])

static struct {
	bool loaded;
	int rc;
	pl_diag d;
	char path[PATH_MAX]; /* the file read, or "" */
	char missing[PATH_MAX]; /* the default file looked for, when absent */
	pl_conf conf;
	char **src; /* "file PATH:LINE" for each entry */
	char env[4096]; /* PARLEY_WITNESS_KEY split at its commas */
} cfg;

static void config_free(void)
{
	for (size_t i = 0; cfg.src != NULL && i < cfg.conf.n; i++)
		free(cfg.src[i]);
	free(cfg.src);
	cfg.src = NULL;
	pl_conf_release(&cfg.conf);
}

/* value relative to the file's directory, unless absolute (or a key, for kind 2). */
static int config_resolve(pl_conf_entry *e, int kind, pl_diag *d)
{
	pl_verifier v;
	if (kind == 0 || e->value[0] == '/' ||
	    (kind == 2 && pl_verifier_parse(e->value, strlen(e->value), &v) == PL_OK))
		return PL_OK;
	const char *slash = strrchr(cfg.path, '/');
	if (slash == NULL)
		return PL_OK; /* the file is in the working directory: so is the path */
	size_t dn = (size_t)(slash - cfg.path), n = dn + 1 + strlen(e->value) + 1;
	char *p = malloc(n);
	if (p == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	snprintf(p, n, "%.*s/%s", (int)dn, cfg.path, e->value);
	free(e->value);
	e->value = p;
	return PL_OK;
}

static int config_read(pl_diag *d)
{
	const char *explicit_ = getenv("PARLEY_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[PATH_MAX];
	if (explicit_ != NULL && *explicit_ != '\0')
		snprintf(path, sizeof path, "%s", explicit_);
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof path, "%s/parley/config", xdg);
	else if (home != NULL && *home != '\0')
		snprintf(path, sizeof path, "%s/.config/parley/config", home);
	else
		return PL_OK;
	pl_buf b;
	pl_buf_init(&b, PL_CONF_MAX_BYTES + 1);
	int rc = pl_fs_read(path, PL_CONF_MAX_BYTES, &b, NULL);
	if (rc == PL_ENOTFOUND && (explicit_ == NULL || *explicit_ == '\0')) {
		snprintf(cfg.missing, sizeof cfg.missing, "%s", path);
		pl_buf_release(&b);
		return PL_OK; /* no default file: no configuration */
	}
	if (rc == PL_ENOTFOUND)
		rc = pl_diag_set(d, PL_EINVAL, "PARLEY_CONFIG names %s, which does not exist", path);
	else if (rc == PL_ETOOBIG)
		rc = pl_diag_set(d, PL_EINVAL, "%s: the configuration file is larger than %d bytes", path,
				 PL_CONF_MAX_BYTES);
	else if (rc != PL_OK)
		rc = pl_diag_errno(d, PL_EINVAL, errno, "cannot read the configuration file %s", path);
	pl_conf_name names[NSETTINGS];
	for (size_t i = 0; i < NSETTINGS; i++) {
		names[i].name = SETTINGS[i].flag;
		names[i].repeat = SETTINGS[i].list;
	}
	if (rc == PL_OK) {
		snprintf(cfg.path, sizeof cfg.path, "%s", path);
		rc = pl_conf_parse((const char *)b.data, b.len, path, names, NSETTINGS, &cfg.conf, d);
		if (rc != PL_OK)
			rc = PL_EINVAL;
	}
	pl_buf_release(&b);
	if (rc == PL_OK && cfg.conf.n > 0 && (cfg.src = calloc(cfg.conf.n, sizeof *cfg.src)) == NULL)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	for (size_t i = 0; rc == PL_OK && i < cfg.conf.n; i++) {
		pl_conf_entry *e = &cfg.conf.e[i];
		size_t k = 0;
		while (strcmp(SETTINGS[k].flag, e->name) != 0)
			k++;
		size_t n = strlen(path) + 32;
		if ((cfg.src[i] = malloc(n)) == NULL)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		else
			snprintf(cfg.src[i], n, "file %s:%u", path, e->line);
		if (rc == PL_OK)
			rc = config_resolve(e, SETTINGS[k].path, d);
	}
	return rc;
}

static int config_load(void)
{
	if (!cfg.loaded) {
		cfg.loaded = true;
		atexit(config_free);
		cfg.rc = config_read(&cfg.d);
	}
	return cfg.rc;
}

/* A setting's value from the environment or the file, checked where a flag's would be later. */
static int setting_ok(const char *flag, const char *val, const char *src, pl_diag *d)
{
	uint64_t k;
	if (strcmp(flag, "quorum") == 0 && !cli_u64(val, &k))
		return pl_diag_set(d, PL_EINVAL, "%s: quorum takes a decimal number, not \"%s\"", src, val);
	return PL_OK;
}

static bool add_flag(cli_args *a, const char *flag, const char *val, const char *src)
{
	if (a->nflags == CLI_MAX_ARGS)
		return false;
	a->flag[a->nflags] = flag;
	a->val[a->nflags] = val;
	a->src[a->nflags++] = src;
	return true;
}

/* Fills the settings cmd takes and the command line did not give. */
static int config_apply(const cli_cmd *c, cli_args *a, pl_diag *d)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *flag = NULL;
		for (const char *const *f = c->vf; f != NULL && *f != NULL; f++)
			if (strcmp(*f, SETTINGS[i].flag) == 0)
				flag = *f;
		if (flag == NULL || cli_has(a, flag))
			continue;
		const char *env = getenv(SETTINGS[i].env);
		if (env != NULL && *env != '\0') {
			if (!SETTINGS[i].list) {
				int vrc = setting_ok(flag, env, SETTINGS[i].src, d);
				if (vrc != PL_OK)
					return vrc;
				if (!add_flag(a, flag, env, SETTINGS[i].src))
					return pl_diag_set(d, PL_EINVAL, "too many flags");
				continue;
			}
			/* a list: comma-separated values, kept in cfg.env */
			size_t n = strlen(env);
			if (n >= sizeof cfg.env)
				return pl_diag_set(d, PL_EINVAL, "%s is longer than %zu bytes", SETTINGS[i].env,
						   sizeof cfg.env - 1);
			memcpy(cfg.env, env, n + 1);
			for (char *p = cfg.env, *end = cfg.env + n; p < end;) {
				size_t k = strcspn(p, ",");
				p[k] = '\0';
				if (k > 0 && !add_flag(a, flag, p, SETTINGS[i].src))
					return pl_diag_set(d, PL_EINVAL, "too many flags");
				p += k + 1;
			}
			continue;
		}
		int rc = config_load();
		if (rc != PL_OK) {
			*d = cfg.d;
			return rc;
		}
		for (size_t k = 0; k < cfg.conf.n; k++) {
			if (strcmp(cfg.conf.e[k].name, flag) != 0)
				continue;
			int vrc = setting_ok(flag, cfg.conf.e[k].value, cfg.src[k], d);
			if (vrc != PL_OK)
				return vrc;
			if (!add_flag(a, flag, cfg.conf.e[k].value, cfg.src[k]))
				return pl_diag_set(d, PL_EINVAL, "too many flags");
		}
	}
	return PL_OK;
}

bool cli_parse_cmd(int argc, char **argv, const char *cmd, cli_args *out, int *status)
{
	const cli_cmd *c = cli_cmd_find(cmd);
	if (c == NULL) { /* a command missing from the table: a bug */
		fprintf(stderr, "parley: no help entry for \"%s\"\n", cmd);
		abort();
	}
	*status = EXIT_USAGE;
	if (!cli_parse(argc, argv, c->vf, c->bf, out, cli_synopsis(cmd)))
		return false;
	if (out->help) {
		cli_help_print(stdout, c);
		*status = 0;
		return false;
	}
	pl_diag d = {0};
	if (config_apply(c, out, &d) != PL_OK) {
		fprintf(stderr, "parley %s: %s\n", cmd, pl_diag_text(&d, PL_EINVAL));
		return false;
	}
	return true;
}

/* ---- parley config ---- */

int cmd_config(int argc, char **argv)
{
	cli_args a;
	int st;
	if (!cli_parse_cmd(argc, argv, "config", &a, &st))
		return st;
	if (a.npos != 0)
		return cli_usage_cmd("config", "config takes no arguments");
	(void)config_load(); /* already loaded unless every setting came from flags or the environment */
	if (cfg.rc != PL_OK) {
		fprintf(stderr, "parley config: %s\n", pl_diag_text(&cfg.d, cfg.rc));
		return EXIT_USAGE;
	}
	bool json = cli_has(&a, "json");
	json_t *root = json ? json_object() : NULL, *settings = json ? json_object() : NULL;
	if (json && (root == NULL || settings == NULL ||
		     json_object_set_new(root, "file", cfg.path[0] ? json_string(cfg.path) : json_null()) != 0 ||
		     json_object_set(root, "settings", settings) != 0)) {
		json_decref(root);
		json_decref(settings);
		return cli_fail("config", PL_ENOMEM, NULL);
	}
	if (!json) {
		if (cfg.path[0])
			printf("configuration file: %s\n", cfg.path);
		else if (cfg.missing[0])
			printf("configuration file: none (%s does not exist)\n", cfg.missing);
		else
			printf("configuration file: none\n");
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		json_t *vals = json ? json_array() : NULL;
		bool any = false;
		for (int k = 0; k < a.nflags; k++) {
			if (strcmp(a.flag[k], SETTINGS[i].flag) != 0)
				continue;
			any = true;
			const char *src = a.src[k];
			char flagsrc[64];
			if (src == NULL) {
				snprintf(flagsrc, sizeof flagsrc, "flag --%s", SETTINGS[i].flag);
				src = flagsrc;
			}
			if (json) {
				size_t sp = strcspn(src, " ");
				json_array_append_new(vals, json_pack("{s:s,s:s%,s:s}", "value", a.val[k], "source", src, sp,
								      "where", src + sp + (src[sp] == ' ')));
			} else {
				printf("%-16s %s\n%-16s   (%s)\n", SETTINGS[i].flag, a.val[k], "", src);
			}
		}
		if (json)
			json_object_set_new(settings, SETTINGS[i].flag, vals);
		else if (!any)
			printf("%-16s -  (not set)\n", SETTINGS[i].flag);
	}
	if (json) {
		char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text != NULL)
			printf("%s\n", text);
		free(text);
	}
	json_decref(settings);
	json_decref(root);
	return 0;
}
