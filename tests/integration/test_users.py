#!/usr/bin/python3
"""Accounts and API tokens through the command line: a user added with a password file, a
token printed once as cst_..., listed without its value, revoked; a second factor enrolled
prints its otpauth:// URI and recovery codes; the trail records each change and never a
secret; permissions and bad input give the documented exit status."""
import json
import os
import re

from support import VaultTestCase, run_tests

PASSWORD = "correct horse battery staple"


class Users(VaultTestCase):
    def password_file(self, text=PASSWORD, name="pw"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, 0o600)
        return path

    def add_owner(self):
        self.custos("user", "add", "owner", "--role", "owner", "--password-file",
                    self.password_file(), check=0)

    def test_user_add_with_password_file_and_list(self):
        self.add_owner()
        self.custos("user", "add", "grandma", "--role", "viewer", "--password-file",
                    self.password_file("another fine password", "pw2"), check=0)
        users = json.loads(self.custos("user", "list", "--json", check=0).stdout)
        self.assertEqual([(u["name"], u["role"], u["totp"]) for u in users],
                         [("grandma", "viewer", False), ("owner", "owner", False)])
        text = self.custos("user", "list", check=0).stdout
        self.assertIn("grandma", text)
        self.assertNotIn("argon2", text)

    def test_bad_passwords_and_names_are_usage_errors(self):
        r = self.custos("user", "add", "bob", "--password-file", self.password_file("short"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("too short", r.stderr)
        self.assertNotIn("short\n", r.stderr.replace("too short", ""))
        r = self.custos("user", "add", "bob", "--password-file", self.password_file(""))
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.custos("user", "add", "bad name", "--password-file", self.password_file())
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.custos("user", "add", "bob", "--role", "king", "--password-file",
                        self.password_file())
        self.assertEqual(r.returncode, 2, r.stderr)
        self.add_owner()
        r = self.custos("user", "add", "owner", "--password-file", self.password_file())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("already exists", r.stderr)

    def test_token_create_list_revoke(self):
        self.add_owner()
        r = self.custos("token", "create", "--name", "tests", check=0)
        token = r.stdout.strip()
        self.assertRegex(token, r"^cst_[A-Za-z0-9_-]{43}$")
        r = self.custos("token", "create", "--name", "backup", "--read-only", check=0)
        listed = json.loads(self.custos("token", "list", "--json", check=0).stdout)
        self.assertEqual([(t["name"], t["user"], t["read_only"], t["revoked"], t["last_used"])
                          for t in listed],
                         [("backup", "owner", True, False, None),
                          ("tests", "owner", False, False, None)])
        text = self.custos("token", "list", check=0).stdout
        self.assertIn("tests", text)
        self.assertNotIn(token, text)
        self.assertNotIn(token[4:], json.dumps(listed))
        self.custos("token", "revoke", "tests", check=0)
        listed = {t["name"]: t for t in json.loads(self.custos("token", "list", "--json",
                                                               check=0).stdout)}
        self.assertTrue(listed["tests"]["revoked"])
        self.assertFalse(listed["backup"]["revoked"])
        r = self.custos("token", "revoke", "nope")
        self.assertEqual(r.returncode, 1)
        r = self.custos("token", "create", "--name", "tests")
        self.assertEqual(r.returncode, 1, "names stay taken after revocation")
        # The vault holds only the hash: the token text appears nowhere under it.
        for d, _, files in os.walk(self.vault):
            for f in files:
                with open(os.path.join(d, f), "rb") as fh:
                    self.assertNotIn(token.encode(), fh.read(), f)

    def test_token_without_owner_account_is_refused(self):
        r = self.custos("token", "create", "--name", "tests")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("owner", r.stderr)

    def test_totp_enrolment_prints_uri_qr_and_recovery_codes(self):
        self.add_owner()
        out = self.custos("user", "totp", "owner", check=0).stdout
        m = re.search(r"otpauth://totp/custos:owner\?secret=([A-Z2-7]{32})&issuer=custos"
                      r"&algorithm=SHA1&digits=6&period=30", out)
        self.assertTrue(m, out)
        self.assertIn("\u2588", out, "a QR code drawn in block characters")
        codes = re.findall(r"^\s+([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})$", out, re.M)
        self.assertEqual(len(set(codes)), 10)
        users = json.loads(self.custos("user", "list", "--json", check=0).stdout)
        self.assertEqual(users[0]["totp"], True)
        self.assertEqual(users[0]["recovery_codes_left"], 10)
        self.custos("user", "totp", "owner", "--disable", check=0)
        users = json.loads(self.custos("user", "list", "--json", check=0).stdout)
        self.assertEqual(users[0]["totp"], False)
        trail = self.custos("audit", "--json", check=0).stdout
        self.assertNotIn(m.group(1), trail)
        for c in codes:
            self.assertNotIn(c, trail)

    def test_passwd_remove_and_the_trail(self):
        self.add_owner()
        self.custos("user", "add", "carl", "--role", "caregiver", "--password-file",
                    self.password_file(), check=0)
        self.custos("token", "create", "--name", "carls", "--user", "carl", check=0)
        self.custos("user", "passwd", "carl", "--password-file",
                    self.password_file("a brand new password", "pw3"), check=0)
        self.custos("user", "remove", "carl", check=0)
        tokens = json.loads(self.custos("token", "list", "--json", check=0).stdout)
        self.assertTrue(tokens[0]["revoked"])
        r = self.custos("user", "passwd", "carl", "--password-file", self.password_file())
        self.assertEqual(r.returncode, 1)
        entries = json.loads(self.custos("audit", "--json", check=0).stdout)
        actions = [e["action"] for e in entries]
        for a in ("user.add", "token.create", "user.password", "user.remove"):
            self.assertIn(a, actions)
        self.assertNotIn(PASSWORD, json.dumps(entries))
        self.assertNotIn("brand new", json.dumps(entries))
        r = self.custos("audit", "--verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_encrypted_vault_needs_its_passphrase(self):
        vault = os.path.join(self.tmp, "enc")
        env = dict(self.env, CUSTOS_VAULT=vault, CUSTOS_PASSPHRASE="vault passphrase 1")
        import subprocess
        from support import BIN
        run = lambda *a, e=env: subprocess.run([BIN, *a], env=e, capture_output=True, text=True,
                                               timeout=120)
        self.assertEqual(run("init").returncode, 0)
        r = run("user", "add", "owner", "--role", "owner", "--password-file", self.password_file())
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("token", "create", "--name", "tests")
        self.assertRegex(r.stdout, r"cst_")
        wrong = dict(env, CUSTOS_PASSPHRASE="not the passphrase")
        r = run("token", "create", "--name", "other", e=wrong)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("cst_", r.stdout)


if __name__ == "__main__":
    run_tests()
