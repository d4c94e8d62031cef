/*
 * fuzz_bundle.c - entry bundles (pl_bundle_parse).
 *
 * The first input byte b gives the entry count, b + 1 (1..256, the widths a
 * bundle can have); the rest is the bundle. Properties checked:
 *   - on success every entry span lies inside the bundle, in order, back to
 *     back after its 2-byte length;
 *   - re-encoding the entries with pl_bundle_append gives the bundle back
 *     byte for byte;
 *   - the count is exact: count - 1 and count + 1 entries do not parse.
 * An input of one byte is also parsed as an empty bundle of 0 entries.
 */
#include "fuzz_common.h"

#include "tlog/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned count = (unsigned)data[0] + 1;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	pl_span entries[PL_TILE_WIDTH + 1];
	if (n == 0)
		FZ_CHECK(pl_bundle_parse(p, n, 0, entries) == PL_OK);

	int rc = pl_bundle_parse(p, n, count, entries);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT);
	if (rc != PL_OK)
		return 0;
	FZ_CHECK(n <= PL_BUNDLE_MAX);
	const uint8_t *at = p;
	for (unsigned i = 0; i < count; i++) {
		FZ_CHECK(entries[i].p == at + 2);
		FZ_CHECK(entries[i].n == ((size_t)at[0] << 8 | at[1]));
		at = entries[i].p + entries[i].n;
		FZ_CHECK(at <= p + n);
	}
	FZ_CHECK(at == p + n);

	pl_buf b;
	pl_buf_init(&b, PL_BUNDLE_MAX);
	for (unsigned i = 0; i < count; i++)
		FZ_CHECK(pl_bundle_append(&b, entries[i].p, entries[i].n) == PL_OK);
	FZ_CHECK(fz_same(&b, p, n)); /* round trip */
	pl_buf_release(&b);

	FZ_CHECK(pl_bundle_parse(p, n, count - 1, entries) == PL_EFORMAT);
	FZ_CHECK(pl_bundle_parse(p, n, count + 1, entries) == PL_EFORMAT);
	return 0;
}
