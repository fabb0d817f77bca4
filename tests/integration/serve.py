"""A live `custos serve` for whole-program tests and benchmarks: a fresh vault (encrypted
by default) with an owner account and an API token, optional imports done before the server
starts, the server on 127.0.0.1 with an ephemeral port, stopped by its PID."""
import json
import os
import re
import select
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PASSPHRASE = "correct horse battery staple"
OWNER = "owner"
OWNER_PASSWORD = "owner-password-1234"


def insecure_context():
    """TLS to the server's self-signed certificate (the tests pin nothing else)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Served:
    def __init__(self, binary, encrypted=True, imports=(), serve_args=(), env=None):
        self.binary = binary
        self.encrypted = encrypted
        self.imports = list(imports)
        self.serve_args = list(serve_args)
        self.extra_env = env or {}
        self.dir = None
        self.proc = None
        self.base = None
        self.token = None

    # --- set-up -----------------------------------------------------------------------
    def env(self):
        e = dict(os.environ)
        e.pop("CUSTOS_VAULT", None)
        e["CUSTOS_PASSPHRASE"] = PASSPHRASE
        e.update(self.extra_env)
        return e

    def cli(self, *args, check=True, input=None):
        r = subprocess.run([self.binary, "--vault", self.vault] + list(args),
                           env=self.env(), capture_output=True, text=True, timeout=1800,
                           input=input)
        if check and r.returncode not in (0, 3):
            raise RuntimeError("custos %s failed (%d): %s" % (" ".join(args), r.returncode,
                                                             r.stderr[-2000:]))
        return r

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="custos-serve-")
        self.vault = os.path.join(self.dir, "vault")
        self.cli("init", *([] if self.encrypted else ["--no-encryption"]))
        pw = os.path.join(self.dir, "owner.pw")
        with open(pw, "w") as f:
            f.write(OWNER_PASSWORD + "\n")
        os.chmod(pw, 0o600)
        self.cli("user", "add", OWNER, "--role", "owner", "--password-file", pw)
        out = self.cli("token", "create", "--name", "tests").stdout
        m = re.search(r"\bcst_[A-Za-z0-9_-]{20,}", out)
        if not m:
            raise RuntimeError("no token in: " + out)
        self.token = m.group(0)
        if self.imports:
            self.import_paths(self.imports)
        self.start()
        return self

    def import_paths(self, paths):
        """Imports through the command line (only while the server is stopped)."""
        running = self.proc is not None
        if running:
            self.stop()
        r = self.cli("import", "--json", *paths)
        if running:
            self.start()
        return json.loads(r.stdout)

    def start(self):
        args = [self.binary, "--vault", self.vault, "serve", "--listen", "127.0.0.1:0"]
        args += self.serve_args
        self.log = open(os.path.join(self.dir, "serve.log"), "wb")
        self.proc = subprocess.Popen(args, env=self.env(), stdout=subprocess.PIPE,
                                     stderr=self.log)
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("custos serve exited %d: %s" % (self.proc.returncode,
                                                                   self.log_tail()))
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                m = re.search(rb"(https?://127\.0\.0\.1:\d+)/", line)
                if m:
                    self.base = m.group(1).decode()
                    return
        self.stop()
        raise RuntimeError("custos serve did not say where it listens: %r %s" %
                           (line, self.log_tail()))

    def stop(self, sig_term=True):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate() if sig_term else self.proc.send_signal(2)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        self.log.close()
        return code

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "serve.log"), "rb") as f:
                return f.read()[-3000:].decode("utf-8", "replace")
        except OSError:
            return ""

    # --- requests ---------------------------------------------------------------------
    def auth_headers(self):
        return {"Authorization": "Bearer " + self.token}

    def request(self, method, path, body=None, headers=None, auth=True):
        """(status, headers, body bytes) of one request; never raises on HTTP errors."""
        h = dict(headers or {})
        if auth:
            h.update(self.auth_headers())
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, context=insecure_context(), timeout=120) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
