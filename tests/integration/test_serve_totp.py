"""Web login with a second factor: once `custos user totp` has enrolled an account, the
login asks for the code, accepts a correct one once (a replay is refused), takes a
recovery code once, and refuses wrong ones; every attempt is audited."""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import serve  # noqa: E402
from support import BIN  # noqa: E402


def totp(secret_b32, at=None, step=30):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class ServeTotpTest(unittest.TestCase):
    def test_login_with_totp_and_recovery_code(self):
        with serve.Served(BIN) as s:
            s.stop()
            out = s.cli("user", "totp", serve.OWNER, "--no-qr").stdout
            secret = re.search(r"secret=([A-Z2-7]+)", out).group(1)
            codes = re.findall(r"\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b", out)
            self.assertEqual(len(codes), 10, out)
            s.start()

            def login(**extra):
                body = dict(username=serve.OWNER, password=serve.OWNER_PASSWORD, **extra)
                st, h, b = s.request("POST", "/api/v1/session", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"}, auth=False)
                return st, json.loads(b), h

            st, j, _ = login()
            self.assertEqual((st, j["error"]["code"]), (401, "totp_required"))
            st, j, _ = login(totp="000000" if totp(secret) != "000000" else "111111")
            self.assertEqual((st, j["error"]["code"]), (401, "totp_invalid"))
            # A code not yet used in this step (wait for a fresh step if the step is ending).
            if 30 - time.time() % 30 < 3:
                time.sleep(3.5)
            code = totp(secret)
            st, j, h = login(totp=code)
            self.assertEqual(st, 200, j)
            self.assertIn("custos_session=", h["Set-Cookie"])
            st, j, _ = login(totp=code)  # the same code again: a replay
            self.assertEqual((st, j["error"]["code"]), (401, "totp_invalid"))
            st, j, _ = login(totp=codes[0])
            self.assertEqual(st, 200, j)
            st, j, _ = login(totp=codes[0])
            self.assertEqual(st, 401, j)
            time.sleep(1.5)
            st, _, b = s.request("GET", "/api/v1/audit?action=login.&limit=50")
            entries = json.loads(b)["entries"]
            self.assertGreaterEqual(sum(e["action"] == "login.success" for e in entries), 2)
            self.assertGreaterEqual(sum(e["action"] == "login.failure" for e in entries), 4)
            text = json.dumps(entries)
            for e in entries:  # (hashes are hex: a 6-digit code may occur in them by chance)
                self.assertNotIn(code, json.dumps(e.get("detail", "")))
            self.assertNotIn(codes[0], text)
            self.assertNotIn(serve.OWNER_PASSWORD, text)


if __name__ == "__main__":
    unittest.main()
