#!/usr/bin/python3
"""Prints the benchmark table from the TSV that bench/run.sh writes.

usage: report.py RESULTS.tsv
Columns: set method files bytes seconds peak_rss_kib ok note. MB = 10^6 bytes.
"""
import statistics
import sys

METHODS = ["floor", "custos", "custos-encrypted", "orthanc-storescu", "orthanc-rest"]
TITLES = {"ct": "CT study (one series, large slices)", "small": "small MR files (many studies)"}
CT_FLOOR_RATIO = 0.8  # custos throughput / floor throughput, CT set
SMALL_ORTHANC_RATIO = 3.0  # custos files/s / best Orthanc files/s, small set
RSS_LIMIT_MB = 150.0
ENCRYPTED_RATIO = 0.85  # encrypted / plain import throughput, both sets


def load(path):
    """Rows by (set, method). A method measured more than once (the custos imports, see
    BENCH_IMPORT_RUNS) keeps the median of its times and the largest peak RSS; one failed
    run fails the row."""
    runs = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            cols += [""] * (8 - len(cols))
            name, method, files, size, secs, rss, ok, note = cols[:8]
            runs.setdefault((name, method), []).append({
                "files": int(files or 0),
                "bytes": int(size or 0),
                "secs": float(secs) if ok == "1" and secs else None,
                "rss_mb": int(rss) * 1024 / 1e6 if rss else None,
                "note": note,
            })
    rows = {}
    for key, rs in runs.items():
        row = dict(rs[-1])
        times = [r["secs"] for r in rs]
        row["secs"] = None if None in times else statistics.median(times)
        rss = [r["rss_mb"] for r in rs if r["rss_mb"] is not None]
        row["rss_mb"] = max(rss) if rss else None
        row["note"] = next((r["note"] for r in rs if r["note"]), "")
        if len(rs) > 1 and row["secs"] is not None:
            row["note"] = (row["note"] + " " if row["note"] else "") + "median of %d" % len(rs)
        rows[key] = row
    return rows


def rate(row, key):
    if not row or row["secs"] is None or row["secs"] <= 0:
        return None
    return row[key] / row["secs"]


def fmt(value, spec):
    """Formats a number, or a dash of the same width when there is none."""
    width = int(spec.split(".")[0] or 0)
    return "-".rjust(width) if value is None else format(value, spec)


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "n/a"
    met = value >= target if higher_is_better else value < target
    return "met" if met else "MISSED"


def ratio(a, b):
    return None if a is None or not b else a / b


def print_set(rows, name):
    floor = rows.get((name, "floor"))
    if not floor:
        return None
    print(f"\n{TITLES.get(name, name)}: {floor['files']} files, {floor['bytes'] / 1e6:.1f} MB")
    head = f"  {'method':<18}{'seconds':>9}{'MB/s':>9}{'files/s':>10}{'peak RSS MB':>13}  note"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for method in METHODS:
        row = rows.get((name, method))
        if not row:
            continue
        mbps = rate(row, "bytes")
        print(
            f"  {method:<18}{fmt(row['secs'], '9.2f')}{fmt(mbps and mbps / 1e6, '9.1f')}"
            f"{fmt(rate(row, 'files'), '10.1f')}{fmt(row['rss_mb'], '13.1f')}  {row['note']}"
        )
    custos = rows.get((name, "custos"))
    orthanc = [rate(rows.get((name, m)), "files") for m in ("orthanc-storescu", "orthanc-rest")]
    orthanc = [r for r in orthanc if r is not None]
    return {
        "vs_floor": ratio(rate(custos, "bytes"), rate(floor, "bytes")),
        "vs_orthanc": ratio(rate(custos, "files"), max(orthanc) if orthanc else None),
        "rss_mb": custos["rss_mb"] if custos else None,
        # Import time from the summaries: unlocking (Argon2id, ~0.5 s) is a fixed cost per
        # command, not throughput.
        "encrypted": ratio(rate(rows.get((name, "custos-encrypted:import")), "bytes"),
                           rate(rows.get((name, "custos:import")), "bytes")),
        "encrypted_rss_mb": (rows.get((name, "custos-encrypted")) or {}).get("rss_mb"),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: report.py RESULTS.tsv")
    rows = load(sys.argv[1])
    names = []
    for name, _ in rows:
        if name not in names:
            names.append(name)
    ratios = {name: print_set(rows, name) for name in names}

    print("\nratios and targets")
    print(f"  {'figure':<52}{'value':>8}  {'target':<10}verdict")
    lines = []
    for name in names:
        r = ratios[name]
        if r is None:
            continue
        ct, small = name == "ct", name == "small"
        lines.append((f"{name}: custos / floor throughput (MB/s)", r["vs_floor"],
                      f">= {CT_FLOOR_RATIO}" if ct else "",
                      verdict(r["vs_floor"], CT_FLOOR_RATIO) if ct else ""))
        lines.append((f"{name}: custos / best Orthanc (files/s)", r["vs_orthanc"],
                      f">= {SMALL_ORTHANC_RATIO}" if small else "",
                      verdict(r["vs_orthanc"], SMALL_ORTHANC_RATIO) if small else ""))
        lines.append((f"{name}: custos peak RSS (MB)", r["rss_mb"], f"< {RSS_LIMIT_MB:.0f}",
                      verdict(r["rss_mb"], RSS_LIMIT_MB, higher_is_better=False)))
        lines.append((f"{name}: encrypted / plain import throughput", r["encrypted"],
                      f">= {ENCRYPTED_RATIO}", verdict(r["encrypted"], ENCRYPTED_RATIO)))
        lines.append((f"{name}: custos encrypted peak RSS (MB)", r["encrypted_rss_mb"],
                      f"< {RSS_LIMIT_MB:.0f}",
                      verdict(r["encrypted_rss_mb"], RSS_LIMIT_MB, higher_is_better=False)))
    for label, value, target, result in lines:
        print(f"  {label:<52}{fmt(value, '8.2f')}  {target:<10}{result}")


if __name__ == "__main__":
    main()
