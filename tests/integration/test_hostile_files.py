#!/usr/bin/python3
"""Hostile files through the real `custos import` (SECURITY.md, "Hostile files"): deep
nesting, deflate bombs, gigabyte value lengths in small files, an executable preamble,
truncations and header byte flips. Each costs only itself: it is rejected with a reason
that says what is wrong (or, for the preamble, stored bit for bit and flagged); the
process never crashes, its counts add up, its peak memory stays bounded, and `verify`
passes afterwards."""
import collections
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile

import hostile
from gen import make_instance, make_set
from support import (VaultTestCase, all_files, committed_instances, run_tests, sanitized_binary,
                     sha256)

# Peak RSS of the import process. The sanitizer build maps shadow memory and keeps freed
# blocks in quarantine, so it is given more room (still far below a 1 GiB inflation).
RSS_LIMIT_MB = 600 if sanitized_binary() else 200
NESTING_SECONDS = 20
TRUNCATION = r"truncat|past the end|missing|UID|unterminated|not closed|ends"


class HostileFiles(VaultTestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.mkdtemp(prefix="custos-hostile-")
        cls.cases = {}
        for group in ("nesting", "deflate", "length", "preamble"):
            d = os.path.join(cls.files, group)
            cls.cases[group] = getattr(hostile, group + "_cases")(d)
        cls.peaks = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.files, ignore_errors=True)
        if cls.peaks:
            worst = max(cls.peaks, key=cls.peaks.get)
            print("hostile files: peak RSS %.1f MB max (%s), %.1f MB min, limit %d MB" % (
                cls.peaks[worst], worst, min(cls.peaks.values()), RSS_LIMIT_MB), file=sys.stderr)

    # -- helpers ---------------------------------------------------------------------------

    def import_bounded(self, *paths, label):
        summary, code, rss, seconds = self.import_measured(*paths)
        type(self).peaks[label] = rss
        self.assertLess(rss, RSS_LIMIT_MB, f"{label}: peak RSS {rss:.1f} MB")
        self.assertEqual(os.listdir(os.path.join(self.vault, "tmp")), [],
                         f"{label}: staging left behind")
        return summary, code, seconds

    def assert_outcome(self, summary, case):
        rejected = {e["path"]: e["reason"] for e in summary["rejected"]}
        flagged = {e["path"]: e["reason"] for e in summary["flagged"]}
        name = os.path.basename(case.path)
        if case.expect == "rejected":
            self.assertIn(case.path, rejected, f"{name} was not rejected: {summary}")
            self.assertRegex(rejected[case.path], re.compile(case.pattern, re.I), name)
            self.assertNotIn(case.path, flagged, name)
        else:
            self.assertNotIn(case.path, rejected, f"{name}: {rejected.get(case.path)}")
            self.assertIn(case.path, flagged, f"{name} was not flagged: {summary}")
            self.assertRegex(flagged[case.path], re.compile(case.pattern, re.I), name)

    def import_each(self, cases, max_seconds=None):
        for case in cases:
            label = os.path.basename(case.path)
            with self.subTest(label):
                summary, code, seconds = self.import_bounded(case.path, label=label)
                self.assertEqual(summary["files_seen"], 1, summary)
                if max_seconds:
                    self.assertLess(seconds, max_seconds, f"{label} took {seconds:.1f} s")
                self.assert_outcome(summary, case)
                if case.expect == "rejected":
                    self.assertEqual(code, 3, summary)
                    self.assertEqual(summary["instances_added"], 0, summary)
                else:
                    self.assertEqual(code, 0, summary)
                    self.assertEqual(summary["instances_added"], 1, summary)

    def verify_ok(self, expected_instances):
        r = self.custos("verify", "--json")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
        report = json.loads(r.stdout)
        self.assertEqual(report["failed"], [])
        self.assertEqual(report["unreferenced"], [])
        self.assertEqual(report["checked"], expected_instances)
        return report

    def study_uids(self):
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        return [s["StudyInstanceUID"] for s in studies]

    # -- the cases -------------------------------------------------------------------------

    def test_deep_nesting_is_rejected_quickly(self):
        self.import_each(self.cases["nesting"], max_seconds=NESTING_SECONDS)
        self.verify_ok(0)
        # Control: the documented limit itself (64 levels) is real data and is stored, so the
        # rejections above are about depth, not about how the files were built.
        d = os.path.join(self.tmp, "control")
        ok = [hostile.nesting_file(os.path.join(d, "nest64.dcm"), 64, 101),
              hostile.nesting_file(os.path.join(d, "nest64-defined-implicit.dcm"), 64, 102,
                                   "defined-implicit"),
              hostile.nesting_file(os.path.join(d, "nest64-implicit.dcm"), 64, 103,
                                   "undefined-implicit")]
        summary, code, _ = self.import_bounded(d, label="nest64")
        self.assertEqual((code, summary["instances_added"], summary["rejected"]), (0, 3, []))
        exported = self.export(summary["studies"])
        self.assertEqual(sorted(sha256(p) for p in all_files(exported)),
                         sorted(sha256(p) for p in ok))
        self.verify_ok(3)

    def test_deflate_bombs_are_rejected_with_bounded_memory(self):
        for case in self.cases["deflate"]:
            self.assertLess(os.path.getsize(case.path), 2 << 20)
        self.import_each(self.cases["deflate"])
        self.verify_ok(0)

    def test_gigabyte_lengths_in_small_files_are_rejected(self):
        for case in self.cases["length"]:
            self.assertLessEqual(os.path.getsize(case.path), 100 * 1024)
        self.import_each(self.cases["length"])
        self.verify_ok(0)

    def test_executable_preamble_is_stored_bit_exact_and_flagged(self):
        (case,) = self.cases["preamble"]
        with open(case.path, "rb") as f:
            head = f.read(132)
        self.assertEqual((head[:2], head[0x40:0x44], head[128:]), (b"MZ", b"PE\0\0", b"DICM"))
        self.import_each([case])
        summary, _ = self.import_json(case.path)  # a second import: a duplicate, still flagged
        self.assertEqual((summary["duplicates"], len(summary["flagged"])), (1, 1))
        exported = all_files(self.export(self.study_uids()))
        self.assertEqual([sha256(p) for p in exported], [sha256(case.path)])
        shown = json.loads(self.custos("show", hostile.uid(5, 1, 1), "--json", check=0).stdout)
        self.assertRegex(shown["instances"][0]["flags"], "preamble")
        self.verify_ok(1)

    def test_truncations_are_rejected_or_stored_when_cut_on_an_element_boundary(self):
        src, boundaries, uids_end, item_ends = hostile.rich_file(
            os.path.join(self.tmp, "rich.dcm"))
        size = os.path.getsize(src)
        self.assertTrue(40_000 <= size <= 60_000, size)
        cuts = {size * k // 10 for k in range(1, 10)}  # every 10%
        for b in boundaries:  # and around every top-level element boundary
            cuts |= {b - 1, b, b + 1}
        cuts |= set(item_ends)  # and where an undefined-length sequence is left open
        cuts = sorted(c for c in cuts if 132 < c <= size)
        d = os.path.join(self.tmp, "cuts")
        paths = {c: hostile.truncate(src, os.path.join(d, "cut%06d.dcm" % c), c) for c in cuts}
        should_store = {c for c in cuts if c in boundaries and c >= uids_end}
        self.assertIn(size, should_store)
        self.assertGreater(len(should_store), 5)

        summary, code, _ = self.import_bounded(d, label="truncations")
        self.assertEqual(code, 3)
        self.assertEqual(summary["files_seen"], len(cuts))
        rejected = {e["path"]: e["reason"] for e in summary["rejected"]}
        self.assertEqual(set(rejected), {paths[c] for c in cuts if c not in should_store})
        for path, reason in rejected.items():
            self.assertRegex(reason, re.compile(TRUNCATION, re.I), path)
        self.assertEqual(summary["instances_added"], len(should_store))
        self.assertEqual(summary["conflicts"], len(should_store) - 1)  # one SOP UID throughout
        self.assertEqual((summary["duplicates"], summary["skipped_non_dicom"]), (0, 0))
        self.assertEqual(sorted(sha for _, sha in committed_instances(self.vault)),
                         sorted(sha256(paths[c]) for c in should_store))
        exported = all_files(self.export(summary["studies"]))
        self.assertEqual(sorted(sha256(p) for p in exported),
                         sorted(sha256(paths[c]) for c in should_store))
        self.verify_ok(len(should_store))

    def test_header_byte_flips_never_crash_and_whatever_is_stored_is_bit_exact(self):
        bases = [hostile.valid_file(os.path.join(self.tmp, "base", "small.dcm"), n=7),
                 hostile.rich_file(os.path.join(self.tmp, "base", "rich.dcm"), n=8)[0]]
        make_instance(os.path.join(self.tmp, "base", "pydicom.dcm"), study=9)
        bases.append(os.path.join(self.tmp, "base", "pydicom.dcm"))
        d = os.path.join(self.tmp, "flips")
        paths = hostile.flipped_variants(d, bases, count=200, seed=4711)
        self.assertEqual(len({sha256(p) for p in paths}), 200)

        summary, code, _ = self.import_bounded(d, label="byte flips")
        self.assertEqual(summary["files_seen"], 200)
        stored = {sha for _, sha in committed_instances(self.vault)}
        self.assertEqual(len(stored), summary["instances_added"])
        sha_of = {p: sha256(p) for p in paths}
        self.assertLessEqual(stored, set(sha_of.values()), "stored bytes that were not imported")
        rejected = {e["path"] for e in summary["rejected"]}
        self.assertLessEqual(rejected, set(paths))
        kept = [p for p in paths if sha_of[p] in stored]
        self.assertEqual(len(kept), summary["instances_added"] + summary["duplicates"])
        self.assertEqual(rejected & set(kept), set(), "a file both rejected and stored")
        self.assertEqual(len(paths) - len(kept) - len(rejected), summary["skipped_non_dicom"])
        # A flipped preamble byte makes a stored file one to flag, and only that.
        flagged = {e["path"] for e in summary["flagged"]}
        with_preamble = set()
        for p in kept:
            with open(p, "rb") as f:
                if any(f.read(128)):
                    with_preamble.add(p)
        self.assertEqual(flagged, with_preamble)
        self.assertEqual(code, 3 if rejected else 0)
        # Every study listed holds instances (a flipped Study UID must not leave an empty
        # study behind while its instance is filed elsewhere).
        # Instances are counted by SOP Instance UID within a study (flipped copies that kept
        # their UID are versions of one instance).
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.vault, "index.db"), uri=True)
        try:
            distinct = con.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT st.study_uid, i.sop_uid FROM instances i "
                "JOIN series se ON i.series_ref = se.id JOIN studies st ON se.study_ref = st.id)"
            ).fetchone()[0]
        finally:
            con.close()
        self.assertEqual(sum(s["NumberOfStudyRelatedInstances"] for s in studies), distinct)
        empty = [s["StudyInstanceUID"] for s in studies if s["NumberOfStudyRelatedInstances"] == 0]
        with self.subTest("no empty study"):
            self.assertEqual(empty, [], "studies listed without any instance")
        # Every stored object exports bit for bit. Study UIDs made by flips may be odd, so
        # export them one at a time and name what is missing.
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.vault, "index.db"), uri=True)
        by_study = collections.defaultdict(list)
        for study, sha in con.execute(
                "SELECT st.study_uid, i.sha256 FROM instances i"
                " JOIN series se ON i.series_ref = se.id JOIN studies st ON se.study_ref = st.id"):
            by_study[study].append(sha)
        con.close()
        for n, study in enumerate(s["StudyInstanceUID"] for s in studies):
            out = os.path.join(self.tmp, "flip-export-%d" % n)
            with self.subTest("export", study=study):
                r = self.custos("export", study, "--out", out, "--json")
                self.assertEqual(r.returncode, 0, f"export {study!r}: {r.stderr}")
                exported = sorted(sha256(p) for p in all_files(out))
                in_study = sorted(by_study[study])
                missing = sorted(set(in_study) - set(exported))
                self.assertEqual(exported, in_study,
                                 f"export of study {study!r} wrote {len(exported)} of "
                                 f"{len(in_study)} files; missing sha256 {missing}")
        self.verify_ok(len(stored))
        print("byte flips: %d stored, %d rejected, %d skipped, %d flagged" % (
            summary["instances_added"], len(rejected), summary["skipped_non_dicom"], len(flagged)),
            file=sys.stderr)

    def test_hostile_files_mixed_into_a_folder_cost_only_themselves(self):
        d = os.path.join(self.tmp, "mixed")
        valid = make_set(os.path.join(d, "valid"), studies=2, series=2, per_series=5)
        self.assertEqual(len(valid), 20)
        cases = [c for group in self.cases.values() for c in group]
        placed = []
        for i, case in enumerate(cases):  # interleaved with the valid files in walk order
            target = os.path.join(d, "valid", "st%d" % (i % 2 + 1), "se%d" % (i % 2 + 1),
                                  "h-" + os.path.basename(case.path))
            shutil.copyfile(case.path, target)
            placed.append(case._replace(path=target))
        src, boundaries, _, _ = hostile.rich_file(os.path.join(self.tmp, "rich.dcm"), n=2)
        cut = hostile.truncate(src, os.path.join(d, "valid", "st1", "im-cut.dcm"),
                               boundaries[-1] - 1000)
        placed.append(hostile.Case(cut, "rejected", TRUNCATION))

        summary, code, _ = self.import_bounded(d, label="mixed folder")
        self.assertEqual(code, 3)
        self.assertEqual(summary["files_seen"], len(valid) + len(placed))
        for case in placed:
            with self.subTest(os.path.basename(case.path)):
                self.assert_outcome(summary, case)
        n_rejected = sum(c.expect == "rejected" for c in placed)
        n_flagged = sum(c.expect == "flagged" for c in placed)
        self.assertEqual(len(summary["rejected"]), n_rejected)
        self.assertEqual(len(summary["flagged"]), n_flagged)
        self.assertEqual(summary["instances_added"], len(valid) + n_flagged)
        stored = {sha for _, sha in committed_instances(self.vault)}
        self.assertLessEqual({sha256(p) for p in valid}, stored, "a valid file was lost")
        valid_studies = [u for u in summary["studies"] if u.startswith("2.25.1234567890.")]
        self.assertEqual(len(valid_studies), 2)
        exported = all_files(self.export(valid_studies))
        self.assertEqual(sorted(sha256(p) for p in exported), sorted(sha256(p) for p in valid))
        self.verify_ok(len(valid) + n_flagged)


if __name__ == "__main__":
    run_tests()
