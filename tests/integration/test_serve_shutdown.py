"""Stopping custos serve with SIGTERM while a browser upload is in flight: the upload
finishes within the grace period and is committed, new connections are refused, the
server exits 0, and afterwards the vault holds what was acknowledged with an intact audit
trail."""
import http.client
import json
import os
import shutil
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN, pydicom_test_files  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


class ServeShutdownTest(unittest.TestCase):
    def test_sigterm_during_upload_commits_it_and_exits_cleanly(self):
        src = pydicom_test_files()
        with serve.Served(BIN) as s:
            host = s.base.split("://", 1)[1]
            auth = {"Authorization": "Bearer " + s.token}
            c = http.client.HTTPSConnection(host, context=serve.insecure_context(), timeout=60)
            c.request("POST", "/api/v1/imports", body=b"{}", headers=dict(auth, **{"Content-Type": "application/json"}))
            r = c.getresponse()
            self.assertEqual(r.status, 201)
            imp = json.loads(r.read())["id"]

            boundary = "b" + uuid.uuid4().hex
            parts = []
            for name in ("CT_small.dcm", "MR_small.dcm"):
                parts.append((b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; "
                              b'name="file"; filename="CD/' + name.encode() + b'"\r\n\r\n' +
                              read(os.path.join(src, name)) + b"\r\n"))
            parts.append(b"--" + boundary.encode() + b"--\r\n")
            up = http.client.HTTPSConnection(host, context=serve.insecure_context(), timeout=60)
            up.putrequest("POST", "/api/v1/imports/%s/files" % imp)
            for k, v in dict(auth, **{"Content-Type": "multipart/form-data; boundary=" + boundary,
                                      "Transfer-Encoding": "chunked"}).items():
                up.putheader(k, v)
            up.endheaders()

            def chunk(data):
                up.send(b"%x\r\n" % len(data) + data + b"\r\n")

            result = {}

            def finish_upload():
                time.sleep(1.5)  # the server is stopping meanwhile
                chunk(parts[1])
                chunk(parts[2])
                up.send(b"0\r\n\r\n")
                r = up.getresponse()
                result["status"] = r.status
                result["body"] = json.loads(r.read())

            chunk(parts[0])
            t = threading.Thread(target=finish_upload)
            t.start()
            time.sleep(0.5)
            s.proc.terminate()
            time.sleep(0.5)
            # No new connections once stopping.
            refused = False
            try:
                probe = http.client.HTTPSConnection(host, context=serve.insecure_context(), timeout=5)
                probe.request("GET", "/api/v1/health")
                probe.getresponse().read()
            except (OSError, http.client.HTTPException):
                refused = True
            self.assertTrue(refused, "a new connection was served after SIGTERM")
            t.join(60)
            self.assertEqual(result.get("status"), 200, result)
            self.assertEqual(result["body"]["files_done"], 2)
            code = s.stop()
            self.assertEqual(code, 0, s.log_tail())
            # The upload was committed at shutdown: both instances are in the vault.
            out = json.loads(s.cli("studies", "--json").stdout)
            self.assertEqual(sorted(x["PatientName"] for x in out),
                             ["CompressedSamples^CT1", "CompressedSamples^MR1"])
            self.assertEqual(s.cli("audit", "--verify", check=False).returncode, 0)


if __name__ == "__main__":
    unittest.main()
