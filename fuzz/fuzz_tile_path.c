/*
 * fuzz_tile_path.c - tlog-tiles paths (pl_tile_parse_path).
 *
 * Properties checked for a path that parses:
 *   - the tile is in range (level -1..63, width 1..256, index < 10^18);
 *   - pl_tile_path formats it back to the input byte for byte (the parser
 *     accepts only canonical paths);
 *   - pl_tile_path honours its buffer size: the exact size (text + NUL) is
 *     enough, one byte less is PL_ETOOBIG.
 */
#include "fuzz_common.h"

#include "tlog/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_tile t;
	int rc = pl_tile_parse_path((const char *)data, size, &t);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT);
	if (rc != PL_OK)
		return 0;
	FZ_CHECK(t.level >= PL_TILE_LEVEL_ENTRIES && t.level <= 63);
	FZ_CHECK(t.width >= 1 && t.width <= PL_TILE_WIDTH);
	FZ_CHECK(t.index < UINT64_C(1000000000000000000));
	FZ_CHECK(size < PL_TILE_PATH_MAX);

	char out[PL_TILE_PATH_MAX];
	FZ_CHECK(pl_tile_path(&t, out, sizeof out) == PL_OK);
	FZ_CHECK(strlen(out) == size && memcmp(out, data, size) == 0); /* canonical round trip */

	char exact[PL_TILE_PATH_MAX];
	FZ_CHECK(pl_tile_path(&t, exact, size + 1) == PL_OK && strcmp(exact, out) == 0);
	FZ_CHECK(pl_tile_path(&t, exact, size) == PL_ETOOBIG);
	return 0;
}
