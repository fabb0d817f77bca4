#!/usr/bin/python3
"""A copied hospital CD: a DICOMDIR at the root with upper-case 8.3 references, files copied
with lower-case names, a viewer program and an autorun file beside the DICOM folder, and one
referenced file missing. Everything referenced is imported, the junk skipped, the missing file
reported; the read-only source is never written to."""
import os
import shutil
import stat

from support import VaultTestCase, all_files, pydicom_test_files, run_tests, sha256


# Files of the CD that are not images: the media index, pydicom's README, and what we add.
JUNK = {"DICOMDIR", "README", "VIEWER.EXE", "AUTORUN.INF"}


def lower_case_tree(root):
    """Renames every file and folder below root to lower case (as some copy tools do)."""
    for d, dirs, files in os.walk(root, topdown=False):
        for name in files + dirs:
            if name != name.lower():
                os.rename(os.path.join(d, name), os.path.join(d, name.lower()))


def make_read_only(root):
    for d, dirs, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(d, name), stat.S_IRUSR | stat.S_IRGRP)
        os.chmod(d, stat.S_IRUSR | stat.S_IXUSR)


class CdLayout(VaultTestCase):
    def make_cd(self, lower=True):
        cd = os.path.join(self.tmp, "cd")
        shutil.copytree(os.path.join(pydicom_test_files(), "dicomdirtests", "TINY_ALPHA"), cd)
        with open(os.path.join(cd, "VIEWER.EXE"), "wb") as f:
            f.write(b"MZ\x90\x00" + bytes(range(256)) * 40)
        with open(os.path.join(cd, "AUTORUN.INF"), "w") as f:
            f.write("[autorun]\nopen=VIEWER.EXE\nicon=VIEWER.EXE,0\n")
        missing = os.path.join(cd, "PT000000", "ST000000", "SE000000", "IM000002")
        os.remove(missing)
        if lower:
            lower_case_tree(cd)
        return cd

    def test_cd_copy_is_imported_junk_skipped_missing_reported(self):
        cd = self.make_cd()
        files = all_files(cd)
        before = {p: sha256(p) for p in files}
        make_read_only(cd)
        try:
            summary, code = self.import_json(cd)
        finally:
            for d, dirs, _ in os.walk(cd):
                os.chmod(d, 0o755)
        self.assertEqual(code, 0, summary["rejected"])
        self.assertEqual(summary["files_seen"], len(files))
        # DICOMDIR, README, VIEWER.EXE and AUTORUN.INF are skipped, every image is stored.
        self.assertEqual(summary["skipped_non_dicom"], len(JUNK))
        self.assertEqual(summary["instances_added"] + summary["duplicates"], len(files) - len(JUNK))
        self.assertEqual(len(summary["missing"]), 1)
        self.assertIn("IM000002", summary["missing"][0]["path"].upper())
        self.assertTrue(summary["missing"][0]["reason"])
        self.assertEqual({p: sha256(p) for p in files}, before, "the source was modified")

        exported = self.export(summary["studies"])
        images = {h for p, h in before.items()
                  if os.path.basename(p).upper() not in JUNK}
        self.assertEqual({sha256(p) for p in all_files(exported)}, images)

    def test_upper_case_copy_works_too(self):
        cd = self.make_cd(lower=False)
        summary, code = self.import_json(cd)
        self.assertEqual(code, 0)
        self.assertEqual(len(summary["missing"]), 1)
        self.assertEqual(summary["skipped_non_dicom"], len(JUNK))

    def test_export_layout_is_date_bodypart_modality(self):
        cd = self.make_cd()
        summary, _ = self.import_json(cd)
        exported = self.export(summary["studies"])
        folders = os.listdir(exported)
        self.assertEqual(len(folders), len(summary["studies"]))
        for folder in folders:
            date, body, modality = folder.split("_")[:3]
            self.assertRegex(date, r"^(\d{4}-\d{2}-\d{2}|unknown-date)$")
            self.assertTrue(body and modality)
            self.assertTrue(os.path.isdir(os.path.join(exported, folder, "DICOM")))


if __name__ == "__main__":
    run_tests()
