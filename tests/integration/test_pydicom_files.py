#!/usr/bin/python3
"""Import of every file in Debian's python3-pydicom test-file folder (with its DICOMDIR tree):
each file DCMTK reads comes back bit-exact through export, malformed ones are rejected with a
reason, nothing crashes, the counts add up, and a re-import adds nothing."""
import json
import os
import subprocess
import unittest

import pydicom

from support import VaultTestCase, all_files, pydicom_test_files, run_tests, sha256

# Files whose verdict depends on the reader: truncated or bent in ways one reader accepts and
# another refuses. They must be either stored bit-exact or rejected with a reason.
AMBIGUOUS = {"MR_truncated.dcm", "rtplan_truncated.dcm", "badVR.dcm", "J2K_pixelrep_mismatch.dcm"}


def dcmtk_reads(path):
    """DCMTK's own verdict (dcmdump), the reference for 'valid'."""
    r = subprocess.run(["dcmdump", "-q", "+E", path], capture_output=True, timeout=60)
    return r.returncode == 0


class PydicomFiles(VaultTestCase):
    def test_every_file_is_kept_bit_exact_or_refused_with_a_reason(self):
        src = pydicom_test_files()
        files = all_files(src)
        summary, code = self.import_json(src)
        self.assertEqual(summary["files_seen"], len(files))
        self.assertEqual(code, 3 if summary["rejected"] else 0)
        self.assertGreater(summary["instances_added"], 40)
        self.assertGreater(summary["skipped_non_dicom"], 3)   # README.txt, *.json, zipMR.gz ...

        rejected = {os.path.basename(r["path"]) for r in summary["rejected"]}
        exported = self.export(summary["studies"])
        exported_digests = {sha256(p) for p in all_files(exported)}
        input_digests = {sha256(p) for p in files}
        self.assertTrue(exported_digests <= input_digests, "an exported file is not an input")

        for path in files:
            name = os.path.basename(path)
            if name in AMBIGUOUS or name.startswith("DICOMDIR"):
                continue
            if path.endswith((".txt", ".json", ".gz", ".dump")):
                continue
            if dcmtk_reads(path) and name not in rejected:
                self.assertIn(sha256(path), exported_digests, f"{name} did not come back bit-exact")

        again, _ = self.import_json(src)
        self.assertEqual(again["instances_added"], 0)
        self.assertEqual(again["duplicates"], summary["instances_added"] + summary["duplicates"])
        self.custos("verify", check=0)

    def test_deflated_big_endian_and_metaless_files_are_indexed(self):
        src = pydicom_test_files()
        picks = ["image_dfl.dcm", "MR_small_bigendian.dcm", "ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm",
                 "MR_small_implicit.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm"]
        summary, _ = self.import_json(*[os.path.join(src, p) for p in picks])
        self.assertEqual(summary["rejected"], [])
        self.assertEqual(summary["instances_added"], len(picks))
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        for s in studies:
            for key in ("StudyInstanceUID", "StudyDate", "PatientName", "PatientID",
                        "ModalitiesInStudy", "BodyPartExamined", "StudyDescription",
                        "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances"):
                self.assertIn(key, s)
        # Instances are counted by SOP Instance UID: the versions a conflict keeps (three
        # encodings of MR_small, two of ExplVR_*NoMeta) count once.
        uids = {str(pydicom.dcmread(os.path.join(src, p), force=True).SOPInstanceUID)
                for p in picks}
        self.assertEqual(len(uids), 4)
        self.assertEqual(sum(s["NumberOfStudyRelatedInstances"] for s in studies), len(uids))


if __name__ == "__main__":
    run_tests()
