"""The standard DICOMweb client (npm dicomweb-client, the one OHIF uses) under Node against
a live custos serve: search at every level, study metadata, an instance bit for bit, frames,
a rendered JPEG, and a STOW-RS store. The checks themselves are in
tests/node/dicomweb_client_test.mjs."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "..", "node")


class DicomwebClientTest(unittest.TestCase):
    def test_standard_client_against_live_server(self):
        import pydicom
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "dicomweb-client")):
            self.fail("tests/node/node_modules is missing: run scripts/bootstrap.sh")
        src = pydicom_test_files()
        data = tempfile.mkdtemp(prefix="custos-dwc-")
        try:
            names = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm"]
            for n in names:
                shutil.copy(os.path.join(src, n), data)
            ct = pydicom.dcmread(os.path.join(data, "CT_small.dcm"))
            studies = {str(pydicom.dcmread(os.path.join(data, n)).StudyInstanceUID)
                       for n in names}
            store = os.path.join(src, "SC_rgb_small_odd.dcm")
            expect = {
                "studies": len(studies),
                "name_query": str(ct.PatientName)[:3] + "*",
                "ct": {"study": ct.StudyInstanceUID, "series": ct.SeriesInstanceUID,
                       "sop": ct.SOPInstanceUID, "file": os.path.join(data, "CT_small.dcm"),
                       "rows": ct.Rows,
                       "frame_bytes": ct.Rows * ct.Columns * ct.BitsAllocated // 8},
                "store": {"file": store, "sop": pydicom.dcmread(store).SOPInstanceUID},
            }
            with serve.Served(BIN, imports=[data]) as s:
                env = dict(os.environ, CUSTOS_URL=s.base, CUSTOS_TOKEN=s.token,
                           CUSTOS_EXPECT=json.dumps(expect),
                           NODE_EXTRA_CA_CERTS=os.path.join(s.vault, "tls", "cert.pem"))
                r = subprocess.run(["node", "dicomweb_client_test.mjs"], cwd=NODE_DIR, env=env,
                                   capture_output=True, text=True, timeout=300)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr + s.log_tail())
                passed = json.loads(r.stdout.strip().splitlines()[-1])["passed"]
                self.assertEqual(len(passed), 9, passed)
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
