#!/usr/bin/python3
"""Web viewer benchmark: headless Chromium (Debian's package, driven by playwright-core from
web/node_modules) opens the 400-slice CT (gen_ct.py 400 512 1) in the app served by
`custos serve` on 127.0.0.1, and measures, from navigation to /studies/{uid}:
  first image: the first slice rendered in the viewport;
  whole stack: every slice fetched over WADO-RS, decoded and cached (scrolling is instant).
Three runs, each in a fresh browser context (empty caches); the median counts.
Targets: first image under 1 s, whole stack under 4 s.

usage: web_bench.py CUSTOS_BIN [DATA_DIR]
Exit status 0 when the measurement ran (a missed target is a figure, not a failure).
"""
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import dicomweb_bench  # noqa: E402  (the CT set, generated once and shared)
import serve  # noqa: E402

TARGETS = {"first_image_ms": 1000, "whole_stack_ms": 4000}


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "data")
    web = os.path.join(ROOT, "web")
    if not os.path.exists(os.path.join(web, "dist", "index.html")):
        print("web-bench: web/dist is missing: run `make build`", file=sys.stderr)
        return 1
    os.makedirs(data, exist_ok=True)
    ct = dicomweb_bench.ensure_set(data, *dicomweb_bench.CT)
    uid, _, sops = dicomweb_bench.ct_identity(ct)
    slices = len(sops)
    print("web-bench: importing %d slices" % slices, file=sys.stderr, flush=True)
    with serve.Served(binary, imports=[ct]) as s:
        env = dict(os.environ, CUSTOS_URL=s.base, CUSTOS_USER=serve.OWNER,
                   CUSTOS_PASSWORD=serve.OWNER_PASSWORD,
                   CUSTOS_EXPECT=json.dumps({"study": uid, "slices": slices, "runs": 3}))
        r = subprocess.run(["node", os.path.join("tests", "e2e", "bench.mjs")], cwd=web,
                           env=env, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            print("web-bench: FAILED\n" + r.stderr[-3000:], file=sys.stderr)
            return 1
    if os.environ.get("BENCH_VERBOSE"):
        print(r.stderr, file=sys.stderr)
    runs = json.loads(r.stdout.strip().splitlines()[-1])["runs"]
    result = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
    result["runs"] = runs
    result["slices"] = slices
    print("\nWeb viewer, %d-slice CT (512x512), headless Chromium, median of %d runs"
          % (slices, len(runs)))
    print("%-52s %10s %10s" % ("", "custos", "target"))
    for key, label in (("first_image_ms", "open study -> first image, ms"),
                       ("whole_stack_ms", "open study -> whole stack loaded, ms")):
        ok = "" if result[key] <= TARGETS[key] else "  (missed)"
        print("%-52s %10.0f %10s%s" % (label, result[key], "< %d" % TARGETS[key], ok))
    print("%-52s %10.0f" % ("  of which after the series metadata: first image, ms",
                             result["after_metadata_first_ms"]))
    print("%-52s %10.0f" % ("  of which after the series metadata: whole stack, ms",
                             result["after_metadata_all_ms"]))
    with open(os.path.join(data, "last-web.json"), "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
