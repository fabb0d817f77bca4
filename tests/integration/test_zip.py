#!/usr/bin/python3
"""Zip import: a normal archive imports like a folder; a zip-slip entry, a zip bomb and a
corrupt archive are each refused with a clear reason; nothing is written outside the vault."""
import os
import struct
import zipfile

from gen import make_instance, make_set
from support import VaultTestCase, all_files, run_tests, sha256


class ZipImport(VaultTestCase):
    def test_normal_archive_imports_like_a_folder(self):
        src = os.path.join(self.tmp, "src")
        paths = make_set(src, studies=2, series=2, per_series=3)
        archive = os.path.join(self.tmp, "scans.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, os.path.relpath(p, src))
            z.writestr("README.TXT", "Images from General Hospital")
        summary, code = self.import_json(archive)
        self.assertEqual(code, 0)
        self.assertEqual(summary["files_seen"], len(paths) + 1)
        self.assertEqual(summary["instances_added"], len(paths))
        self.assertEqual(summary["skipped_non_dicom"], 1)
        exported = self.export(summary["studies"])
        self.assertEqual({sha256(p) for p in all_files(exported)}, {sha256(p) for p in paths})
        again, _ = self.import_json(archive)
        self.assertEqual(again["instances_added"], 0)

    def test_zip_slip_entry_is_refused(self):
        src = os.path.join(self.tmp, "src")
        paths = make_set(src, studies=1, series=1, per_series=2)
        archive = os.path.join(self.tmp, "slip.zip")
        with zipfile.ZipFile(archive, "w") as z:
            z.write(paths[0], "ok/one.dcm")
            with open(paths[1], "rb") as f:
                z.writestr("../../escaped.dcm", f.read())
        summary, code = self.import_json(archive)
        self.assertEqual(code, 3)
        self.assertEqual(summary["instances_added"], 1)
        reasons = [r for r in summary["rejected"] if "escaped" in r["path"]]
        self.assertEqual(len(reasons), 1, summary["rejected"])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "..", "escaped.dcm")))

    def test_zip_bomb_is_refused(self):
        # A real DICOM header whose pixel data claims 1 GiB of zeros: it must be read to be
        # judged, so only the expansion limit stops it.
        header = os.path.join(self.tmp, "header.dcm")
        make_instance(header, size=4)
        with open(header, "rb") as f:
            data = f.read()
        tag = data.rindex(b"\xe0\x7f\x10\x00OW\x00\x00")
        head = data[:tag + 8] + struct.pack("<I", 1 << 30)
        archive = os.path.join(self.tmp, "bomb.zip")
        zeros = b"\0" * (1 << 20)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("bomb.dcm", "w", force_zip64=True) as f:
                f.write(head)
                for _ in range(1024):  # 1 GiB of zeros, about 1 MB compressed
                    f.write(zeros)
        summary, code = self.import_json(archive)
        self.assertEqual(code, 3)
        self.assertEqual(summary["instances_added"], 0)
        self.assertTrue(any("bomb" in r["reason"] or "expands" in r["reason"]
                            for r in summary["rejected"]), summary["rejected"])
        self.assertLess(summary["bytes_read"], 1 << 30)

    def test_corrupt_archive_is_refused(self):
        src = os.path.join(self.tmp, "src")
        paths = make_set(src, studies=1, series=1, per_series=4, size=64)
        good = os.path.join(self.tmp, "good.zip")
        with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, os.path.basename(p))
        with open(good, "rb") as f:
            data = f.read()
        truncated = os.path.join(self.tmp, "truncated.zip")
        with open(truncated, "wb") as f:
            f.write(data[: len(data) // 2])
        garbage = os.path.join(self.tmp, "garbage.zip")
        with open(garbage, "wb") as f:
            f.write(b"PK\x03\x04" + bytes((i * 37) % 256 for i in range(5000)))
        for archive in (truncated, garbage):
            summary, code = self.import_json(archive)
            self.assertEqual(code, 3, summary)
            self.assertTrue(summary["rejected"], summary)
        self.custos("verify", check=0)


if __name__ == "__main__":
    run_tests()
