"""DICOMweb beyond what the standard client exercises: bulk data from the metadata's
BulkDataURI, thumbnails, rendering with a window, frames of a compressed file decoded to
uncompressed little endian, 406 with a reason for what cannot be rendered, STOW-RS answers
for failed parts, 400 for a bad query, and the audit of reads."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

FILES = ["CT_small.dcm", "JPEG2000.dcm", "rtdose.dcm", "SC_rgb_rle.dcm"]


def parts_of(headers, body):
    ctype = headers.get("Content-Type", "")
    boundary = [p.split("=", 1)[1].strip('"') for p in ctype.split(";")
                if p.strip().lower().startswith("boundary=")][0]
    out = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        out.append((head.decode(), data[:-2] if data.endswith(b"\r\n") else data))
    return out


def image_size(data):
    """(width, height) of a PNG or baseline JPEG."""
    if data.startswith(b"\x89PNG"):
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


class DicomwebWadoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import pydicom
        cls.data = tempfile.mkdtemp(prefix="custos-wado-")
        cls.ds = {}
        for n in FILES:
            shutil.copy(os.path.join(pydicom_test_files(), n), cls.data)
            cls.ds[n] = pydicom.dcmread(os.path.join(cls.data, n))
        cls.server = serve.Served(BIN, imports=[cls.data]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)

    def path(self, name):
        d = self.ds[name]
        return "/dicom-web/studies/%s/series/%s/instances/%s" % (
            d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID)

    def get(self, path, accept):
        return self.server.request("GET", path, headers={"Accept": accept})

    def test_bulk_data_from_the_metadata(self):
        st, h, body = self.get(self.path("CT_small.dcm") + "/metadata", "application/dicom+json")
        self.assertEqual(st, 200)
        meta = json.loads(body)[0]
        uri = meta["7FE00010"]["BulkDataURI"]
        path = uri[uri.index("/dicom-web"):]
        st, h, body = self.get(path, 'multipart/related; type="application/octet-stream"')
        self.assertEqual(st, 200, body[:200])
        parts = parts_of(h, body)
        self.assertEqual(parts[0][1], self.ds["CT_small.dcm"].PixelData)

    def test_thumbnail_and_window(self):
        st, h, thumb = self.get(self.path("CT_small.dcm") + "/thumbnail?viewport=64,64", "image/jpeg")
        self.assertEqual((st, h["Content-Type"]), (200, "image/jpeg"))
        self.assertLessEqual(max(image_size(thumb)), 64)
        st, _, a = self.get(self.path("CT_small.dcm") + "/rendered", "image/png")
        st2, _, b = self.get(self.path("CT_small.dcm") + "/rendered?window=40,80", "image/png")
        self.assertEqual((st, st2), (200, 200))
        self.assertEqual(image_size(a), (128, 128))
        self.assertNotEqual(a, b)  # another window, other pixels
        st, _, body = self.get(self.path("CT_small.dcm") + "/rendered?window=40,-3", "image/png")
        self.assertEqual(st, 400, body)
        st, _, body = self.get(self.path("SC_rgb_rle.dcm") + "/rendered", "image/png")
        self.assertEqual(st, 200, body[:200])

    def test_compressed_frames_as_stored_and_decoded(self):
        d = self.ds["JPEG2000.dcm"]
        st, h, body = self.get(self.path("JPEG2000.dcm") + "/frames/1",
                               'multipart/related; type="application/octet-stream"; transfer-syntax=*')
        self.assertEqual(st, 200, body[:200])
        stored = parts_of(h, body)[0][1]
        self.assertTrue(stored[:4] in (b"\xff\x4f\xff\x51", b"\x00\x00\x00\x0c"), stored[:8])
        st, h, body = self.get(self.path("JPEG2000.dcm") + "/frames/1",
                               'multipart/related; type="application/octet-stream"')
        self.assertEqual(st, 200, body[:200])
        head, raw = parts_of(h, body)[0]
        self.assertIn("1.2.840.10008.1.2.1", head)
        self.assertEqual(len(raw), d.Rows * d.Columns * d.SamplesPerPixel * d.BitsAllocated // 8)
        st, _, body = self.get(self.path("JPEG2000.dcm") + "/frames/99", "*/*")
        self.assertEqual(st, 404, body)

    def test_what_cannot_be_rendered_is_406_with_a_reason(self):
        st, h, body = self.get(self.path("rtdose.dcm") + "/rendered", "image/jpeg")
        self.assertEqual(st, 406, body[:300])
        self.assertTrue(json.loads(body)["error"]["message"])
        st, _, body = self.get(self.path("CT_small.dcm") + "/rendered", "image/gif")
        self.assertEqual(st, 406, body)
        st, _, body = self.get(self.path("CT_small.dcm"),
                               'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50')
        self.assertEqual(st, 406, body)

    def test_bad_query_is_400(self):
        st, _, body = self.get("/dicom-web/studies?NoSuchAttribute=1", "application/dicom+json")
        self.assertEqual(st, 400, body)
        self.assertIn("NoSuchAttribute", json.loads(body)["error"]["message"])

    def test_stow_failed_parts(self):
        boundary = "b" + uuid.uuid4().hex
        def body_of(parts):
            out = b""
            for p in parts:
                out += b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n"
            return out + b"--" + boundary.encode() + b"--\r\n"
        ctype = 'multipart/related; type="application/dicom"; boundary=' + boundary
        st, _, body = self.server.request("POST", "/dicom-web/studies", body_of([b"not dicom at all"]),
                                          {"Content-Type": ctype, "Accept": "application/dicom+json"})
        self.assertEqual(st, 409, body)
        failed = json.loads(body)["00081198"]["Value"]
        self.assertEqual(failed[0]["00081197"]["Value"], [0xC000])
        with open(os.path.join(pydicom_test_files(), "MR_small.dcm"), "rb") as f:
            mr = f.read()
        st, _, body = self.server.request("POST", "/dicom-web/studies", body_of([mr, b"junk"]),
                                          {"Content-Type": ctype})
        self.assertEqual(st, 202, body)
        answer = json.loads(body)
        self.assertEqual(len(answer["00081199"]["Value"]), 1)
        self.assertEqual(len(answer["00081198"]["Value"]), 1)
        st, _, body = self.server.request("POST", "/dicom-web/studies", b"x",
                                          {"Content-Type": "application/json"})
        self.assertEqual(st, 415, body)

    def test_reads_are_audited_with_their_uids(self):
        self.get(self.path("CT_small.dcm") + "/frames/1", "*/*")
        time.sleep(1.6)
        st, _, body = self.server.request("GET", "/api/v1/audit?action=dicomweb.frames&limit=20")
        entries = json.loads(body)["entries"]
        self.assertTrue(entries, body)
        self.assertIn(self.ds["CT_small.dcm"].SOPInstanceUID, json.dumps(entries))
        self.assertEqual(entries[0]["actor"], "api_token:%s/tests" % serve.OWNER)
        self.assertEqual(entries[0]["origin"], "http 127.0.0.1")


if __name__ == "__main__":
    unittest.main()
