/*
 * safetext.h - text written by others, made safe to show on a terminal.
 *
 * Titles, summaries, notes, reasons, names, refusal sentences, file names:
 * whatever a statement, a server, a file or the network hands Parley may hold
 * newlines, terminal escape sequences (ESC [ ..., OSC 8 hyperlinks, cursor
 * movement), C0 and C1 controls, Unicode bidirectional controls and invalid
 * UTF-8, and a member could use them to fake lines of another member's
 * output (an "[ok]" mark, a whole row). Every string of that kind that the
 * executable prints goes through this module first; admission refusing such
 * characters in some public fields (pl_text_field_check) is a second line, not
 * the defence: a log can hold anything (an operator can append directly) and
 * sealed bodies cannot be checked at all.
 *
 * The DISPLAY FORM (pl_text_line) of a byte string s is s where
 *
 *   - valid UTF-8 passes unchanged, accents, CJK, emoji and the joiners and
 *     variation selectors they use included, except for:
 *   - "\"  (U+005C)                      -> "\\"
 *   - TAB, LF, CR                        -> "\t", "\n", "\r"
 *   - any other C0 control (U+0000-U+001F) and DEL (U+007F)
 *                                        -> "\xHH" (the byte, 2 lower-case hex digits)
 *   - a C1 control (U+0080-U+009F), a bidirectional control (U+061C ALM,
 *     U+200E LRM, U+200F RLM, U+202A-U+202E embeddings and overrides,
 *     U+2066-U+2069 isolates), LINE SEPARATOR U+2028, PARAGRAPH SEPARATOR U+2029
 *                                        -> "\uHHHH" (the code point, 4 lower-case hex digits)
 *   - a byte that does not start a valid UTF-8 sequence (a stray
 *     continuation byte, an overlong form, a surrogate, a truncated sequence,
 *     past U+10FFFF)                     -> "\xHH", and decoding resumes at the next byte.
 *
 * So the display form is valid UTF-8 holding no control character (not even
 * a newline), no bidirectional control and no line separator: one line, shown
 * as it is written, that cannot move the cursor, change colours, open a link
 * or reorder what follows it. It is reversible: "\\" is the only way a
 * backslash is written, so every other "\" starts one of the escapes above,
 * each standing for exactly the bytes it names.
 *
 * The BLOCK FORM (pl_text_block), for long texts (summaries, reasons), is the
 * display form except that each LF is kept and followed by an indent the
 * caller chooses: every line after the first starts with it, so no line of a
 * text can start where the program's own output lines start (the caller picks
 * an indent none of its own lines begins with). Reversible given the indent.
 *
 * JSON output (pl_text_json) is a different matter: it must stay exact JSON
 * that parses to the same values. JSON already forbids raw C0 controls inside
 * strings (jansson writes them \u00XX, so a JSON printer never emits a raw
 * ESC); pl_text_json also writes DEL, C1, bidirectional controls and the line
 * separators as \uXXXX escapes, which decode to the same strings.
 *
 * The escaping is for terminals (and people) only: data is stored, signed,
 * hashed and served exactly as written, and --json output carries the exact
 * strings.
 */
#ifndef PARLEY_BASE_SAFETEXT_H
#define PARLEY_BASE_SAFETEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/refusal.h"

/* The code point pl_text_unsafe_at reports for a byte that is not valid UTF-8. */
#define PL_TEXT_INVALID UINT32_C(0xffffffff)

/*
 * True for the code points the display form escapes as controls: C0
 * (U+0000-U+001F), DEL, C1 (U+0080-U+009F), the bidirectional controls
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and U+2028, U+2029.
 * (The backslash is escaped too, but is not unsafe.)
 */
bool pl_text_cp_unsafe(uint32_t cp);

/*
 * Appends the display form of p[0..n) to out (p may be NULL when n == 0).
 * PL_ETOOBIG past out's cap, PL_ENOMEM; on failure out holds what it held
 * before. The form is at most 4 bytes per input byte.
 */
int pl_text_line(pl_buf *out, const void *p, size_t n) __attribute__((warn_unused_result));

/*
 * Appends the block form of p[0..n) to out: the display form with each LF
 * kept and followed by indent (a NUL-terminated string the caller vouches
 * for; "" indents nothing). Errors as pl_text_line.
 */
int pl_text_block(pl_buf *out, const void *p, size_t n, const char *indent) __attribute__((warn_unused_result));

/*
 * The admission check of a public one-line field: the offset of the first
 * thing in p[0..n) that such a field may not hold, or n when there is none.
 * Such a field may not hold a code point pl_text_cp_unsafe() is true for (a
 * TAB or LF included) nor a byte that is not valid UTF-8. At an offset < n,
 * *cp (if not NULL) gets the code point, or PL_TEXT_INVALID.
 */
size_t pl_text_unsafe_at(const void *p, size_t n, uint32_t *cp);

/*
 * The same as a rule: PL_OK if s[0..n) may be a public one-line field,
 * else PL_EREFUSED with v (if not NULL) filled with PL_R_CONTROL_CHARACTER
 * and a sentence naming the field (what, like "\"title\""), the character
 * and its byte offset.
 */
int pl_text_field_check(const char *s, size_t n, const char *what, pl_refusal *v);

/*
 * Appends to out the JSON text json[0..n) with every DEL, C1 control,
 * bidirectional control and U+2028/U+2029 inside a string written as a
 * \uXXXX escape, so the output holds none of them raw, and parses to the
 * same values. For text a JSON serialiser produced (what it is for) that is
 * the only change. It also never lets through anything else a terminal
 * would act on, whatever the input: inside a string a raw C0 control is
 * written \u00XX and a byte that is not valid UTF-8 \ufffd; outside strings
 * TAB and CR become spaces (JSON whitespace both) and any other control or
 * non-ASCII byte (invalid JSON) gets its display-form escape. LF and
 * printable ASCII outside strings pass unchanged. Errors as pl_text_line.
 */
int pl_text_json(pl_buf *out, const void *json, size_t n) __attribute__((warn_unused_result));

#endif
