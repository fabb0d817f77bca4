"""Conformance by comparison: the same DICOM files loaded into Orthanc (Debian's package
with its DICOMweb plugin) and into custos; QIDO-RS at every level (flat and nested) must
find the same matches for a table of queries, page the same way with limit/offset, and
give the same values and VRs for the standard attributes; WADO-RS metadata must agree
element by element, into sequences, for every instance. Every intended difference is
listed below with its reason (and in src/dicomweb/README.md, "Intended differences").

Each test collects every difference it finds and fails once, naming for each the request,
the UID, the tag with its keyword, and both values."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import urllib.parse

import pydicom
import pydicom.valuerep
from pydicom.datadict import keyword_for_tag

sys.path.insert(0, os.path.dirname(__file__))
import orthanc as orthanc_peer  # noqa: E402
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

# Real files of several kinds: CT, MR, NM, RT, SR, SEG, ECG, US, secondary capture;
# native, JPEG, JPEG 2000, big endian; several instances in one series; text in ten
# character sets (single-byte, ISO 2022 with code extensions, UTF-8, GB18030).
# MR_small_bigendian.dcm has MR_small.dcm's SOP Instance UID with other bytes: a conflict.
FILES = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "rtdose.dcm",
         "rtstruct.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_small_odd_jpeg.dcm",
         "SC_rgb_jpeg_dcmtk.dcm", "test-SR.dcm", "MR_small_bigendian.dcm",
         "liver_1frame.dcm", "waveform_ecg.dcm", "693_J2KI.dcm", "JPGExtended.dcm",
         "reportsi.dcm", "ExplVR_BigEnd.dcm", "J2K_pixelrep_mismatch.dcm"]
CHARSET_FILES = ["chrArab.dcm", "chrFren.dcm", "chrGerm.dcm", "chrGreek.dcm", "chrH31.dcm",
                 "chrH32.dcm", "chrHbrw.dcm", "chrI2.dcm", "chrRuss.dcm", "chrX1.dcm",
                 "chrX2.dcm", "chrKoreanMulti.dcm"]

STUDY_ATTRS = ["00080020", "00080030", "00080050", "00080061", "00080090", "00100010",
               "00100020", "00100030", "00100040", "0020000D", "00200010", "00201206",
               "00201208"]
SERIES_ATTRS = ["00080060", "0008103E", "0020000E", "00200011", "00201209"]
INSTANCE_ATTRS = ["00080016", "00080018", "00200013", "00280010", "00280011", "00280008"]

# Intended differences, each with its reason (the same list is in src/dicomweb/README.md,
# "Intended differences"). Anything else that differs fails the test.

# QIDO-RS attributes whose values are not compared (tag: reason).
INTENDED = {
    # Checked separately: the paths must agree, the host is each server's own.
    "00081190": "RetrieveURL is an absolute URL naming the server answering",
    "00080005": "custos answers UTF-8 throughout (ISO_IR 192), having converted every text "
                "value; Orthanc names the character set of one stored instance",
}
# QIDO-RS attributes custos returns with a value where Orthanc leaves them out (tag: reason).
CUSTOS_ONLY_QIDO = {
    "00080056": "InstanceAvailability (ONLINE): PS3.18 Table 10.6.3-3 lists it",
    "00081030": "StudyDescription: returned at the study level (Orthanc does not)",
    "00080021": "SeriesDate: returned at the series level",
    "00083002": "AvailableTransferSyntaxUID: the stored syntax, at the instance level",
    "00080061": "ModalitiesInStudy: PS3.18 10.6.3.3 returns the study attributes in series "
                "and instance queries without a study in the path; Orthanc returns a subset",
    "00201206": "NumberOfStudyRelatedSeries: as ModalitiesInStudy",
    "00201208": "NumberOfStudyRelatedInstances: as ModalitiesInStudy",
    "00201209": "NumberOfSeriesRelatedInstances: the series attributes in instance queries",
    "0008103E": "SeriesDescription: the series attributes in instance queries",
}
# A required return attribute without a value: custos returns it empty ({"vr": ..}, the
# zero-length return key of PS3.4 C.2.2.1.2; the index does not tell absent from empty),
# Orthanc leaves it out. Accepted for any tag, only when custos's element has no Value.
EMPTY_RETURN_KEY = "custos returns a required attribute without value; Orthanc omits it"
# QIDO-RS attributes Orthanc returns that custos does not (tag: reason): none now.
ORTHANC_ONLY_QIDO = {}
# WADO-RS metadata elements not compared (tag: reason).
METADATA_SKIP = {
    "00080005": "Specific Character Set: text is UTF-8 in both; each server names the "
                "set differently (see src/dicomweb/README.md)",
    "00081190": "RetrieveURL: absolute URL of the server answering",
    "FFFCFFFC": "Data Set Trailing Padding carries no data (PS3.5 7.1.2 lets an "
                "application drop it); custos leaves it out, Orthanc reports it",
}
# Metadata elements only custos gives (tag: reason).
CUSTOS_ONLY_METADATA = {
    "7FE00010": "Pixel Data of encapsulated (compressed) instances: custos gives its "
                "BulkDataURI (frames and bulk data are served from it); Orthanc leaves it out",
}
# Text values that differ only by leading/trailing spaces: custos removes them (they are
# not significant in any string VR but LT/ST/UT, PS3.5 Table 6.2-1); Orthanc keeps some
# ("DERIVED " in 693_J2KI.dcm, private creators "HMC " in J2K_pixelrep_mismatch.dcm).
SPACES = "insignificant leading/trailing spaces removed by custos"
# Orthanc 1.10's own defects, seen on these files: there pydicom's decoding of the file is
# the referee, and custos must agree with it (file: reason).
ORTHANC_DEFECTS = {
    # QIDO-RS answers from Orthanc's database, where text in these sets lost its letters:
    # "^" for an Arabic name, nothing for a Greek one, "Yamada^Tarou=^=^" for Japanese.
    # Its metadata of the same files (read from the file) is right.
    **{f: "Orthanc's QIDO-RS loses text outside Latin-1" for f in (
        "chrArab.dcm", "chrGreek.dcm", "chrH31.dcm", "chrH32.dcm", "chrHbrw.dcm",
        "chrI2.dcm", "chrRuss.dcm", "chrX1.dcm", "chrX2.dcm", "chrKoreanMulti.dcm")},
    # ISO 2022 IR 13 (JIS X 0201): Orthanc reads byte 5C as a Yen sign also where it is the
    # value delimiter (PS3.5 6.1.2.5.3 keeps it a delimiter), so multi-valued elements become
    # one value ("ORIGINAL¥PRIMARY...") and DS values are dropped; half-width katakana names
    # lose their ideographic and phonetic groups.
    "J2K_pixelrep_mismatch.dcm": "Orthanc reads the 5C delimiter as a Yen sign (IR 13)",
}
# Queries on non-ASCII names Orthanc 1.10 answers with no match (its database lost the
# text, or it does not match accented letters): custos must find these files' studies.
NON_ASCII_QUERIES = {
    "PatientName=Buc^J%C3%A9r%C3%B4me": ["chrFren.dcm"],
    "PatientName=*%C3%A9*": ["chrFren.dcm"],
    "PatientName=%CE%94*": ["chrGreek.dcm"],
    "PatientName=*%E5%B1%B1%E7%94%B0*": ["chrH31.dcm", "chrH32.dcm"],
}
# Queries custos answers differently on purpose: query -> (reason, how custos's matches
# follow from Orthanc's answers to other queries).
MATCHING_DIFFERENCES = {
    "StudyDate=-20031231": (
        "a range does not match an empty date (PS3.4 C.2.2.2.5: the value must lie in the "
        "range); Orthanc matches studies without a date to \"-date\"",
        lambda t: t.matches("/studies?StudyDate=-20031231") -
        t.matches("/studies?StudyDate=", only_empty="00080020")),
    "AccessionNumber=*": (
        "a lone \"*\" is universal matching (PS3.4 C.2.2.2.3) and also matches an empty "
        "or absent value; Orthanc requires the attribute in the file",
        lambda t: t.matches("/studies")),
    "ReferringPhysicianName=*": (
        "a lone \"*\" is universal matching (PS3.4 C.2.2.2.3); Orthanc requires the "
        "attribute in the file", lambda t: t.matches("/studies")),
    "ModalitiesInStudy=CT%5CMR": (
        "a backslash list of values for a non-UID key matches any of them (an extension, "
        "as DIMSE C-FIND providers do; CP-282 allows lists only for UIDs); Orthanc matches "
        "none", lambda t: t.matches("/studies?ModalitiesInStudy=CT") |
        t.matches("/studies?ModalitiesInStudy=MR")),
    "Modality=CT%5CSR": (
        "a backslash list of values for a non-UID key matches any of them (an extension); "
        "Orthanc matches none",
        lambda t: t.matches("/series?Modality=CT") | t.matches("/series?Modality=SR")),
}
# Orthanc repeats the study's attributes in series and instance queries under
# /studies/{study}/; custos returns them only without a study in the path (PS3.18 10.6.3.3).
NESTED_STUDY_ATTRIBUTES = "study attributes in queries under /studies/{study}/: Orthanc only"
STUDY_LEVEL = {"00080020", "00080030", "00080050", "00080090", "00100010", "00100020",
               "00100030", "00100040", "00200010", "00080201", "00081030", "00080061",
               "00201206", "00201208"}
# UID lists: Orthanc matches a comma-separated list (PS3.18 8.3.4.1) and reads "a%5Cb" as
# one literal UID (no match); custos accepts both, backslash being PS3.4 C.2.2.2.2's form.
UID_LIST_BACKSLASH = "custos also takes a backslash-separated UID list; Orthanc matches none"

STUDY_QUERIES = [
    "PatientName=CompressedSamples*", "PatientName=*^CT1",
    "PatientName=compressedsamples^mr1", "PatientName=Comp?essedSamples^CT1",
    "PatientName=Yamada*", "PatientName=Lestrade^G", "PatientName=Buc*",
    "StudyDate=20040119", "StudyDate=20040101-20041231", "StudyDate=-20031231",
    "StudyDate=20040826-", "StudyDate=", "StudyTime=070000-080000",
    "ModalitiesInStudy=CT", "ModalitiesInStudy=MR", "ModalitiesInStudy=CT%5CMR",
    "ModalitiesInStudy=OT", "PatientID=nonexistent", "PatientID=4MR1", "PatientID=*MR*",
    "AccessionNumber=*", "StudyID=4MR1", "PatientSex=F", "PatientBirthDate=19000101-",
    "ReferringPhysicianName=*", "fuzzymatching=true&PatientName=comp*",
]
SERIES_QUERIES = ["Modality=MR", "Modality=CT", "Modality=CT%5CSR", "SeriesNumber=1",
                  "SeriesNumber=2", "Modality=O?", "PatientName=Comp*&Modality=NM",
                  "StudyDate=20040826"]
INSTANCE_QUERIES = ["Modality=CT", "InstanceNumber=1", "Rows=64",
                    "SOPClassUID=1.2.840.10008.5.1.4.1.1.7", "Modality=SR"]


def tag_name(tag):
    kw = keyword_for_tag(int(tag, 16)) if len(tag) == 8 else ""
    return "%s %s" % (tag, kw or "(private or unknown)")


def normalize(tag, v):
    out = []
    for x in v:
        if isinstance(x, dict) and "vr" not in x:  # PN as in DICOM JSON
            x = "=".join(x.get(g, "") for g in ("Alphabetic", "Ideographic", "Phonetic"))
            out.append(x.rstrip("="))
        elif isinstance(x, float) and x.is_integer():
            out.append(int(x))
        else:
            out.append(x)
    return sorted(out) if tag == "00080061" else out


def values(obj, tag):
    v = obj.get(tag, {}).get("Value")
    return None if v is None else normalize(tag, v)


def stripped(v):
    return [x.strip() if isinstance(x, str) else x for x in v] if v else v


def pydicom_values(path, tag):
    """The referee: pydicom's decoding of the file, in the form of values()."""
    ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    elem = ds.get(int(tag, 16))
    if elem is None or elem.value in (None, "", b""):
        return None
    v = elem.value if elem.VM != 1 or isinstance(elem.value, list) else [elem.value]
    out = []
    for x in v:
        if isinstance(x, (pydicom.valuerep.DSfloat, float)):
            x = float(x)
        elif isinstance(x, (pydicom.valuerep.IS, int)):
            x = int(x)
        else:
            x = str(x)
        out.append(x)
    return normalize(tag, out)


class ConformanceTest(unittest.TestCase):
    documented = {}  # reason: how often seen

    @classmethod
    def setUpClass(cls):
        cls.started = time.monotonic()
        cls.data = tempfile.mkdtemp(prefix="custos-conf-")
        charsets = os.path.join(os.path.dirname(pydicom_test_files()), "charset_files")
        for folder, names in ((pydicom_test_files(), FILES), (charsets, CHARSET_FILES)):
            for n in names:
                if os.path.exists(os.path.join(folder, n)):
                    shutil.copy(os.path.join(folder, n), cls.data)
        cls.orthanc = orthanc_peer.Orthanc().__enter__()
        # Stored in name order: with a conflict, Orthanc keeps the first one it received
        # (custos's DICOMweb answers show the first stored version too).
        cls.stored = [n for n in sorted(os.listdir(cls.data))
                      if cls.orthanc.store(os.path.join(cls.data, n))]
        for n in sorted(os.listdir(cls.data)):
            if n not in cls.stored:  # only what both servers hold is compared
                os.remove(os.path.join(cls.data, n))
        # Each UID (study, series, instance) -> the file that first brought it.
        cls.file_of = {}
        for n in cls.stored:
            ds = pydicom.dcmread(os.path.join(cls.data, n), stop_before_pixels=True,
                                 force=True)
            for uid in (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID):
                cls.file_of.setdefault(str(uid), n)
        cls.custos = serve.Served(BIN, imports=[os.path.join(cls.data, n)
                                                for n in cls.stored]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.custos.__exit__(None, None, None)
        cls.orthanc.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)
        print("\nconformance: %d files, %.1f s; documented differences seen:" % (
            len(cls.stored), time.monotonic() - cls.started), file=sys.stderr)
        for reason, n in sorted(cls.documented.items()):
            print("  %5d  %s" % (n, reason), file=sys.stderr)

    def setUp(self):
        self.diffs = []

    def differ(self, where, what):
        self.diffs.append("%s: %s" % (where, what))

    def documented_difference(self, reason):
        ConformanceTest.documented[reason] = ConformanceTest.documented.get(reason, 0) + 1

    def assert_no_differences(self):
        if self.diffs:
            self.fail("%d differences with Orthanc:\n  %s" % (
                len(self.diffs), "\n  ".join(self.diffs[:80])))

    def both(self, path):
        s1, b1 = self.orthanc.get("/dicom-web" + path)
        s2, _, b2 = self.custos.request("GET", "/dicom-web" + path,
                                        headers={"Accept": "application/dicom+json"})
        self.assertEqual(s1, 200, ("Orthanc", path, b1[:300]))
        self.assertEqual(s2, 200, ("custos", path, b2[:300]))
        return json.loads(b1 or b"[]"), json.loads(b2 or b"[]")

    def keys(self, answer, key, path, who):
        out = [values(x, key)[0] for x in answer]
        if len(set(out)) != len(out):
            self.differ(path, "%s returned the same %s more than once" % (who, tag_name(key)))
        return out

    def same_value(self, where, uid, tag, cv, ov):
        """Whether custos's value cv of tag stands against Orthanc's ov for the object uid:
        equal, equal but for insignificant spaces, or (on a file where Orthanc is known to
        be wrong) equal to pydicom's reading of the file."""
        if cv == ov:
            return True
        if stripped(cv) == stripped(ov):
            self.documented_difference(SPACES)
            return True
        f = self.file_of.get(uid)
        if f in ORTHANC_DEFECTS:
            ref = pydicom_values(os.path.join(self.data, f), tag)
            if cv == ref:
                self.documented_difference(ORTHANC_DEFECTS[f])
                return True
            self.differ(where, "%s custos %r, Orthanc %r, pydicom %r" % (tag_name(tag), cv,
                                                                         ov, ref))
            return False
        self.differ(where, "%s custos %r, Orthanc %r" % (tag_name(tag), cv, ov))
        return False

    def compare_level(self, path, key, attrs):
        """Same matches, and for each the same values and VRs of `attrs` and of every
        attribute either side returns, unless documented above."""
        o, c = self.both(path)
        by_o = {k: x for k, x in zip(self.keys(o, key, path, "Orthanc"), o)}
        by_c = {k: x for k, x in zip(self.keys(c, key, path, "custos"), c)}
        query = path.partition("?")[2]
        if query in MATCHING_DIFFERENCES:
            reason, expected = MATCHING_DIFFERENCES[query]
            want = expected(self)
            if set(by_c) != want:
                self.differ(path, "custos matches %s, expected %s (%s)" % (
                    sorted(by_c), sorted(want), reason))
            elif set(by_o) != want:
                self.documented_difference(reason)
        elif set(by_c) != set(by_o):
            self.differ(path, "matches differ: only custos %s, only Orthanc %s" % (
                sorted(set(by_c) - set(by_o)), sorted(set(by_o) - set(by_c))))
        nested = path.startswith("/studies/")
        for uid in sorted(set(by_o) & set(by_c)):
            ox, cx = by_o[uid], by_c[uid]
            where = "%s [%s]" % (path, uid)
            for tag in sorted(set(attrs) | set(ox) | set(cx)):
                if tag in INTENDED:
                    continue
                if tag in cx and tag not in ox:
                    if tag in CUSTOS_ONLY_QIDO:
                        self.documented_difference(CUSTOS_ONLY_QIDO[tag])
                    elif "Value" not in cx[tag]:
                        self.documented_difference(EMPTY_RETURN_KEY)
                    else:
                        self.differ(where, "%s returned only by custos: %r" % (
                            tag_name(tag), values(cx, tag)))
                    continue
                if tag in ox and tag not in cx:
                    if tag in ORTHANC_ONLY_QIDO:
                        self.documented_difference(ORTHANC_ONLY_QIDO[tag])
                    elif nested and tag in STUDY_LEVEL:
                        self.documented_difference(NESTED_STUDY_ATTRIBUTES)
                    else:
                        self.differ(where, "%s returned only by Orthanc: %r" % (
                            tag_name(tag), values(ox, tag)))
                    continue
                if tag not in ox:
                    self.differ(where, "%s returned by neither" % tag_name(tag))
                    continue
                # Study attributes belong to the study; others to the row's own object.
                owner = values(cx, "0020000D")[0] if tag in STUDY_ATTRS else uid
                self.same_value(where, owner, tag, values(cx, tag), values(ox, tag))
                if cx[tag].get("vr") != ox[tag].get("vr"):
                    self.differ(where, "%s VR custos %s, Orthanc %s" % (
                        tag_name(tag), cx[tag].get("vr"), ox[tag].get("vr")))
            ou, cu = values(ox, "00081190"), values(cx, "00081190")
            if ou and not cu:
                self.differ(where, "no RetrieveURL from custos")
            elif ou and urllib.parse.urlparse(cu[0]).path != urllib.parse.urlparse(ou[0]).path:
                self.differ(where, "RetrieveURL path custos %s, Orthanc %s" % (cu, ou))
        return o, c

    def matches(self, path, only_empty=None):
        """The study or series UIDs Orthanc matches for path (with only_empty: of those,
        the ones where that attribute has no value)."""
        o, _ = self.both(path)
        key = "0020000E" if path.startswith("/series") else "0020000D"
        return {values(x, key)[0] for x in o
                if only_empty is None or not values(x, only_empty)}

    def compare_paging(self, path, key):
        """limit/offset: the same page sizes as Orthanc, and the pages of custos cover the
        whole answer exactly once (the order may differ)."""
        everything, _ = self.both(path)
        total = len(everything)
        self.assertGreater(total, 1, path)
        sep = "&" if "?" in path else "?"
        for limit in (1, 3):
            seen = []
            for offset in range(0, total + limit, limit):
                q = "%s%slimit=%d&offset=%d" % (path, sep, limit, offset)
                o, c = self.both(q)
                if len(c) != len(o):
                    self.differ(q, "custos %d results, Orthanc %d" % (len(c), len(o)))
                seen += [values(x, key)[0] for x in c]
            if sorted(seen) != sorted(values(x, key)[0] for x in everything):
                self.differ(path, "pages of %d from custos do not cover the answer once" % limit)
        for q in ("%s%soffset=%d" % (path, sep, total), "%s%slimit=%d" % (path, sep, total + 5),
                  "%s%slimit=2&offset=%d" % (path, sep, total - 1)):
            o, c = self.both(q)
            if len(c) != len(o):
                self.differ(q, "custos %d results, Orthanc %d" % (len(c), len(o)))

    def study_of(self, name):
        return str(pydicom.dcmread(os.path.join(self.data, name),
                                   stop_before_pixels=True, force=True).StudyInstanceUID)

    def test_qido_studies(self):
        everything, _ = self.compare_level("/studies", "0020000D", STUDY_ATTRS)
        self.assertGreaterEqual(len(everything), 20)
        uids = sorted(values(x, "0020000D")[0] for x in everything)
        queries = STUDY_QUERIES + ["StudyInstanceUID=" + ",".join(uids[:3]),
                                   "StudyInstanceUID=" + uids[4]]
        for q in queries:
            self.compare_level("/studies?" + q, "0020000D", STUDY_ATTRS)
        # Documented: a backslash list (Orthanc: no match), non-ASCII names (Orthanc: none).
        expected = {"StudyInstanceUID=" + "%5C".join(uids[:3]): set(uids[:3])}
        for q, files in NON_ASCII_QUERIES.items():
            expected[q] = {self.study_of(f) for f in files if f in self.stored}
        for q, want in expected.items():
            o, c = self.both("/studies?" + q)
            got = {values(x, "0020000D")[0] for x in c}
            if got != want:
                self.differ("/studies?" + q, "custos matches %s, expected %s" % (
                    sorted(got), sorted(want)))
            elif {values(x, "0020000D")[0] for x in o} != want:
                self.documented_difference(UID_LIST_BACKSLASH if "UID" in q else
                                           "Orthanc does not match non-ASCII names")
        self.compare_paging("/studies", "0020000D")
        self.compare_paging("/studies?PatientName=CompressedSamples*", "0020000D")
        self.assert_no_differences()

    def test_qido_series(self):
        self.compare_level("/series", "0020000E", SERIES_ATTRS + STUDY_ATTRS)
        for q in SERIES_QUERIES:
            self.compare_level("/series?" + q, "0020000E", SERIES_ATTRS + STUDY_ATTRS)
        self.compare_paging("/series", "0020000E")
        studies, _ = self.both("/studies")
        for st in studies:
            uid = values(st, "0020000D")[0]
            self.compare_level("/studies/%s/series" % uid, "0020000E", SERIES_ATTRS)
            self.compare_level("/studies/%s/series?Modality=MR" % uid, "0020000E",
                               SERIES_ATTRS)
        self.assert_no_differences()

    def test_qido_instances(self):
        flat, _ = self.compare_level("/instances", "00080018", INSTANCE_ATTRS + SERIES_ATTRS)
        self.assertGreaterEqual(len(flat), 25)
        for q in INSTANCE_QUERIES:
            self.compare_level("/instances?" + q, "00080018", INSTANCE_ATTRS + SERIES_ATTRS)
        self.compare_paging("/instances", "00080018")
        studies, _ = self.both("/studies")
        nested = 0
        for st in studies:
            uid = values(st, "0020000D")[0]
            o, _ = self.compare_level("/studies/%s/instances" % uid, "00080018",
                                      INSTANCE_ATTRS + SERIES_ATTRS)
            nested += len(o)
            series, _ = self.both("/studies/%s/series" % uid)
            for se in series:
                suid = values(se, "0020000E")[0]
                self.compare_level("/studies/%s/series/%s/instances" % (uid, suid),
                                   "00080018", INSTANCE_ATTRS)
        self.assertEqual(nested, len(flat))
        biggest = max(studies, key=lambda st: values(st, "00201208")[0])
        self.compare_paging("/studies/%s/instances" % values(biggest, "0020000D")[0],
                            "00080018")
        self.assert_no_differences()

    def compare_dataset(self, where, sop, ox, cx):
        for tag in sorted(set(ox) | set(cx)):
            if tag in METADATA_SKIP or tag.startswith("0002"):
                if tag in METADATA_SKIP:
                    self.documented_difference(METADATA_SKIP[tag])
                continue
            here = "%s %s" % (where, tag_name(tag))
            if tag in cx and tag not in ox and tag in CUSTOS_ONLY_METADATA and \
                    "BulkDataURI" in cx[tag]:
                self.documented_difference(CUSTOS_ONLY_METADATA[tag])
                continue
            if tag not in cx or tag not in ox:
                self.differ(here, "only in %s's metadata" % ("Orthanc" if tag in ox else
                                                            "custos"))
                continue
            oe, ce = ox[tag], cx[tag]
            if ce.get("vr") != oe.get("vr"):
                self.differ(here, "VR custos %s, Orthanc %s" % (ce.get("vr"), oe.get("vr")))
            if oe.get("vr") == "SQ":
                oi, ci = oe.get("Value", []), ce.get("Value", [])
                if len(oi) != len(ci):
                    self.differ(here, "custos %d items, Orthanc %d" % (len(ci), len(oi)))
                for k, (a, b) in enumerate(zip(oi, ci)):
                    self.compare_dataset("%s[%d]" % (here, k), sop, a, b)
            elif "BulkDataURI" in oe or "InlineBinary" in oe:
                if "BulkDataURI" not in ce and "InlineBinary" not in ce:
                    self.differ(here, "custos gives no bulk data or inline binary")
            elif where.count("[") == 1:  # top level: pydicom can referee
                self.same_value(here, sop, tag, values(cx, tag), values(ox, tag))
            elif values(cx, tag) != values(ox, tag) and \
                    stripped(values(cx, tag)) != stripped(values(ox, tag)):
                self.differ(here, "custos %r, Orthanc %r" % (values(cx, tag),
                                                              values(ox, tag)))
            self.compared += 1

    def test_wado_metadata_agrees_element_by_element(self):
        self.compared = 0
        studies, _ = self.both("/studies")
        instances = 0
        for st in studies:
            uid = values(st, "0020000D")[0]
            path = "/studies/%s/metadata" % uid
            o, c = self.both(path)
            by_o = {k: x for k, x in zip(self.keys(o, "00080018", path, "Orthanc"), o)}
            by_c = {k: x for k, x in zip(self.keys(c, "00080018", path, "custos"), c)}
            if set(by_c) != set(by_o):
                self.differ(path, "instances differ: only custos %s, only Orthanc %s" % (
                    sorted(set(by_c) - set(by_o)), sorted(set(by_o) - set(by_c))))
            for sop in sorted(set(by_o) & set(by_c)):
                instances += 1
                self.compare_dataset("%s [%s]" % (path, sop), sop, by_o[sop], by_c[sop])
        self.assertGreaterEqual(instances, 25)
        self.assertGreater(self.compared, 1000)
        self.assert_no_differences()


if __name__ == "__main__":
    unittest.main()
