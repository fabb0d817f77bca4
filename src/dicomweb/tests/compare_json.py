#!/usr/bin/python3
"""Compares custos' DICOM JSON of a file with pydicom's Dataset.to_json_dict().

Usage: compare_json.py FILE.dcm OURS.json. Prints one line per difference; exit 1 if any.
Normalised on both sides: binary values (InlineBinary or BulkDataURI) compare as present,
group lengths are dropped, numbers compare with a relative tolerance.
"""
import json
import math
import sys

import pydicom

BINARY = {"InlineBinary", "BulkDataURI"}


def norm(obj):
    out = {}
    for tag, el in obj.items():
        if tag.endswith("0000") or tag == "FFFCFFFC" or tag.startswith("0002"):
            continue
        el = dict(el)
        if tag == "00080005" and "Value" in el:
            # A code-extension set starts with an empty value, which custos leaves out
            # (as Orthanc does).
            el["Value"] = [v for v in el["Value"] if v]
        if int(tag[:4], 16) % 2 == 1 and el.get("vr") == "UN":
            # Private tags of implicit VR files: pydicom knows some private dictionaries;
            # custos reports them as UN (binary). Compared as present only.
            out[tag] = {"private": True}
            continue
        if BINARY & el.keys():
            el = {"vr": el["vr"], "binary": True}
        elif el.get("vr") == "SQ":
            el["Value"] = [norm(item) for item in el.get("Value", [])]
            if not el["Value"]:
                del el["Value"]
        elif "Value" in el and el["Value"] in ([], [None]):
            del el["Value"]
        out[tag] = el
    return out


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def main():
    ds = pydicom.dcmread(sys.argv[1], force=True)
    theirs = norm(ds.to_json_dict(bulk_data_threshold=1 << 30))
    with open(sys.argv[2], encoding="utf-8") as f:
        ours = norm(json.load(f))
    for tag, el in ours.items():
        if el == {"private": True} and tag in theirs:
            theirs[tag] = el
    diffs = 0
    for tag in sorted(set(ours) | set(theirs)):
        if not same(ours.get(tag), theirs.get(tag)):
            print(f"{tag}: ours={json.dumps(ours.get(tag))[:300]} pydicom={json.dumps(theirs.get(tag))[:300]}")
            diffs += 1
    sys.exit(1 if diffs else 0)


main()
