"""custos serve as a user and an attacker meet it: the REST API of the web app (login,
studies, upload with progress, download, trash and undo, audit, users and tokens) and its
defences (no health data without authentication, CSRF, lockout, idle timeout, token
revocation, security headers), against a live server on loopback."""
import http.client
import io
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN, pydicom_test_files, sha256  # noqa: E402

FILES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm"]


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Client:
    """One keep-alive HTTPS connection with a cookie jar of one cookie."""

    def __init__(self, base):
        host_port = base.split("://", 1)[1]
        self.conn = http.client.HTTPSConnection(host_port, context=serve.insecure_context(),
                                                timeout=60)
        self.cookie = None
        self.csrf = None
        self.token = None

    def call(self, method, path, body=None, headers=None, json_body=None):
        h = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("custos_session="):
                value = v.split(";", 1)[0]
                self.cookie = None if value == "custos_session=" else value
                self.last_set_cookie = v
        return r.status, r, data

    def json(self, method, path, **kw):
        status, r, data = self.call(method, path, **kw)
        return status, (json.loads(data) if data else None)

    def login(self, user=serve.OWNER, password=serve.OWNER_PASSWORD, totp=None):
        body = {"username": user, "password": password}
        if totp:
            body["totp"] = totp
        status, j = self.json("POST", "/api/v1/session", json_body=body)
        if status == 200:
            self.csrf = j["csrf"]
        return status, j


def multipart(files):
    boundary = "b" + uuid.uuid4().hex
    out = b""
    for name, data in files:
        out += (b"--" + boundary.encode() + b"\r\n"
                b'Content-Disposition: form-data; name="file"; filename="' + name.encode() +
                b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n")
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


class ServeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="custos-api-")
        for n in FILES:
            shutil.copy(os.path.join(pydicom_test_files(), n), cls.data)
        cls.server = serve.Served(BIN, imports=[cls.data],
                                  serve_args=["--session-idle", "3s"]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)

    def client(self):
        c = Client(self.server.base)
        self.addCleanup(c.conn.close)
        return c

    def studies(self, c):
        status, j = c.json("GET", "/api/v1/studies")
        self.assertEqual(status, 200, j)
        return j["studies"]

    # --- authentication ---------------------------------------------------------------
    def test_no_health_data_without_authentication(self):
        c = self.client()
        paths = ["/api/v1/studies", "/api/v1/studies/1.2.3", "/api/v1/series/1.2.3",
                 "/api/v1/instances/1.2.3/file", "/api/v1/audit", "/api/v1/scan-log",
                 "/api/v1/users", "/api/v1/tokens", "/api/v1/trash", "/api/v1/session",
                 "/dicom-web/studies", "/dicom-web/series", "/dicom-web/instances",
                 "/dicom-web/studies/1.2.3/metadata", "/dicom-web/studies/1.2.3/series/4/instances/5",
                 "/dicom-web/studies/1.2.3/series/4/instances/5/frames/1",
                 "/dicom-web/studies/1.2.3/series/4/instances/5/rendered"]
        for p in paths:
            status, r, body = c.call("GET", p)
            self.assertEqual(status, 401, p)
            self.assertNotIn(b"CompressedSamples", body)
        for method, p in [("POST", "/api/v1/imports"), ("POST", "/dicom-web/studies"),
                          ("DELETE", "/api/v1/studies/1.2.3"), ("POST", "/api/v1/tokens")]:
            status, r, body = c.call(method, p, body=b"x")
            self.assertEqual(status, 401, p)
        # A forged or revoked bearer token is no better than none.
        c.token = "cst_" + "A" * 43
        self.assertEqual(c.call("GET", "/api/v1/studies")[0], 401)

    def test_security_headers_on_every_answer(self):
        c = self.client()
        for path, expected in [("/api/v1/health", 200), ("/api/v1/studies", 401),
                               ("/no/such/page", 404)]:
            status, r, _ = c.call("GET", path)
            self.assertEqual(status, expected, path)
            h = {k.lower(): v for k, v in r.getheaders()}
            self.assertIn("script-src 'self' 'wasm-unsafe-eval'", h["content-security-policy"])
            self.assertIn("worker-src 'self' blob:", h["content-security-policy"])
            self.assertIn("frame-ancestors 'none'", h["content-security-policy"])
            self.assertNotIn("unsafe-eval'", h["content-security-policy"].replace("wasm-unsafe-eval'", ""))
            self.assertEqual(h["cross-origin-opener-policy"], "same-origin")
            self.assertEqual(h["cross-origin-embedder-policy"], "require-corp")
            self.assertEqual(h["x-content-type-options"], "nosniff")
            self.assertEqual(h["referrer-policy"], "no-referrer")
            self.assertIn("max-age=", h["strict-transport-security"])
            self.assertNotIn("access-control-allow-origin", h)

    def test_login_session_cookie_and_logout(self):
        c = self.client()
        status, j = c.login(password="wrong password 1")
        self.assertEqual(status, 401, j)
        self.assertIsNone(c.cookie)
        status, j = c.login()
        self.assertEqual(status, 200, j)
        self.assertEqual(j["user"], serve.OWNER)
        self.assertEqual(j["role"], "owner")
        attrs = [a.strip().lower() for a in c.last_set_cookie.split(";")]
        for a in ("httponly", "secure", "samesite=strict", "path=/"):
            self.assertIn(a, attrs)
        self.assertGreaterEqual(len(c.cookie.split("=", 1)[1]), 43)  # 256 bits, base64url
        self.assertEqual(len(self.studies(c)), 3)
        status, j = c.json("GET", "/api/v1/session")
        self.assertEqual((status, j["user"]), (200, serve.OWNER))
        self.assertEqual(c.call("DELETE", "/api/v1/session")[0], 204)
        self.assertIsNone(c.cookie)
        stale = self.client()
        self.assertEqual(stale.call("GET", "/api/v1/studies")[0], 401)

    def test_csrf_token_required_on_state_changing_requests(self):
        c = self.client()
        self.assertEqual(c.login()[0], 200)
        csrf, c.csrf = c.csrf, None
        status, j = c.json("POST", "/api/v1/imports", json_body={})
        self.assertEqual(status, 403, j)
        self.assertEqual(j["error"]["code"], "csrf")
        status, j = c.json("POST", "/api/v1/imports", json_body={},
                           headers={"X-CSRF-Token": "x" * len(csrf)})
        self.assertEqual(status, 403, j)
        c.csrf = csrf
        status, j = c.json("POST", "/api/v1/imports", json_body={})
        self.assertEqual(status, 201, j)
        # Reading needs no CSRF token; bearer tokens need none (no ambient credential).
        c.csrf = None
        self.assertEqual(c.call("GET", "/api/v1/studies")[0], 200)

    def test_idle_timeout_ends_the_session(self):
        c = self.client()
        self.assertEqual(c.login()[0], 200)
        self.assertEqual(c.call("GET", "/api/v1/session")[0], 200)
        time.sleep(2)
        self.assertEqual(c.call("GET", "/api/v1/session")[0], 200)  # activity keeps it alive
        time.sleep(4.5)
        status, j = c.json("GET", "/api/v1/studies")
        self.assertEqual(status, 401, j)

    def test_lockout_after_repeated_failures_and_every_failure_audited(self):
        owner = self.client()
        owner.token = self.server.token
        status, j = owner.json("POST", "/api/v1/users", json_body={
            "name": "mallory-target", "role": "viewer", "password": "target-password-1"})
        self.assertEqual(status, 201, j)
        c = self.client()
        for i in range(5):
            self.assertEqual(c.login("mallory-target", "guess %d guess" % i)[0], 401)
        status, j = c.login("mallory-target", "target-password-1")
        self.assertEqual(status, 429, j)
        self.assertEqual(j["error"]["code"], "locked")
        time.sleep(1.5)  # read audit entries are written within a second or so
        status, j = owner.json("GET", "/api/v1/audit?action=login.&limit=50")
        self.assertEqual(status, 200, j)
        failures = [e for e in j["entries"]
                    if e["action"] == "login.failure" and "mallory-target" in json.dumps(e)]
        self.assertGreaterEqual(len(failures), 6)
        for e in j["entries"]:
            self.assertNotIn("guess", json.dumps(e))  # never a password

    def test_tokens_created_listed_revoked(self):
        owner = self.client()
        owner.token = self.server.token
        status, j = owner.json("POST", "/api/v1/tokens", json_body={"name": "script",
                                                                     "read_only": True})
        self.assertEqual(status, 201, j)
        token = j["token"]
        self.assertTrue(token.startswith("cst_"))
        status, j = owner.json("GET", "/api/v1/tokens")
        self.assertIn("script", [t["name"] for t in j["tokens"]])
        self.assertNotIn(token, json.dumps(j))
        c = self.client()
        c.token = token
        self.assertEqual(len(self.studies(c)), 3)
        # Read-only: the vault refuses the import even though the HTTP layer let it through.
        status, j = c.json("POST", "/api/v1/imports", json_body={})
        self.assertEqual(status, 403, j)
        self.assertEqual(owner.call("DELETE", "/api/v1/tokens/script")[0], 204)
        self.assertEqual(c.call("GET", "/api/v1/studies")[0], 401)

    # --- the library ------------------------------------------------------------------
    def test_search_details_and_original_bytes(self):
        c = self.client()
        c.token = self.server.token
        status, j = c.json("GET", "/api/v1/studies?q=compressedsamples")
        self.assertEqual((status, j["total"]), (200, 2), j)
        status, j = c.json("GET", "/api/v1/studies?modality=CT&from=2004-01-01&to=2004-12-31")
        self.assertEqual(j["total"], 1, j)
        study = j["studies"][0]["StudyInstanceUID"]
        status, j = c.json("GET", "/api/v1/studies/" + study)
        self.assertEqual(status, 200, j)
        series = j["series"][0]["SeriesInstanceUID"]
        status, j = c.json("GET", "/api/v1/series/" + series)
        sop = j["instances"][0]["SOPInstanceUID"]
        status, r, body = c.call("GET", "/api/v1/instances/%s/file" % sop)
        self.assertEqual(status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/dicom")
        self.assertIn("attachment", r.getheader("Content-Disposition"))
        with open(os.path.join(self.data, "CT_small.dcm"), "rb") as f:
            self.assertEqual(body, f.read())
        self.assertEqual(c.json("GET", "/api/v1/studies/1.2.3.4")[0], 404)
        self.assertEqual(c.json("GET", "/api/v1/studies?from=yesterday")[0], 400)

    def test_upload_with_progress_gives_the_import_summary(self):
        c = self.client()
        self.assertEqual(c.login()[0], 200)
        status, j = c.json("POST", "/api/v1/imports", json_body={})
        self.assertEqual(status, 201, j)
        imp = j["id"]
        src = pydicom_test_files()
        files = [("CD/DICOM/MR_small_RLE.dcm", read(os.path.join(src, "MR_small_RLE.dcm"))),
                 ("CD/DICOM/CT_small.dcm", read(os.path.join(src, "CT_small.dcm"))),
                 ("CD/README.TXT", b"not an image"),
                 ("CD/DICOM/broken.dcm", read(os.path.join(src, "MR_truncated.dcm")))]
        body, ctype = multipart(files[:2])
        status, j = c.json("POST", "/api/v1/imports/%s/files" % imp, body=body,
                           headers={"Content-Type": ctype})
        self.assertEqual(status, 200, j)
        body, ctype = multipart(files[2:])
        status, j = c.json("POST", "/api/v1/imports/%s/files" % imp, body=body,
                           headers={"Content-Type": ctype})
        self.assertEqual(status, 200, j)
        # A zip (a CD copy packed by the browser) as the whole body, expanded as it streams.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("DICOM/IM0001", read(os.path.join(src, "SC_rgb_small_odd.dcm")))
            z.writestr("AUTORUN.INF", "[autorun]")
        status, j = c.json("POST", "/api/v1/imports/%s/files?name=cd.zip" % imp, body=buf.getvalue(),
                           headers={"Content-Type": "application/zip"})
        self.assertEqual(status, 200, j)
        status, j = c.json("GET", "/api/v1/imports/" + imp)
        self.assertEqual(status, 200, j)
        self.assertEqual(j["files_done"], 6)
        status, r, events = c.call("GET", "/api/v1/imports/%s/events?once=1" % imp)
        self.assertEqual(r.getheader("Content-Type").split(";")[0], "text/event-stream")
        self.assertIn(b"event: progress", events)
        status, j = c.json("POST", "/api/v1/imports/%s/finish" % imp, json_body={})
        self.assertEqual(status, 200, j)
        self.assertEqual(j["files_seen"], 6)
        self.assertEqual(j["instances_added"], 2)
        self.assertEqual(j["duplicates"], 1)
        self.assertEqual(j["skipped_non_dicom"], 2)
        self.assertEqual(len(j["rejected"]), 1)
        self.assertIn("broken.dcm", j["rejected"][0]["path"])
        # Someone else cannot see or feed this import.
        other = self.client()
        other.token = self.server.token
        self.assertEqual(other.call("GET", "/api/v1/imports/" + imp)[0], 404)

    def test_trash_and_undo_for_the_owner_only(self):
        owner = self.client()
        owner.token = self.server.token
        studies = self.studies(owner)
        victim = [s for s in studies if s["PatientName"].startswith("Last")][0]
        uid = victim["StudyInstanceUID"]
        status, j = owner.json("POST", "/api/v1/users", json_body={
            "name": "carer", "role": "caregiver", "password": "carer-password-1"})
        self.assertIn(status, (201, 409), j)
        carer = self.client()
        self.assertEqual(carer.login("carer", "carer-password-1")[0], 200)
        status, j = carer.json("DELETE", "/api/v1/studies/" + uid)
        self.assertEqual(status, 403, j)
        status, j = owner.json("DELETE", "/api/v1/studies/" + uid)
        self.assertEqual(status, 200, j)
        self.assertNotIn(uid, [s["StudyInstanceUID"] for s in self.studies(owner)])
        status, j = owner.json("GET", "/api/v1/trash")
        self.assertIn(uid, [t["StudyInstanceUID"] for t in j["trash"]])
        self.assertEqual(owner.json("GET", "/dicom-web/studies?StudyInstanceUID=" + uid)[1] or [], [])
        status, j = owner.json("POST", "/api/v1/trash/%s/restore" % uid, json_body={})
        self.assertEqual(status, 200, j)
        self.assertIn(uid, [s["StudyInstanceUID"] for s in self.studies(owner)])

    def test_audit_names_the_web_user_and_address(self):
        c = self.client()
        self.assertEqual(c.login()[0], 200)
        self.studies(c)
        status, j = c.json("GET", "/api/v1/audit?actor=user:%s&limit=20" % serve.OWNER)
        self.assertEqual(status, 200, j)
        self.assertTrue(j["entries"])
        e = j["entries"][0]
        self.assertIn("127.0.0.1", json.dumps(e))


if __name__ == "__main__":
    unittest.main()
