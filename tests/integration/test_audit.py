#!/usr/bin/python3
"""The audit trail through the command line: every vault command leaves exactly the expected
entries; a changed byte, a removed, inserted or reordered entry and truncation are detected
and the broken entry named; a checkpoint kept outside catches a consistent rewrite; the DICOM
PS3.15 export carries the standard event codes."""
import glob
import json
import os
import subprocess
import xml.dom.minidom

from gen import make_set
from support import VaultTestCase, run_tests


class Audit(VaultTestCase):
    def actions(self):
        r = self.custos("audit", "--json", check=0)
        entries = json.loads(r.stdout)
        return [e["action"] for e in entries], entries

    def log_file(self):
        files = sorted(glob.glob(os.path.join(self.vault, "audit", "log-*.jsonl")))
        self.assertEqual(len(files), 1)
        return files[0]

    def populate(self):
        src = os.path.join(self.tmp, "src")
        make_set(src, studies=2, series=1, per_series=3)
        self.import_json(src)
        study = json.loads(self.custos("studies", "--json", check=0).stdout)[0]["StudyInstanceUID"]
        return study

    def test_every_command_leaves_exactly_the_expected_entries(self):
        study = self.populate()
        self.custos("show", study, check=0)
        self.custos("export", study, "--out", os.path.join(self.tmp, "out"), check=0)
        self.custos("log", "--csv", check=0)
        self.custos("verify", check=0)
        actions, entries = self.actions()
        self.assertEqual(actions, ["vault.init", "import", "study.list", "study.show", "export",
                                   "scanlog.read", "verify", "audit.list"])
        imp = entries[1]
        self.assertEqual(imp["actor"], "local_owner:owner")
        self.assertTrue(imp["origin"].startswith("terminal"))
        self.assertEqual(len(imp["instances"]), 6)
        self.assertEqual(len(imp["studies"]), 2)
        self.assertEqual(entries[3]["studies"], [study])
        self.assertEqual(entries[4]["studies"], [study])
        self.assertEqual(len(entries[4]["instances"]), 3)
        for e in entries:
            self.assertEqual(e["outcome"], "success")
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        by_study = json.loads(self.custos("audit", "--json", "--study", study, check=0).stdout)
        self.assertEqual([e["action"] for e in by_study],
                         ["import", "study.list", "study.show", "export", "scanlog.read"])
        self.custos("audit", "--verify", check=0)

    def tamper(self, change):
        self.populate()
        self.custos("studies", check=0)
        path = self.log_file()
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        lines = [l for l in lines if l]
        lines = change(lines)
        with open(path, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        r = self.custos("audit", "--verify", "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def test_changed_byte_is_detected_at_its_entry(self):
        def flip(lines):
            lines[1] = lines[1].replace(b'"import"', b'"imporT"')
            return lines
        report = self.tamper(flip)
        self.assertEqual(report["first_broken"]["seq"], 2)

    def test_removed_entry_is_detected(self):
        report = self.tamper(lambda lines: lines[:1] + lines[2:])
        self.assertFalse(report["ok"])
        self.assertIn(report["first_broken"]["seq"], (2, 3))

    def test_reordered_entries_are_detected(self):
        report = self.tamper(lambda lines: [lines[0], lines[2], lines[1]] + lines[3:])
        self.assertFalse(report["ok"])
        self.assertIn(report["first_broken"]["seq"], (2, 3))

    def test_inserted_entry_is_detected(self):
        report = self.tamper(lambda lines: lines[:2] + [lines[1]] + lines[2:])
        self.assertFalse(report["ok"])

    def test_truncation_is_detected_through_the_recorded_head(self):
        report = self.tamper(lambda lines: lines[:2])
        self.assertFalse(report["ok"])
        self.assertIn("summary", report)

    def test_checkpoint_kept_outside_catches_a_rewrite(self):
        self.populate()
        checkpoint = os.path.join(self.tmp, "checkpoint.json")
        self.custos("audit", "checkpoint", "--out", checkpoint, check=0)
        self.custos("audit", "--verify", "--checkpoint", checkpoint, check=0)
        with open(checkpoint) as f:
            forged = f.read().replace('"seq":', '"seq":1', 1)
        bad = os.path.join(self.tmp, "forged.json")
        with open(bad, "w") as f:
            f.write(forged)
        self.assertEqual(self.custos("audit", "--verify", "--checkpoint", bad).returncode, 1)

    def test_dicom_export_has_the_standard_event_codes(self):
        self.populate()
        out = os.path.join(self.tmp, "audit.xml")
        self.custos("audit", "export", "--format", "dicom", "--out", out, check=0)
        with open(out) as f:
            text = f.read()
        xml.dom.minidom.parseString(text.encode() if text.startswith("<?xml") else
                                    ("<root>" + text + "</root>").encode())
        self.assertIn('csd-code="110107"', text)  # Import
        self.assertIn('csd-code="110112"', text)  # Query (study list)
        self.assertIn('codeSystemName="DCM"', text)
        self.assertIn("AuditMessage", text)


if __name__ == "__main__":
    run_tests()
