#!/usr/bin/python3
"""The command-line contract of DESIGN.md: exit statuses, JSON shapes, studies, show, log,
verify (which names a damaged object), conflicts kept, character sets decoded to UTF-8."""
import csv
import io
import json
import os
import subprocess

from gen import make_instance, make_set
from support import BIN, VaultTestCase, all_files, run_tests, sha256


class Cli(VaultTestCase):
    def test_usage_errors_exit_2_and_missing_vault_exits_1(self):
        self.assertEqual(self.custos().returncode, 2)
        self.assertEqual(self.custos("frobnicate").returncode, 2)
        self.assertEqual(self.custos("import").returncode, 2)
        r = subprocess.run([BIN, "--vault", os.path.join(self.tmp, "none"), "studies"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("custos init", r.stderr)
        self.assertEqual(self.custos("init", "--no-encryption").returncode, 1)  # already there

    def test_import_of_nothing_usable_fails_with_the_path(self):
        r = self.custos("import", os.path.join(self.tmp, "no-such-dir"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-dir", r.stderr)

    def test_json_outputs_have_the_documented_shapes(self):
        src = os.path.join(self.tmp, "src")
        make_set(src, studies=2, series=2, per_series=2)
        summary, code = self.import_json(src)
        self.assertEqual(code, 0)
        for key in ("files_seen", "instances_added", "duplicates", "conflicts", "skipped_non_dicom",
                    "rejected", "flagged", "missing", "studies"):
            self.assertIn(key, summary)
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        self.assertEqual(len(studies), 2)
        study = studies[0]
        self.assertEqual(study["NumberOfStudyRelatedSeries"], 2)
        self.assertEqual(study["NumberOfStudyRelatedInstances"], 4)
        self.assertEqual(study["ModalitiesInStudy"], ["MR"])
        self.assertEqual(study["BodyPartExamined"], "HEAD")
        self.assertEqual(study["PatientName"], "Test^Patient")

        shown = json.loads(self.custos("show", study["StudyInstanceUID"], "--json", check=0).stdout)
        self.assertEqual(shown["level"], "study")
        self.assertEqual(len(shown["series"]), 2)
        series_uid = shown["series"][0]["SeriesInstanceUID"]
        shown = json.loads(self.custos("show", series_uid, "--json", check=0).stdout)
        self.assertEqual(shown["level"], "series")
        sop = shown["instances"][0]["SOPInstanceUID"]
        shown = json.loads(self.custos("show", sop, "--json", check=0).stdout)
        self.assertEqual(shown["level"], "instance")
        self.assertEqual(len(shown["instances"][0]["sha256"]), 64)
        shown = json.loads(self.custos("show", "PID1", "--json", check=0).stdout)
        self.assertEqual(shown["level"], "patient")
        self.assertEqual(len(shown["studies"]), 2)
        self.assertEqual(self.custos("show", "1.2.3.4.5").returncode, 1)

        text = self.custos("studies", check=0).stdout
        self.assertIn("not encrypted", text)
        self.assertIn("Test^Patient", text)

    def test_log_csv_lists_each_study_with_its_folder(self):
        src = os.path.join(self.tmp, "src")
        make_set(src, studies=3, series=1, per_series=2)
        self.import_json(src)
        rows = list(csv.DictReader(io.StringIO(self.custos("log", "--csv", check=0).stdout)))
        self.assertEqual(len(rows), 3)
        for row in rows:
            self.assertRegex(row["date"], r"^\d{4}-\d{2}-\d{2}$")
            self.assertEqual(row["body_part"], "HEAD")
            self.assertEqual(row["modality"], "MR")
            self.assertEqual(row["description"], "Brain")
            self.assertEqual(row["location"], "General Hospital")
            self.assertEqual(row["images"], "2")
            self.assertEqual(row["folder"], row["date"] + "_HEAD_MR")

    def test_conflicting_versions_are_both_kept(self):
        a = os.path.join(self.tmp, "a", "x.dcm")
        b = os.path.join(self.tmp, "b", "x.dcm")
        make_instance(a, seed=1)
        make_instance(b, seed=2)  # same UIDs, other pixels
        self.import_json(a)
        summary, _ = self.import_json(b)
        self.assertEqual(summary["instances_added"], 1)
        self.assertEqual(summary["conflicts"], 1)
        exported = self.export(summary["studies"])
        self.assertEqual({sha256(p) for p in all_files(exported)}, {sha256(a), sha256(b)})

    def test_verify_names_a_damaged_object_and_fails(self):
        src = os.path.join(self.tmp, "src")
        make_set(src, studies=1, series=1, per_series=3)
        self.import_json(src)
        self.custos("verify", check=0)
        blobs = [p for p in all_files(os.path.join(self.vault, "blobs"))]
        self.assertEqual(len(blobs), 3)
        victim = blobs[1]
        os.chmod(victim, 0o600)
        with open(victim, "r+b") as f:
            f.seek(400)
            byte = f.read(1)
            f.seek(400)
            f.write(bytes([byte[0] ^ 0x01]))
        r = self.custos("verify", "--json")
        self.assertEqual(r.returncode, 1)
        report = json.loads(r.stdout)
        self.assertEqual(report["checked"], 3)
        self.assertEqual(report["ok"], 2)
        self.assertEqual([f["sha256"] for f in report["failed"]], [os.path.basename(victim)])
        # The damaged object is refused on read, not exported silently.
        study = json.loads(self.custos("studies", "--json").stdout)[0]["StudyInstanceUID"]
        out = os.path.join(self.tmp, "damaged-export")
        r = self.custos("export", study, "--out", out)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(all_files(out)), 2)

    def test_character_sets_are_decoded_to_utf8(self):
        latin = os.path.join(self.tmp, "latin1.dcm")
        make_instance(latin, study=7, charset="ISO_IR 100", name="Müller^Zoë")
        utf8 = os.path.join(self.tmp, "utf8.dcm")
        make_instance(utf8, study=8, charset="ISO_IR 192", name="山田^太郎")
        self.import_json(latin, utf8)
        names = {s["PatientName"] for s in json.loads(self.custos("studies", "--json").stdout)}
        self.assertEqual(names, {"Müller^Zoë", "山田^太郎"})

    def test_executable_preamble_is_kept_and_flagged(self):
        path = os.path.join(self.tmp, "polyglot.dcm")
        make_instance(path)
        with open(path, "r+b") as f:
            f.write(b"MZ")
        summary, code = self.import_json(path)
        self.assertEqual(code, 0)
        self.assertEqual(summary["instances_added"], 1)
        self.assertEqual(len(summary["flagged"]), 1)
        self.assertIn("preamble", summary["flagged"][0]["reason"])
        exported = self.export(summary["studies"])
        self.assertEqual([sha256(p) for p in all_files(exported)], [sha256(path)])


if __name__ == "__main__":
    run_tests()
