#!/usr/bin/python3
"""DICOMweb benchmark: custos serve against Orthanc with its DICOMweb plugin, same data,
same run, both on 127.0.0.1.

usage: dicomweb_bench.py CUSTOS_BIN [DATA_DIR]
env:   BENCH_SKIP_ORTHANC=1 (custos only)  BENCH_WRK_SECONDS (10)

Data: the 400-slice CT (gen_ct.py) plus 6,450 small MR instances in 649 studies
(gen_small.py): 650 studies, 6,850 instances. Measured on each server:
  QIDO-RS all studies, by patient name (wildcard), by date range: median and p90 of 50
  sequential requests on one kept-alive connection;
  WADO-RS metadata of the CT series (median of 10);
  WADO-RS retrieval of the whole CT series (MB/s, best of 3);
  frames, rendered JPEG, rendered PNG: requests/s from wrk (2 connections, keep-alive,
  cycling over the 400 slices, 10 s each);
  server RSS at the end (VmRSS) and its peak while serving (VmHWM, reset when the
  measurements start).
The answers are checked as they are timed: both servers must find the same number of studies
for each query, the metadata must hold one object per CT slice, and the retrieved series one
part per slice with at least the stored bytes. A server that answers differently is reported
and its figures do not count.
Prints a table with Orthanc's figures, custos's, their ratio and the target. Exit status 0
when every measurement ran (a missed target is a figure, not a failure), 1 otherwise.
"""
import hashlib
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import orthanc as orthanc_peer  # noqa: E402
import serve as serve_peer  # noqa: E402

CT = ("gen_ct.py", ["400", "512", "1"])
SMALL = ("gen_small.py", ["6450", "649", "1"])
SEQUENTIAL = 50
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
TARGETS = {  # name: (kind, value); see issue text in bench/README.md
    "qido_all_ms": ("max", 50.0), "metadata_ms": ("max", 50.0),
    "frames_rps": ("orthanc_x", 2.0), "jpeg_rps": ("orthanc_x", 2.0),
    "png_rps": ("orthanc_x", 2.0), "series_mb_s": ("orthanc_x", 1.0),
    "rss_mb": ("max", 100.0),
}


def log(msg):
    print("dicomweb-bench: " + msg, file=sys.stderr, flush=True)


def ensure_set(data, gen, args):
    """Generates a set once; the folder name carries the parameters and a hash of the
    generator, so editing the generator makes a new set instead of reusing a stale one."""
    with open(os.path.join(HERE, gen), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:8]
    out = os.path.join(data, "dw-" + gen.replace(".py", "") + "-" + "-".join(args) + "-" + digest)
    done = out + "/.complete"
    if not os.path.exists(done):
        shutil.rmtree(out, ignore_errors=True)
        log("generating " + out)
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, gen), out] + args, check=True,
                       stdout=subprocess.DEVNULL)
        open(done, "w").close()
    return out


def dicom_files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                  if not f.startswith("."))


class Client:
    """One kept-alive connection to a server, with its auth headers."""

    def __init__(self, base, headers):
        u = urllib.parse.urlsplit(base)
        self.prefix = u.path.rstrip("/")
        self.headers = dict(headers)
        if u.scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=120)
        else:
            self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)

    def get(self, path, accept="application/dicom+json"):
        h = dict(self.headers)
        h["Accept"] = accept
        self.conn.request("GET", self.prefix + path, headers=h)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError("%s answered %d: %s" % (path, r.status, body[:200]))
        return body

    def timed(self, path, n, accept="application/dicom+json"):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            self.get(path, accept)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.9) - 1]


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk_rps(base, headers, paths, accept):
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "paths")
        with open(lst, "w") as f:
            f.write("\n".join(paths) + "\n")
        script = os.path.join(d, "cycle.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT % ())
        cmd = ["wrk", "-t2", "-c2", "-d%ds" % WRK_SECONDS, "--latency", "-s", script,
               "-H", "Accept: " + accept]
        for k, v in headers.items():
            cmd += ["-H", "%s: %s" % (k, v)]
        cmd.append(base)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=WRK_SECONDS + 60,
                             env=dict(os.environ, WRK_PATHS=lst)).stdout
    rps = None
    errors = 0
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            rps = float(line.split()[1])
        if "Non-2xx" in line or "Socket errors" in line:
            errors += 1
    if rps is None or errors:
        raise RuntimeError("wrk: " + out[-500:])
    return rps


def reset_peak(pid):
    """Starts VmHWM afresh, so the peak is that of serving: not Orthanc's ingest, not the
    Argon2id of custos's unlock (about 100 MB for half a second at start). Linux only."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
    except OSError as e:
        log("peak RSS not reset (%s): it includes start-up" % e)


def rss_mb(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


QUERIES = [("qido_all", "/dicom-web/studies"),
           # The caret goes unescaped: Orthanc 1.10's DICOMweb plugin matches "%5E" literally
           # (it finds nothing for Bench%5ESmall12*); custos decodes either form.
           ("qido_name", "/dicom-web/studies?PatientName=Bench^Small12*"),
           ("qido_date", "/dicom-web/studies?StudyDate=20100101-20121231")]


def measure(name, base, headers, pid, ct_study, ct_series, ct_sops, ct_bytes):
    log("measuring " + name)
    reset_peak(pid)
    c = Client(base, headers)
    fig = {}
    counts = {}
    for key, query in QUERIES:
        counts[key] = len(json.loads(c.get(query)))  # warm up, and what the answer holds
        fig[key + "_ms"], fig[key + "_p90"] = c.timed(query, SEQUENTIAL)
    series = "/dicom-web/studies/%s/series/%s" % (ct_study, ct_series)
    meta = json.loads(c.get(series + "/metadata"))
    if len(meta) != len(ct_sops):
        raise RuntimeError("series metadata holds %d objects, not %d" % (len(meta), len(ct_sops)))
    fig["metadata_ms"], _ = c.timed(series + "/metadata", 10)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        body = c.get(series, 'multipart/related; type="application/dicom"; transfer-syntax=*')
        secs = time.perf_counter() - t
        best = secs if best is None else min(best, secs)
        parts = body.count(b"\r\nContent-Type: application/dicom")
        if parts != len(ct_sops) or len(body) < ct_bytes:
            raise RuntimeError("series retrieval: %d parts, %d bytes; expected %d parts, at "
                               "least %d bytes" % (parts, len(body), len(ct_sops), ct_bytes))
    fig["series_mb_s"] = len(body) / 1e6 / best
    u = urllib.parse.urlsplit(base)
    root = "%s://%s" % (u.scheme, u.netloc)
    inst = [u.path.rstrip("/") + series + "/instances/" + s for s in ct_sops]
    fig["frames_rps"] = wrk_rps(root, headers, [p + "/frames/1" for p in inst],
                                'multipart/related; type="application/octet-stream"; '
                                'transfer-syntax=*')
    fig["jpeg_rps"] = wrk_rps(root, headers, [p + "/rendered" for p in inst], "image/jpeg")
    fig["png_rps"] = wrk_rps(root, headers, [p + "/rendered" for p in inst], "image/png")
    fig["rss_mb"], fig["hwm_mb"] = rss_mb(pid)
    return fig, counts


def ct_identity(ct_dir):
    import pydicom
    sops = []
    study = series = None
    for p in dicom_files(ct_dir):
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        study, series = ds.StudyInstanceUID, ds.SeriesInstanceUID
        sops.append((int(ds.InstanceNumber), ds.SOPInstanceUID))
    return study, series, [s for _, s in sorted(sops)]


def load_orthanc(o, files):
    with ThreadPoolExecutor(4) as pool:
        ok = sum(pool.map(o.store, files))
    if ok != len(files):
        raise RuntimeError("Orthanc stored %d of %d files" % (ok, len(files)))


ROWS = [
    ("qido_all_ms", "QIDO-RS all studies, median ms", "%.1f"),
    ("qido_all_p90", "  p90 ms", "%.1f"),
    ("qido_name_ms", "QIDO-RS by patient name, median ms", "%.1f"),
    ("qido_name_p90", "  p90 ms", "%.1f"),
    ("qido_date_ms", "QIDO-RS by date range, median ms", "%.1f"),
    ("qido_date_p90", "  p90 ms", "%.1f"),
    ("metadata_ms", "WADO-RS CT series metadata, median ms", "%.1f"),
    ("series_mb_s", "WADO-RS CT series retrieval, MB/s", "%.0f"),
    ("frames_rps", "frames, requests/s", "%.0f"),
    ("jpeg_rps", "rendered JPEG, requests/s", "%.0f"),
    ("png_rps", "rendered PNG, requests/s", "%.0f"),
    ("rss_mb", "server RSS at the end, MB", "%.0f"),
    ("hwm_mb", "server peak RSS while serving, MB", "%.0f"),
]


def verdict(key, ours, theirs):
    if key not in TARGETS or ours is None:
        return ""
    kind, value = TARGETS[key]
    if kind == "max":
        return ("met" if ours <= value else "MISSED") + " (< %g)" % value
    if theirs is None:
        return ""
    return ("met" if ours >= value * theirs else "MISSED") + " (>= %gx Orthanc)" % value


def report(orth, cust):
    print("\nDICOMweb, 650 studies / 6,850 instances, 127.0.0.1 (custos over TLS, Orthanc plain)")
    print("%-40s %10s %10s %8s  %s" % ("", "Orthanc", "custos", "ratio", "target"))
    for key, title, f in ROWS:
        a, b = orth.get(key), cust.get(key)
        ratio = ""
        if a and b:
            ratio = "%.2f" % ((b / a) if key.endswith("_s") or key.endswith("rps")
                              else (a / b))
        print("%-40s %10s %10s %8s  %s" % (title, f % a if a is not None else "-",
                                          f % b if b is not None else "-", ratio,
                                          verdict(key, b, a)))
    print("(ratio: how many times better custos is; >1 is better)")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: dicomweb_bench.py CUSTOS_BIN [DATA_DIR]")
    binary = os.path.abspath(sys.argv[1])
    data = os.path.abspath(sys.argv[2] if len(sys.argv) == 3 else os.path.join(HERE, "data"))
    os.makedirs(data, exist_ok=True)
    ct = ensure_set(data, *CT)
    small = ensure_set(data, *SMALL)
    files = dicom_files(ct) + dicom_files(small)
    study, series, sops = ct_identity(ct)
    ct_bytes = sum(os.path.getsize(p) for p in dicom_files(ct))
    broken = False
    orth, cust = {}, {}
    orth_counts = cust_counts = None
    if os.environ.get("BENCH_SKIP_ORTHANC") == "1":
        log("Orthanc skipped (BENCH_SKIP_ORTHANC=1)")
    else:
        try:
            with orthanc_peer.Orthanc() as o:
                log("loading %d files into Orthanc" % len(files))
                load_orthanc(o, files)
                orth, orth_counts = measure("Orthanc", o.url(""), {}, o.proc.pid, study, series,
                                            sops, ct_bytes)
        except Exception as e:  # a figure we could not take: report, go on
            log("Orthanc: %s" % e)
            broken = True
    try:
        with serve_peer.Served(binary, encrypted=True) as s:
            log("importing %d files into custos" % len(files))
            summary = s.import_paths([ct, small])
            if summary.get("instances_added") != len(files):
                raise RuntimeError("custos stored %s of %d files" %
                                   (summary.get("instances_added"), len(files)))
            cust, cust_counts = measure("custos", s.base, s.auth_headers(), s.proc.pid, study,
                                        series, sops, ct_bytes)
    except Exception as e:
        log("custos: %s" % e)
        broken = True
    if orth_counts and cust_counts and orth_counts != cust_counts:
        log("the servers disagree on the QIDO-RS answers (studies found): Orthanc %s, custos %s"
            % (orth_counts, cust_counts))
        broken = True
    report(orth, cust)
    if cust_counts:
        print("studies found: " + ", ".join("%s %d" % kv for kv in sorted(cust_counts.items())))
    with open(os.path.join(data, "last-dicomweb.json"), "w") as f:
        json.dump({"orthanc": orth, "custos": cust}, f, indent=1)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
