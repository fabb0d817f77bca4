"""A real Orthanc (Debian's package) with its DICOMweb plugin, on loopback, for tests that
compare custos with it. Started in a temporary directory, stopped by its PID."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ORTHANC = "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Orthanc:
    """with Orthanc() as o: o.store(path); o.get("/dicom-web/studies")"""

    def __init__(self):
        self.dir = None
        self.proc = None
        self.port = None

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="custos-orthanc-")
        for attempt in range(3):
            self.port = free_port()
            self._write_config()
            log = open(os.path.join(self.dir.name, "orthanc.log"), "wb")
            self.proc = subprocess.Popen(
                [ORTHANC, "--no-jobs", os.path.join(self.dir.name, "orthanc.json")],
                stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if self._wait():
                return self
            self._stop()
        raise RuntimeError("Orthanc did not start: " + self.log_tail())

    def __exit__(self, *exc):
        self._stop()
        self.dir.cleanup()

    def _write_config(self):
        d = self.dir.name
        for sub in ("storage", "index", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        # Orthanc 1.10 has no bind address: RemoteAccessAllowed=false refuses other hosts,
        # and its DICOM server is off.
        config = {
            "Name": "custos-test", "StorageDirectory": d + "/storage",
            "IndexDirectory": d + "/index", "TemporaryDirectory": d + "/tmp",
            "HttpPort": self.port, "DicomServerEnabled": False,
            "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
            "Plugins": [DICOMWEB_PLUGIN], "LuaScripts": [], "KeepAlive": True,
            "TcpNoDelay": True, "OrthancExplorerEnabled": False, "WebDavEnabled": False,
            "SaveJobs": False, "StorageCompression": False,
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False,
                         "Host": "127.0.0.1:%d" % self.port, "Ssl": False},
        }
        with open(os.path.join(d, "orthanc.json"), "w") as f:
            json.dump(config, f)

    def _wait(self):
        for _ in range(150):
            if self.proc.poll() is not None:
                return False
            try:
                urllib.request.urlopen(self.url("/system"), timeout=1).read()
                return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        return False

    def _stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self):
        try:
            with open(os.path.join(self.dir.name, "orthanc.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def store(self, path):
        """POSTs one file to /instances; returns True when Orthanc accepted it."""
        with open(path, "rb") as f:
            data = f.read()
        req = urllib.request.Request(self.url("/instances"), data=data, method="POST",
                                     headers={"Content-Type": "application/dicom"})
        try:
            urllib.request.urlopen(req, timeout=60).read()
            return True
        except urllib.error.HTTPError:
            return False

    def get(self, path, accept="application/dicom+json"):
        req = urllib.request.Request(self.url(path), headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
