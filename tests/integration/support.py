"""Shared helpers for the whole-program tests: run the real custos binary against real
DICOM files (Debian's python3-pydicom test files, and files generated here)."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

BIN = os.environ.get("CUSTOS_BIN") or os.path.join(
    os.environ.get("CUSTOS_SOURCE_DIR", "."), "build", "custos")


def pydicom_test_files():
    import pydicom.data as d
    return os.path.join(d.__path__[0], "test_files")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def all_files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def sanitized_binary(path=BIN):
    """Whether the binary was built with AddressSanitizer (its memory figures are larger)."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def committed_instances(vault):
    """The (sop_uid, sha256) rows of an unencrypted vault's index, read directly from
    index.db (read-only; only while no custos process has the vault open)."""
    db = os.path.join(vault, "index.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT sop_uid, sha256 FROM instances").fetchall()
    finally:
        con.close()


def blob_path(vault, sha):
    return os.path.join(vault, "blobs", sha[:2], sha[2:4], sha)


class VaultTestCase(unittest.TestCase):
    """Each test gets a fresh temporary directory with an unencrypted vault in it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="custos-it-")
        self.vault = os.path.join(self.tmp, "vault")
        self.env = dict(os.environ, CUSTOS_VAULT=self.vault)
        r = self.custos("init", "--no-encryption")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def custos(self, *args, timeout=600, check=None):
        r = subprocess.run([BIN, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if check is not None:
            self.assertEqual(r.returncode, check, f"custos {' '.join(args)}: {r.stderr}")
        return r

    def import_json(self, *paths, expect=(0, 3)):
        r = self.custos("import", *paths, "--json")
        self.assertIn(r.returncode, expect, r.stderr + r.stdout[-2000:])
        summary = json.loads(r.stdout)
        self.assert_counts_add_up(summary)
        return summary, r.returncode

    def assert_counts_add_up(self, s):
        total = s["instances_added"] + s["duplicates"] + s["skipped_non_dicom"] + len(s["rejected"])
        self.assertEqual(total, s["files_seen"], s)
        for entry in s["rejected"]:
            self.assertTrue(entry.get("path") and entry.get("reason"), entry)

    def import_measured(self, *paths, timeout=600):
        """import --json under /usr/bin/time: (summary, exit status, peak RSS in MB, seconds).
        Fails the test on a crash (a signal, or an exit status other than 0 and 3)."""
        rss_file = os.path.join(self.tmp, "rss-%d.txt" % time.monotonic_ns())
        start = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, BIN, "import", *paths,
                            "--json"], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        seconds = time.monotonic() - start
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        self.assertNotIn("signal", " ".join(lines), f"custos import crashed: {r.stderr[-2000:]}")
        self.assertIn(r.returncode, (0, 3), f"custos import: {r.stderr[-2000:]}")
        summary = json.loads(r.stdout)
        self.assert_counts_add_up(summary)
        return summary, r.returncode, int(lines[-1]) / 1024, seconds

    def export(self, uids):
        out = os.path.join(self.tmp, "export-%d" % len(os.listdir(self.tmp)))
        r = self.custos("export", *uids, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out


def run_tests():
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
