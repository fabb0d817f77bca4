"""The browser app against a live `custos serve`: the Vitest unit tests of the app's own
logic, then headless Chromium (Debian's package, driven by playwright-core) through login
with TOTP, the library, an upload, the study viewer and logoff. The browser scenarios are in
web/tests/e2e/; their screenshots go to test-output/web/ (see the README)."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import gen  # noqa: E402
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WEB = os.path.join(ROOT, "web")
SCREENSHOTS = os.path.join(ROOT, "test-output", "web")
PY = "/usr/bin/python3"


def gen_ct(out, slices, size, seed):
    subprocess.run([PY, os.path.join(ROOT, "bench", "gen_ct.py"), out, str(slices), str(size),
                    str(seed)], check=True, capture_output=True, timeout=300)


RENDER_FILES = {"jpeg_baseline": "SC_rgb_jpeg_dcmtk.dcm", "jpeg_ls": "MR_small_jpeg_ls_lossless.dcm",
                "jpeg_2000": "JPEG2000.dcm", "rle": "MR_small_RLE.dcm"}


def render_copies(out):
    """The compressed pydicom files with UIDs of their own (several share one SOP Instance
    UID); the encapsulated pixel data is copied untouched. Returns {kind: StudyInstanceUID}."""
    import pydicom
    from pydicom.uid import generate_uid
    os.makedirs(out)
    studies = {}
    for kind, name in RENDER_FILES.items():
        ds = pydicom.dcmread(os.path.join(pydicom_test_files(), name))
        ds.StudyInstanceUID = generate_uid(entropy_srcs=["custos-web", kind, "study"])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=["custos-web", kind, "series"])
        ds.SOPInstanceUID = generate_uid(entropy_srcs=["custos-web", kind, "sop"])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyDescription = "RENDER " + kind
        ds.save_as(os.path.join(out, kind + ".dcm"))
        studies[kind] = str(ds.StudyInstanceUID)
    return studies


def multiframe(path, frames=12, size=64):
    """A multi-frame grey image (uncompressed): a bright square moving across frames."""
    import numpy as np
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    px = np.full((frames, size, size), 100, dtype=np.uint16)
    for f in range(frames):
        x = 4 + f * (size - 20) // max(1, frames - 1)
        px[f, 20:36, x:x + 16] = 3000
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7.3"
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["custos-web", "mf", "sop"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["custos-web", "mf", "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["custos-web", "mf", "series"])
    ds.PatientName = "Cine^Test"
    ds.PatientID = "CINE0001"
    ds.StudyDate = "20230301"
    ds.StudyDescription = "MULTIFRAME CINE"
    ds.Modality = "OT"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = 100
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = px.tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)
    return str(ds.StudyInstanceUID)


def studies_of(paths):
    import pydicom
    found = {}
    for p in paths:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        found[str(ds.StudyInstanceUID)] = ds
    return found


def node(script, env, timeout=600):
    r = subprocess.run(["node", os.path.join("tests", "e2e", script)], cwd=WEB, env=env,
                       capture_output=True, text=True, timeout=timeout)
    lines = r.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return r, result


class WebAppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for need in ("node_modules/playwright-core", "dist/index.html"):
            if not os.path.exists(os.path.join(WEB, need)):
                raise AssertionError("web/%s is missing: run `make build`" % need)
        if not os.path.exists("/usr/bin/chromium"):
            raise AssertionError("/usr/bin/chromium is missing: run scripts/bootstrap.sh")
        os.makedirs(SCREENSHOTS, exist_ok=True)
        for old in glob.glob(os.path.join(SCREENSHOTS, "*.png")):
            os.remove(old)
        cls.tmp = tempfile.mkdtemp(prefix="custos-web-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_unit_tests_of_the_app(self):
        # CI may set FORCE_COLOR; the summary is matched without colour codes either way.
        env = dict(os.environ, NO_COLOR="1")
        env.pop("FORCE_COLOR", None)
        r = subprocess.run(["npx", "vitest", "run"], cwd=WEB, capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(r.returncode, 0, r.stdout[-4000:] + r.stderr[-2000:])
        plain = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
        self.assertRegex(plain, r"Tests\s+\d+ passed")

    def test_app_in_chromium(self):
        ct = os.path.join(self.tmp, "ct")
        gen_ct(ct, 60, 256, 1)
        small = os.path.join(self.tmp, "small")
        os.makedirs(small)
        for n in ("CT_small.dcm", "MR_small.dcm"):
            shutil.copy(os.path.join(pydicom_test_files(), n), small)
        # One person under two hospitals' patient IDs (same name and birth date): the library
        # suggests linking them. Old dates keep them at the end of the timeline.
        same_person_ids = ["LINK-A1", "LINK-B2"]
        for n, (name, pid) in enumerate([("Link^Pat", same_person_ids[0]),
                                          ("LINK^PAT", same_person_ids[1])]):
            gen.make_instance(os.path.join(small, pid + ".dcm"), study=900 + n, patient=(name, pid),
                              modality="CT", date="20000101", size=16,
                              description="Link test %d" % n)
        # What is uploaded through the page: a CD-like folder with a second CT and a file
        # that is not DICOM.
        upload = os.path.join(self.tmp, "upload", "CD")
        gen_ct(os.path.join(upload, "DICOM"), 8, 64, 7)
        with open(os.path.join(upload, "README.TXT"), "w") as f:
            f.write("Hospital CD\n")
        render = os.path.join(self.tmp, "render")
        render_studies = render_copies(render)
        mf_study = multiframe(os.path.join(render, "multiframe.dcm"))
        before = studies_of(glob.glob(os.path.join(ct, "*")) + glob.glob(os.path.join(small, "*")) +
                            glob.glob(os.path.join(render, "*")))
        uploaded = studies_of(glob.glob(os.path.join(upload, "DICOM", "*")))
        ct_ds = studies_of(glob.glob(os.path.join(ct, "*")))
        ct_uid = next(iter(ct_ds))
        expect = {
            "studies_before": len(before),
            "studies_after": len(set(before) | set(uploaded)),
            "mr_studies": sum(1 for d in before.values() if d.Modality == "MR"),
            "studies_since_2024": sum(1 for d in before.values()
                                      if str(d.get("StudyDate", "")) >= "20240101"),
            "ct": {"study": ct_uid, "description": str(ct_ds[ct_uid].StudyDescription),
                   "slices": 60, "pixel_spacing": float(ct_ds[ct_uid].PixelSpacing[1])},
            "upload_dir": os.path.dirname(upload),
            "same_person_ids": same_person_ids,
            "render": render_studies,
            "multiframe": {"study": mf_study, "frames": 12},
            "compare": [ct_uid, next(iter(uploaded))],
            "upload": {"files_seen": 9, "instances_added": 8, "skipped_non_dicom": 1,
                       "duplicates": 0},
        }
        with serve.Served(BIN, imports=[ct, small, render]) as s:
            s.stop()
            out = s.cli("user", "totp", serve.OWNER).stdout
            secret = re.search(r"secret=([A-Z2-7]+)", out).group(1)
            s.start()
            env = dict(os.environ, CUSTOS_URL=s.base, CUSTOS_USER=serve.OWNER,
                       CUSTOS_PASSWORD=serve.OWNER_PASSWORD, CUSTOS_TOTP_SECRET=secret,
                       CUSTOS_SCREENSHOTS=SCREENSHOTS, CUSTOS_EXPECT=json.dumps(expect))
            r, result = node("app.mjs", env)
            self.assertEqual(r.returncode, 0, json.dumps(result.get("failed"), indent=1) +
                             r.stderr[-3000:] + s.log_tail())
            self.assertGreaterEqual(len(result["passed"]), 34, result)

    def test_idle_logoff(self):
        with serve.Served(BIN, serve_args=["--session-idle", "3s"]) as s:
            env = dict(os.environ, CUSTOS_URL=s.base, CUSTOS_USER=serve.OWNER,
                       CUSTOS_PASSWORD=serve.OWNER_PASSWORD, CUSTOS_SCREENSHOTS=SCREENSHOTS)
            r, result = node("idle.mjs", env, timeout=120)
            self.assertEqual(r.returncode, 0, json.dumps(result.get("failed"), indent=1) +
                             r.stderr[-3000:])


if __name__ == "__main__":
    unittest.main()
