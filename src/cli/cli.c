/* cli.c - argument helpers and error reporting for the parley executable. */
#include "cli/cli.h"

#include "base/codec.h"
#include "store/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
	default:
		return EXIT_FAIL;
	}
}

int cli_fail(const char *cmd, int err, const pl_diag *d)
{
	fprintf(stderr, "parley %s: %s\n", cmd, pl_diag_text(d, err));
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
	if (access(arg, F_OK) != 0)
		return pl_diag_set(d, PL_EINVAL, "--vkey %s is neither a verifier key (name+id+key) nor a file", arg);
	return pl_read_vkey_file(arg, v, d);
}

bool cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO) == 1;
}
