"""A damaged stored instance is never served as a complete answer. In a vault without
encryption nothing but the SHA-256 can tell, and the frame route hashes while it sends: the
answer must stop short of its Content-Length. Series retrieval reads ahead and checks each
instance before its part starts: the answer stops before the damaged part. The undamaged
instances of the series still come back whole."""
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

FILES = ["CT_small.dcm", "MR_small.dcm"]


class DamagedServingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import pydicom
        cls.data = tempfile.mkdtemp(prefix="custos-damaged-")
        cls.ds, cls.sha = {}, {}
        for n in FILES:
            p = os.path.join(cls.data, n)
            shutil.copy(os.path.join(pydicom_test_files(), n), p)
            cls.ds[n] = pydicom.dcmread(p)
            with open(p, "rb") as f:
                cls.sha[n] = hashlib.sha256(f.read()).hexdigest()
        cls.server = serve.Served(BIN, encrypted=False, imports=[cls.data]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)

    def path(self, name, suffix=""):
        d = self.ds[name]
        return "/dicom-web/studies/%s/series/%s/instances/%s%s" % (
            d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID, suffix)

    def fetch(self, path, accept):
        """(status, declared length, bytes received, complete?) on a fresh connection."""
        u = urllib.parse.urlsplit(self.server.base)
        c = http.client.HTTPSConnection(u.hostname, u.port, context=serve.insecure_context(),
                                        timeout=30)
        try:
            h = dict(self.server.auth_headers())
            h["Accept"] = accept
            c.request("GET", u.path.rstrip("/") + path, headers=h)
            r = c.getresponse()
            length = r.getheader("Content-Length")
            try:
                body = r.read()
                return r.status, length, body, True
            except http.client.IncompleteRead as e:
                return r.status, length, e.partial, False
        except (ConnectionError, http.client.HTTPException) as e:
            return None, None, b"", False
        finally:
            c.close()

    def damage(self, name):
        sha = self.sha[name]
        blob = os.path.join(self.server.vault, "blobs", sha[:2], sha[2:4], sha)
        self.assertTrue(os.path.exists(blob), blob)
        os.chmod(blob, 0o600)
        with open(blob, "r+b") as f:
            f.seek(os.path.getsize(blob) - 100)  # inside the pixel data, near the end
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0xFF]))

    def test_damaged_frame_and_series_are_cut_off(self):
        frame = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
        instance = 'multipart/related; type="application/dicom"; transfer-syntax=*'
        # Before: whole answers, with their length.
        status, length, body, complete = self.fetch(self.path("CT_small.dcm", "/frames/1"), frame)
        self.assertEqual((status, complete), (200, True))
        self.assertEqual(int(length), len(body))
        self.damage("CT_small.dcm")
        status, length, body, complete = self.fetch(self.path("CT_small.dcm", "/frames/1"), frame)
        self.assertFalse(complete and status == 200 and int(length or -1) == len(body),
                         "a damaged frame came back as a complete answer")
        # The other instance is unaffected.
        status, length, body, complete = self.fetch(self.path("MR_small.dcm", "/frames/1"), frame)
        self.assertEqual((status, complete), (200, True))
        # The damaged instance alone, retrieved: never a complete answer holding it.
        status, length, body, complete = self.fetch(self.path("CT_small.dcm"), instance)
        self.assertFalse(complete and status == 200, "a damaged instance came back whole")


if __name__ == "__main__":
    unittest.main()
