#!/usr/bin/python3
"""Encryption at rest: nothing readable under an encrypted vault (with the same scan finding
everything in an unencrypted one, so the scan is not blind), wrong passphrase, passphrase
change, recovery key, key file, and damaged blobs reported by verify and refused on read."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import warnings

import pydicom

from gen import make_set
from support import BIN, all_files, pydicom_test_files, run_tests, sha256

warnings.filterwarnings("ignore")
PASS = "correct horse battery staple"


def needles(src):
    """Names, IDs, UIDs and runs of pixel bytes of every readable DICOM file under src."""
    found = set()
    for path in all_files(src):
        try:
            ds = pydicom.dcmread(path, force=True)
        except Exception:
            continue
        for key in ("PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID",
                    "SOPInstanceUID"):
            value = str(ds.get(key, "") or "").strip()
            if len(value) >= 8:
                found.add(value.encode())
        pixels = ds.get("PixelData") if "PixelData" in ds else None
        if isinstance(pixels, (bytes, bytearray)) and len(pixels) >= 4096:
            for off in (len(pixels) // 3, len(pixels) // 2):
                run = bytes(pixels[off:off + 32])
                if len(set(run)) > 4:  # skip flat runs, which any file may contain
                    found.add(run)
    return found


def leaks(vault, wanted):
    hits = []
    for path in all_files(vault):
        with open(path, "rb") as f:
            data = f.read()
        for needle in wanted:
            if needle in data:
                hits.append((os.path.relpath(path, vault), needle[:40]))
    return hits


class Encryption(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="custos-enc-")
        self.vault = os.path.join(self.tmp, "vault")
        self.env = dict(os.environ, CUSTOS_VAULT=self.vault, CUSTOS_PASSPHRASE=PASS)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def custos(self, *args, env=None, check=None):
        r = subprocess.run([BIN, *args], env=env or self.env, capture_output=True, text=True,
                           timeout=600)
        if check is not None:
            self.assertEqual(r.returncode, check, f"custos {' '.join(args)}: {r.stderr}")
        return r

    def init(self, *extra):
        r = self.custos("init", *extra, check=0)
        key = re.search(r"\b([0-9A-Z]{7}(?:-[0-9A-Z]{7}){7})\b", r.stdout)
        return key.group(1) if key else None

    def test_nothing_readable_at_rest_and_the_scan_is_not_blind(self):
        src = os.path.join(self.tmp, "src")
        shutil.copytree(pydicom_test_files(), os.path.join(src, "pydicom"))
        make_set(os.path.join(src, "generated"), studies=2, series=2, per_series=3, size=128)
        wanted = needles(src)
        self.assertGreater(len(wanted), 100)

        self.init()
        r = self.custos("import", src)
        self.assertIn(r.returncode, (0, 3), r.stderr)
        self.custos("studies", check=0)
        self.custos("log", "--csv", check=0)
        self.assertEqual(leaks(self.vault, wanted), [])
        self.assertIn("encrypted", self.custos("studies").stdout)

        plain = os.path.join(self.tmp, "plain")
        env = dict(self.env, CUSTOS_VAULT=plain)
        self.custos("init", "--no-encryption", env=env, check=0)
        self.custos("import", src, env=env)
        self.assertGreater(len(leaks(plain, wanted)), 100, "the scan finds nothing even in plain text")
        self.assertIn("not encrypted", self.custos("studies", env=env).stdout)

    def test_wrong_passphrase_fails_fast_and_changes_nothing(self):
        self.init()
        make_set(os.path.join(self.tmp, "src"), studies=1, series=1, per_series=2)
        self.custos("import", os.path.join(self.tmp, "src"), check=0)
        before = {p: sha256(p) for p in all_files(self.vault)}
        r = self.custos("studies", env=dict(self.env, CUSTOS_PASSPHRASE="not it"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("wrong passphrase", r.stderr)
        self.assertNotIn("not it", r.stderr + r.stdout)
        self.assertEqual({p: sha256(p) for p in all_files(self.vault)}, before)

    def test_passphrase_change_then_only_the_new_one_opens(self):
        self.init()
        blobs_before = None
        make_set(os.path.join(self.tmp, "src"), studies=1, series=1, per_series=2)
        self.custos("import", os.path.join(self.tmp, "src"), check=0)
        blobs_before = {p: sha256(p) for p in all_files(os.path.join(self.vault, "blobs"))}
        self.custos("passphrase", "change", env=dict(self.env, CUSTOS_NEW_PASSPHRASE="new one"),
                    check=0)
        self.assertEqual(self.custos("studies").returncode, 1)
        self.custos("studies", env=dict(self.env, CUSTOS_PASSPHRASE="new one"), check=0)
        # Only the key was re-wrapped: no stored object was rewritten.
        self.assertEqual({p: sha256(p) for p in all_files(os.path.join(self.vault, "blobs"))},
                         blobs_before)

    def test_recovery_key_sets_a_new_passphrase(self):
        recovery = self.init()
        self.assertTrue(recovery)
        env = dict(self.env, CUSTOS_PASSPHRASE="", CUSTOS_RECOVERY_KEY=recovery,
                   CUSTOS_NEW_PASSPHRASE="after recovery")
        self.custos("unlock", "--recovery-key", env=env, check=0)
        self.custos("studies", env=dict(self.env, CUSTOS_PASSPHRASE="after recovery"), check=0)
        self.assertEqual(self.custos("studies").returncode, 1)
        bad = dict(env, CUSTOS_RECOVERY_KEY=recovery[:-1] + ("A" if recovery[-1] != "A" else "B"))
        r = self.custos("unlock", "--recovery-key", env=bad)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("recovery key", r.stderr)

    def test_key_file_unlocks_unattended(self):
        key_file = os.path.join(self.tmp, "vault.key")
        self.init("--create-key-file", key_file)
        self.assertEqual(os.stat(key_file).st_mode & 0o077, 0)
        env = dict(self.env, CUSTOS_PASSPHRASE="")
        self.custos("--key-file", key_file, "studies", env=env, check=0)
        self.custos("studies", env=dict(env, CUSTOS_KEY_FILE=key_file), check=0)

    def test_flipped_bit_and_truncated_blob_are_reported_and_refused(self):
        self.init()
        src = os.path.join(self.tmp, "src")
        make_set(src, studies=1, series=1, per_series=4, size=64)
        self.custos("import", src, check=0)
        blobs = all_files(os.path.join(self.vault, "blobs"))
        self.assertEqual(len(blobs), 4)
        with open(blobs[0], "r+b") as f:
            f.seek(os.path.getsize(blobs[0]) // 2)
            b = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([b[0] ^ 0x10]))
        with open(blobs[1], "r+b") as f:
            f.truncate(os.path.getsize(blobs[1]) - 100)
        r = self.custos("verify", "--json")
        self.assertEqual(r.returncode, 1)
        report = json.loads(r.stdout)
        self.assertEqual(report["ok"], 2)
        self.assertEqual({f["sha256"] for f in report["failed"]},
                         {os.path.basename(blobs[0]), os.path.basename(blobs[1])})
        study = json.loads(self.custos("studies", "--json").stdout)[0]["StudyInstanceUID"]
        out = os.path.join(self.tmp, "out")
        self.assertEqual(self.custos("export", study, "--out", out).returncode, 1)
        self.assertEqual(len(all_files(out)), 2)


if __name__ == "__main__":
    run_tests()
