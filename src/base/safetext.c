/* safetext.c - terminal-safe forms of text written by others (safetext.h). */
#include "base/safetext.h"

#include "base/err.h"
#include "base/utf8.h"

static const char HEX[] = "0123456789abcdef";

bool pl_text_cp_unsafe(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return true;
	switch (cp) {
	case 0x061c: /* ARABIC LETTER MARK */
	case 0x200e: /* LEFT-TO-RIGHT MARK */
	case 0x200f: /* RIGHT-TO-LEFT MARK */
	case 0x2028: /* LINE SEPARATOR */
	case 0x2029: /* PARAGRAPH SEPARATOR */
		return true;
	default:
		return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
	}
}

/* "\xHH" */
static int put_byte_escape(pl_buf *out, uint8_t b)
{
	char e[4] = {'\\', 'x', HEX[b >> 4], HEX[b & 15]};
	return pl_buf_append(out, e, sizeof e);
}

/* "\uHHHH" (cp <= 0xffff) */
static int put_cp_escape(pl_buf *out, uint32_t cp)
{
	char e[6] = {'\\', 'u', HEX[cp >> 12 & 15], HEX[cp >> 8 & 15], HEX[cp >> 4 & 15], HEX[cp & 15]};
	return pl_buf_append(out, e, sizeof e);
}

/* The display form, with LF followed by indent when indent is not NULL. */
static int display(pl_buf *out, const uint8_t *p, size_t n, const char *indent)
{
	size_t start = out->len;
	int rc = PL_OK;
	size_t i = 0;
	while (rc == PL_OK && i < n) {
		/* a run of bytes that pass unchanged, copied at once */
		size_t j = i;
		uint32_t cp = 0;
		size_t k = 0;
		while (j < n) {
			if (p[j] >= 0x20 && p[j] < 0x7f && p[j] != '\\') {
				j++;
				continue;
			}
			if (p[j] < 0x80 || (k = pl_utf8_decode(p + j, n - j, &cp)) == 0 || pl_text_cp_unsafe(cp))
				break;
			j += k;
		}
		if (j > i && (rc = pl_buf_append(out, p + i, j - i)) != PL_OK)
			break;
		i = j;
		if (i == n)
			break;
		uint8_t b = p[i];
		if (b == '\\') {
			rc = pl_buf_append(out, "\\\\", 2);
			i++;
		} else if (b == '\n' && indent != NULL) {
			if ((rc = pl_buf_putc(out, '\n')) == PL_OK)
				rc = pl_buf_puts(out, indent);
			i++;
		} else if (b == '\n' || b == '\t' || b == '\r') {
			char e[2] = {'\\', b == '\n' ? 'n' : b == '\t' ? 't' : 'r'};
			rc = pl_buf_append(out, e, 2);
			i++;
		} else if (b < 0x80) { /* another C0 control, or DEL */
			rc = put_byte_escape(out, b);
			i++;
		} else if ((k = pl_utf8_decode(p + i, n - i, &cp)) == 0) { /* not valid UTF-8 */
			rc = put_byte_escape(out, b);
			i++;
		} else { /* a C1, bidirectional or separator code point: all in the BMP */
			rc = put_cp_escape(out, cp);
			i += k;
		}
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}

int pl_text_line(pl_buf *out, const void *p, size_t n)
{
	return display(out, p, n, NULL);
}

int pl_text_block(pl_buf *out, const void *p, size_t n, const char *indent)
{
	return display(out, p, n, indent ? indent : "");
}

size_t pl_text_unsafe_at(const void *p, size_t n, uint32_t *cp)
{
	const uint8_t *s = p;
	size_t i = 0;
	while (i < n) {
		uint32_t c;
		size_t k = pl_utf8_decode(s + i, n - i, &c);
		if (k == 0 || pl_text_cp_unsafe(c)) {
			if (cp != NULL)
				*cp = k == 0 ? PL_TEXT_INVALID : c;
			return i;
		}
		i += k;
	}
	return n;
}

int pl_text_field_check(const char *s, size_t n, const char *what, pl_refusal *v)
{
	uint32_t cp = 0;
	size_t at = pl_text_unsafe_at(s, n, &cp);
	if (at == n)
		return PL_OK;
	if (cp == PL_TEXT_INVALID)
		return pl_refuse(v, PL_R_CONTROL_CHARACTER, "%s is not valid UTF-8 (byte %zu)", what, at);
	const char *kind = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ? "a control character"
			   : cp == 0x2028 || cp == 0x2029			       ? "a line separator"
										       : "a bidirectional control";
	return pl_refuse(v, PL_R_CONTROL_CHARACTER, "%s holds %s (U+%04X at byte %zu); a one-line field holds none", what,
			 kind, (unsigned)cp, at);
}

int pl_text_json(pl_buf *out, const void *json, size_t n)
{
	const uint8_t *p = json;
	size_t start = out->len;
	bool in_string = false, escaped = false;
	int rc = PL_OK;
	for (size_t i = 0; rc == PL_OK && i < n;) {
		uint8_t b = p[i];
		uint32_t cp;
		size_t k;
		if (in_string) {
			if (escaped) { /* the character after a backslash: ASCII in JSON, else handled below */
				escaped = false;
				if (b >= 0x20 && b < 0x7f) {
					rc = pl_buf_putc(out, b);
					i++;
					continue;
				}
			}
			if (b == '\\' || b == '"') {
				escaped = b == '\\';
				in_string = b != '"';
				rc = pl_buf_putc(out, b);
				i++;
			} else if (b < 0x20 || b == 0x7f) {
				rc = put_cp_escape(out, b);
				i++;
			} else if (b < 0x80) {
				rc = pl_buf_putc(out, b);
				i++;
			} else if ((k = pl_utf8_decode(p + i, n - i, &cp)) == 0) {
				rc = pl_buf_append(out, "\\ufffd", 6);
				i++;
			} else {
				rc = pl_text_cp_unsafe(cp) ? put_cp_escape(out, cp) : pl_buf_append(out, p + i, k);
				i += k;
			}
		} else if (b == '"') {
			in_string = true;
			rc = pl_buf_putc(out, b);
			i++;
		} else if (b == '\t' || b == '\r') {
			rc = pl_buf_putc(out, ' ');
			i++;
		} else if ((b >= 0x20 && b < 0x7f && b != '\\') || b == '\n') {
			rc = pl_buf_putc(out, b);
			i++;
		} else { /* not JSON: shown in the display form */
			k = b < 0x80 ? 0 : pl_utf8_decode(p + i, n - i, &cp);
			if (k == 0)
				k = 1;
			rc = display(out, p + i, k, NULL);
			i += k;
		}
	}
	if (rc != PL_OK)
		pl_buf_truncate(out, start);
	return rc;
}
