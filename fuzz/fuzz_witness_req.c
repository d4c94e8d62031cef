/*
 * fuzz_witness_req.c - tlog-witness add-checkpoint request bodies.
 *
 * The input is parsed with pl_witness_req_parse; a request that parses is
 * formatted back with pl_witness_req_format, and then handled the way a
 * witness would: its checkpoint is opened under a fixed policy (log
 * example.org/cert-log, witness w1, quorum 0) and the consistency proof is
 * checked from the old size, whose root the witness knows from the RFC 6962
 * test tree of tests/vectors (sizes 0..8; other sizes get an all-zero root).
 * Properties checked:
 *   - parsing is canonical: formatting the parsed request gives the input
 *     back byte for byte;
 *   - the parsed fields are in range and the checkpoint is the input's tail;
 *   - every call returns only its documented codes;
 *   - pl_verify_consistency says PL_EINVAL exactly when old > new.
 */
#include "fuzz_common.h"

#include "base/codec.h"
#include "tlog/merkle.h"
#include "tlog/witness_req.h"

/* root N of tests/vectors/rfc6962-tree8.txt */
static const char *const TREE8_ROOTS[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void witness(const pl_witness_req *req)
{
	const fz_keys *k = fz_get_keys();
	pl_checkpoint cp;
	int rc = pl_checkpoint_open(req->checkpoint.p, req->checkpoint.n, &k->cert_log0, &cp, NULL, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_ETOOBIG || rc == PL_EFORMAT || rc == PL_EVERIFY || rc == PL_ENOKEY);
	if (rc != PL_OK)
		return;
	pl_hash old_root;
	memset(&old_root, 0, sizeof old_root);
	if (req->old_size <= 8 &&
	    pl_hex_decode((const uint8_t *)TREE8_ROOTS[req->old_size], PL_HEX_LEN(PL_HASH_SIZE), old_root.b,
			  PL_HASH_SIZE) != PL_OK)
		abort();
	rc = pl_verify_consistency(req->old_size, cp.size, &old_root, &cp.root, req->proof, req->proof_len);
	FZ_CHECK(rc == PL_OK || rc == PL_EVERIFY || rc == PL_EINVAL);
	FZ_CHECK((rc == PL_EINVAL) == (req->old_size > cp.size));
	if (rc == PL_OK && (req->old_size == 0 || req->old_size == cp.size))
		FZ_CHECK(req->proof_len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_witness_req req;
	int rc = pl_witness_req_parse(data, size, &req);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG);
	if (size > PL_WITNESS_REQ_MAX)
		FZ_CHECK(rc == PL_ETOOBIG);
	if (rc != PL_OK)
		return 0;
	FZ_CHECK(req.old_size < PL_TREE_MAX);
	FZ_CHECK(req.proof_len <= PL_PROOF_MAX);
	FZ_CHECK(req.checkpoint.n > 0 && req.checkpoint.p + req.checkpoint.n == data + size);

	pl_buf b;
	pl_buf_init(&b, PL_WITNESS_REQ_MAX);
	FZ_CHECK(pl_witness_req_format(req.old_size, req.proof, req.proof_len, req.checkpoint.p, req.checkpoint.n,
				       &b) == PL_OK);
	FZ_CHECK(fz_same(&b, data, size)); /* canonical round trip */
	pl_buf_release(&b);

	witness(&req);
	return 0;
}
