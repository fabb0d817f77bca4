"""Conformance by comparison: the same DICOM files loaded into Orthanc (Debian's package
with its DICOMweb plugin) and into custos; QIDO-RS at every level must find the same
matches for a table of queries with the same values for the standard attributes, and
WADO-RS metadata must agree element by element. Every intended difference is listed below
with its reason (and in src/dicomweb/README.md)."""
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import orthanc as orthanc_peer  # noqa: E402
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

# Real files of several kinds (CT, MR, NM, RT, SR, multi-frame, compressed, big endian).
FILES = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "rtdose.dcm",
         "rtstruct.dcm", "emri_small.dcm", "SC_rgb_small_odd.dcm", "test-SR.dcm",
         "MR_small_bigendian.dcm", "liver_1frame.dcm", "waveform_ecg.dcm",
         "693_J2KI.dcm", "JPGExtended.dcm", "reportsi.dcm"]

STUDY_ATTRS = ["00080020", "00080030", "00080050", "00080061", "00080090", "00100010",
               "00100020", "00100030", "00100040", "0020000D", "00200010", "00201206",
               "00201208"]
SERIES_ATTRS = ["00080060", "0008103E", "0020000E", "00200011", "00201209"]
INSTANCE_ATTRS = ["00080016", "00080018", "00200013", "00280010", "00280011", "00280008"]

# Intended differences, each with its reason:
INTENDED = {
    # RetrieveURL names each server's own address; the paths must agree.
    "00081190": "absolute URL of the server answering",
    # Orthanc sends the character set of the file or ISO_IR 192 depending on its settings;
    # custos always answers in UTF-8 (ISO_IR 192), having converted every text value.
    "00080005": "custos answers UTF-8 throughout",
}
# Metadata elements Orthanc adds or keeps that custos does not, or the reverse (the
# difference is in representation, not in the data; see src/dicomweb/README.md).
METADATA_SKIP = {"00080005", "00081190"}


def values(obj, tag):
    v = obj.get(tag, {}).get("Value")
    if v is None:
        return None
    out = []
    for x in v:
        if isinstance(x, dict) and "Alphabetic" in x:
            out.append(x["Alphabetic"])
        elif isinstance(x, float) and x.is_integer():
            out.append(int(x))
        else:
            out.append(x)
    if tag == "00080061":
        out = sorted(out)
    return out


class ConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        src = pydicom_test_files()
        cls.data = tempfile.mkdtemp(prefix="custos-conf-")
        for n in FILES:
            if os.path.exists(os.path.join(src, n)):
                shutil.copy(os.path.join(src, n), cls.data)
        cls.orthanc = orthanc_peer.Orthanc().__enter__()
        cls.stored = [n for n in sorted(os.listdir(cls.data))
                      if cls.orthanc.store(os.path.join(cls.data, n))]
        for n in sorted(os.listdir(cls.data)):
            if n not in cls.stored:  # only what both servers hold is compared
                os.remove(os.path.join(cls.data, n))
        cls.custos = serve.Served(BIN, imports=[cls.data]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.custos.__exit__(None, None, None)
        cls.orthanc.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)

    def both(self, path):
        s1, b1 = self.orthanc.get("/dicom-web" + path)
        s2, _, b2 = self.custos.request("GET", "/dicom-web" + path,
                                        headers={"Accept": "application/dicom+json"})
        self.assertEqual(s1, 200, (path, b1[:300]))
        self.assertEqual(s2, 200, (path, b2[:300]))
        return json.loads(b1 or b"[]"), json.loads(b2 or b"[]")

    def compare_level(self, path, key, attrs):
        o, c = self.both(path)
        by_o = {values(x, key)[0]: x for x in o}
        by_c = {values(x, key)[0]: x for x in c}
        self.assertEqual(sorted(by_c), sorted(by_o), "matches of " + path)
        for uid, ox in by_o.items():
            cx = by_c[uid]
            for tag in attrs:
                if tag in INTENDED:
                    continue
                self.assertEqual(values(cx, tag), values(ox, tag),
                                 "%s %s of %s" % (path, tag, uid))
                if tag in ox and "vr" in ox[tag]:
                    self.assertEqual(cx.get(tag, {}).get("vr"), ox[tag]["vr"], tag)
            ou = values(ox, "00081190")
            cu = values(cx, "00081190")
            if ou:
                self.assertTrue(cu, "RetrieveURL of %s" % uid)
                self.assertEqual(urllib.parse.urlparse(cu[0]).path,
                                 urllib.parse.urlparse(ou[0]).path)
        return o

    def test_qido_studies(self):
        everything = self.compare_level("/studies", "0020000D", STUDY_ATTRS)
        self.assertGreaterEqual(len(everything), 8)
        uids = [values(x, "0020000D")[0] for x in everything]
        queries = ["PatientName=CompressedSamples*", "PatientName=*^CT1",
                   "PatientName=compressedsamples^mr1", "PatientName=Comp?essedSamples^CT1",
                   "StudyDate=20040119", "StudyDate=20040101-20041231", "StudyDate=-20031231",
                   "StudyDate=20040826-", "ModalitiesInStudy=CT", "ModalitiesInStudy=MR",
                   "StudyInstanceUID=" + "%5C".join(uids[:2]), "PatientID=" + "nonexistent",
                   "AccessionNumber=*", "limit=3", "fuzzymatching=true&PatientName=comp*"]
        for q in queries:
            with self.subTest(q=q):
                o, c = self.both("/studies?" + q)
                if q.startswith("limit"):
                    self.assertEqual(len(c), len(o))
                else:
                    self.compare_level("/studies?" + q, "0020000D", STUDY_ATTRS)

    def test_qido_series_and_instances(self):
        self.compare_level("/series", "0020000E", SERIES_ATTRS)
        for q in ["Modality=MR", "Modality=CT", "SeriesNumber=1"]:
            with self.subTest(q=q):
                self.compare_level("/series?" + q, "0020000E", SERIES_ATTRS)
        studies, _ = self.both("/studies")
        for st in studies:
            uid = values(st, "0020000D")[0]
            series = self.compare_level("/studies/%s/series" % uid, "0020000E", SERIES_ATTRS)
            for se in series:
                suid = values(se, "0020000E")[0]
                self.compare_level("/studies/%s/series/%s/instances" % (uid, suid),
                                   "00080018", INSTANCE_ATTRS)
        self.compare_level("/instances?Modality=CT", "00080018", INSTANCE_ATTRS)

    def test_wado_metadata_agrees_element_by_element(self):
        studies, _ = self.both("/studies")
        compared = 0
        for st in studies:
            uid = values(st, "0020000D")[0]
            o, c = self.both("/studies/%s/metadata" % uid)
            by_o = {values(x, "00080018")[0]: x for x in o}
            by_c = {values(x, "00080018")[0]: x for x in c}
            self.assertEqual(sorted(by_c), sorted(by_o))
            for sop, ox in by_o.items():
                cx = by_c[sop]
                for tag, oe in ox.items():
                    if tag in METADATA_SKIP or tag.startswith("0002"):
                        continue
                    self.assertIn(tag, cx, "%s missing in custos's metadata of %s" % (tag, sop))
                    ce = cx[tag]
                    self.assertEqual(ce.get("vr"), oe.get("vr"), "%s VR of %s" % (tag, sop))
                    if "Value" in oe and "Value" in ce and oe["vr"] != "SQ":
                        self.assertEqual(values(cx, tag), values(ox, tag),
                                         "%s of %s" % (tag, sop))
                    if "BulkDataURI" in oe or "InlineBinary" in oe:
                        self.assertTrue("BulkDataURI" in ce or "InlineBinary" in ce, tag)
                    compared += 1
        self.assertGreater(compared, 300)


if __name__ == "__main__":
    unittest.main()
