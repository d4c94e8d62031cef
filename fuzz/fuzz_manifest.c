/*
 * fuzz_manifest.c - evidence manifests (pl_manifest_parse).
 *
 * Properties: the outcome is PL_OK or a documented refusal (PL_EFORMAT,
 * PL_ETOOBIG); on PL_OK every listed path is safe and the list is sorted
 * without duplicates, every STIX/YARA path and pcap dataset is listed, every
 * expected hit names a dataset of the manifest with the fields its kind needs.
 */
#include "fuzz_common.h"

#include "evidence/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_manifest m;
	int rc = pl_manifest_parse(data, size, &m, NULL);
	FZ_CHECK(rc == PL_OK || rc == PL_EFORMAT || rc == PL_ETOOBIG || rc == PL_ENOMEM);
	if (rc == PL_OK) {
		for (size_t i = 0; i < m.nfiles; i++) {
			FZ_CHECK(pl_package_path_ok(m.files[i].path));
			FZ_CHECK(i == 0 || strcmp(m.files[i - 1].path, m.files[i].path) < 0);
		}
		for (size_t i = 0; i < m.nstix; i++)
			FZ_CHECK(pl_manifest_find(&m, m.stix[i]) != NULL);
		for (size_t i = 0; i < m.nyara; i++)
			FZ_CHECK(pl_manifest_find(&m, m.yara[i]) != NULL);
		for (size_t i = 0; i < m.ndatasets; i++)
			FZ_CHECK(m.datasets[i].kind != PL_DATASET_PCAP || pl_manifest_find(&m, m.datasets[i].where) != NULL);
		for (size_t i = 0; i < m.nexpected; i++) {
			const pl_expected *e = &m.expected[i];
			const pl_manifest_dataset *ds = pl_manifest_dataset_get(&m, e->dataset);
			FZ_CHECK(ds != NULL && (e->rule == NULL) != (e->indicator == NULL));
			if (ds->kind == PL_DATASET_PCAP)
				FZ_CHECK(e->packet >= 1 && e->path == NULL && e->offset == -1);
			else
				FZ_CHECK(e->packet == 0 && e->path != NULL && pl_package_path_ok(e->path));
		}
	}
	pl_manifest_release(&m);
	return 0;
}
