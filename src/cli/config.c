/* config.c - the configuration: flags, then the environment, then one file (config.h). */
#include "cli/config.h"

#include "base/fsio.h"
#include "tlog/note.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cli_setting cli_settings[] = {
	{"server", "PARLEY_SERVER", "the server's URL", "env PARLEY_SERVER", false, 0},
	{"vkey", "PARLEY_VKEY", "the log's verifier key, or a file holding it", "env PARLEY_VKEY", false, 2},
	{"key", "PARLEY_KEY", "your secret key file", "env PARLEY_KEY", false, 1},
	{"passphrase-file", "PARLEY_PASSPHRASE_FILE", "a file holding your key's passphrase", "env PARLEY_PASSPHRASE_FILE",
	 false, 1},
	{"witness-key", "PARLEY_WITNESS_KEY", "witness keys, separated by commas", "env PARLEY_WITNESS_KEY", true, 2},
	{"quorum", "PARLEY_QUORUM", "the witness quorum", "env PARLEY_QUORUM", false, 0},
};
_Static_assert(sizeof cli_settings / sizeof cli_settings[0] == CLI_NSETTINGS, "CLI_NSETTINGS counts the settings");
#define SETTINGS cli_settings
#define NSETTINGS CLI_NSETTINGS

void cli_config_init(cli_config *c)
{
	memset(c, 0, sizeof *c);
}

void cli_config_release(cli_config *c)
{
	for (size_t i = 0; c->src != NULL && i < c->conf.n; i++)
		free(c->src[i]);
	free(c->src);
	c->src = NULL;
	pl_conf_release(&c->conf);
	cli_config_init(c);
}

/* value relative to the file's directory, unless absolute (or a key, for kind 2). */
static int config_resolve(const cli_config *cfg, pl_conf_entry *e, int kind, pl_diag *d)
{
	pl_verifier v;
	if (kind == 0 || e->value[0] == '/' ||
	    (kind == 2 && pl_verifier_parse(e->value, strlen(e->value), &v) == PL_OK))
		return PL_OK;
	const char *slash = strrchr(cfg->path, '/');
	if (slash == NULL)
		return PL_OK; /* the file is in the working directory: so is the path */
	size_t dn = (size_t)(slash - cfg->path), n = dn + 1 + strlen(e->value) + 1;
	char *p = malloc(n);
	if (p == NULL)
		return pl_diag_set(d, PL_ENOMEM, "out of memory");
	snprintf(p, n, "%.*s/%s", (int)dn, cfg->path, e->value);
	free(e->value);
	e->value = p;
	return PL_OK;
}

static int config_read(cli_config *cfg, pl_diag *d)
{
	const char *explicit_ = getenv("PARLEY_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[PATH_MAX];
	if (explicit_ != NULL && *explicit_ != '\0')
		snprintf(path, sizeof path, "%s", explicit_);
	else if (xdg != NULL && xdg[0] == '/' && pl_path_join(path, sizeof path, xdg, "parley/config") == PL_OK)
		;
	else if (home != NULL && *home != '\0' && pl_path_join(path, sizeof path, home, ".config/parley/config") == PL_OK)
		;
	else
		return PL_OK;
	pl_buf b;
	pl_buf_init(&b, PL_CONF_MAX_BYTES + 1);
	int rc = pl_fs_read(path, PL_CONF_MAX_BYTES, &b, NULL);
	if (rc == PL_ENOTFOUND && (explicit_ == NULL || *explicit_ == '\0')) {
		snprintf(cfg->missing, sizeof cfg->missing, "%s", path);
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
		snprintf(cfg->path, sizeof cfg->path, "%s", path);
		rc = pl_conf_parse((const char *)b.data, b.len, path, names, NSETTINGS, &cfg->conf, d);
		if (rc != PL_OK)
			rc = PL_EINVAL;
	}
	pl_buf_release(&b);
	if (rc == PL_OK && cfg->conf.n > 0 && (cfg->src = calloc(cfg->conf.n, sizeof *cfg->src)) == NULL)
		rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
	for (size_t i = 0; rc == PL_OK && i < cfg->conf.n; i++) {
		pl_conf_entry *e = &cfg->conf.e[i];
		size_t k = 0;
		while (strcmp(SETTINGS[k].flag, e->name) != 0)
			k++;
		size_t n = strlen(path) + 32;
		if ((cfg->src[i] = malloc(n)) == NULL)
			rc = pl_diag_set(d, PL_ENOMEM, "out of memory");
		else
			snprintf(cfg->src[i], n, "file %s:%u", path, e->line);
		if (rc == PL_OK)
			rc = config_resolve(cfg, e, SETTINGS[k].path, d);
	}
	return rc;
}

int cli_config_load(cli_config *c)
{
	if (!c->loaded) {
		c->loaded = true;
		c->rc = config_read(c, &c->d);
	}
	return c->rc;
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
int cli_config_apply(cli_config *cfg, const cli_cmd *c, cli_args *a, pl_diag *d)
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
			/* a list: comma-separated values, kept in cfg->env */
			size_t n = strlen(env);
			if (n >= sizeof cfg->env)
				return pl_diag_set(d, PL_EINVAL, "%s is longer than %zu bytes", SETTINGS[i].env,
						   sizeof cfg->env - 1);
			memcpy(cfg->env, env, n + 1);
			for (char *p = cfg->env, *end = cfg->env + n; p < end;) {
				size_t k = strcspn(p, ",");
				p[k] = '\0';
				if (k > 0 && !add_flag(a, flag, p, SETTINGS[i].src))
					return pl_diag_set(d, PL_EINVAL, "too many flags");
				p += k + 1;
			}
			continue;
		}
		int rc = cli_config_load(cfg);
		if (rc != PL_OK) {
			*d = cfg->d;
			return rc;
		}
		for (size_t k = 0; k < cfg->conf.n; k++) {
			if (strcmp(cfg->conf.e[k].name, flag) != 0)
				continue;
			int vrc = setting_ok(flag, cfg->conf.e[k].value, cfg->src[k], d);
			if (vrc != PL_OK)
				return vrc;
			if (!add_flag(a, flag, cfg->conf.e[k].value, cfg->src[k]))
				return pl_diag_set(d, PL_EINVAL, "too many flags");
		}
	}
	return PL_OK;
}

/* ---- parley config ---- */

int cmd_config(const cli_call *call)
{
	const cli_args *a = &call->args;
	cli_config *cfg = call->config;
	if (a->npos != 0)
		return cli_usage_call(call, "config takes no arguments");
	(void)cli_config_load(cfg); /* already loaded unless every setting came from flags or the environment */
	cli_texts t = {0}; /* what the file and the environment say, shown in its display form */
	if (cfg->rc != PL_OK) {
		fprintf(stderr, "parley config: %s\n", cli_text(&t, pl_diag_text(&cfg->d, cfg->rc)));
		cli_texts_release(&t);
		return EXIT_USAGE;
	}
	bool json = cli_has(a, "json");
	json_t *root = json ? json_object() : NULL, *settings = json ? json_object() : NULL;
	if (json && (root == NULL || settings == NULL ||
		     json_object_set_new(root, "file", cfg->path[0] ? json_string(cfg->path) : json_null()) != 0 ||
		     json_object_set(root, "settings", settings) != 0)) {
		json_decref(root);
		json_decref(settings);
		return cli_fail("config", PL_ENOMEM, NULL);
	}
	if (!json) {
		if (cfg->path[0])
			printf("configuration file: %s\n", cli_text(&t, cfg->path));
		else if (cfg->missing[0])
			printf("configuration file: none (%s does not exist)\n", cli_text(&t, cfg->missing));
		else
			printf("configuration file: none\n");
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		json_t *vals = json ? json_array() : NULL;
		bool any = false;
		for (int k = 0; k < a->nflags; k++) {
			if (strcmp(a->flag[k], SETTINGS[i].flag) != 0)
				continue;
			any = true;
			const char *src = a->src[k];
			char flagsrc[64];
			if (src == NULL) {
				snprintf(flagsrc, sizeof flagsrc, "flag --%s", SETTINGS[i].flag);
				src = flagsrc;
			}
			if (json) {
				size_t sp = strcspn(src, " ");
				json_array_append_new(vals, json_pack("{s:s,s:s%,s:s}", "value", a->val[k], "source", src, sp,
								      "where", src + sp + (src[sp] == ' ')));
			} else {
				printf("%-16s %s\n%-16s   (%s)\n", SETTINGS[i].flag, cli_text(&t, a->val[k]), "",
				       cli_text(&t, src));
			}
		}
		if (json)
			json_object_set_new(settings, SETTINGS[i].flag, vals);
		else if (!any)
			printf("%-16s -  (not set)\n", SETTINGS[i].flag);
	}
	if (json) {
		cli_print_json(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	}
	json_decref(settings);
	json_decref(root);
	cli_texts_release(&t);
	return 0;
}
