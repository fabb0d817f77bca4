#!/usr/bin/python3
"""A first crash-safety test: an import killed with SIGKILL at random moments, then verify
passes, nothing acknowledged is missing, and a re-run completes with nothing duplicated and
exactly the input set stored."""
import json
import os
import random
import signal
import subprocess
import time

from gen import make_set
from support import BIN, VaultTestCase, all_files, run_tests, sha256

KILLS = int(os.environ.get("CUSTOS_KILLS", "8"))


class KillResume(VaultTestCase):
    def test_sigkill_during_import_then_resume(self):
        src = os.path.join(self.tmp, "src")
        paths = make_set(src, studies=4, series=3, per_series=40, size=64)
        inputs = {sha256(p) for p in paths}
        rng = random.Random(20261122)
        for k in range(KILLS):
            proc = subprocess.Popen([BIN, "import", src, "--json"], env=self.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.02, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            r = self.custos("verify", "--json")
            self.assertEqual(r.returncode, 0, f"verify after kill {k}: {r.stdout[-1500:]}")
            report = json.loads(r.stdout)
            self.assertEqual(report["failed"], [])
        summary, code = self.import_json(src)
        self.assertEqual(code, 0)
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        self.assertEqual(sum(s["NumberOfStudyRelatedInstances"] for s in studies), len(paths))
        exported = self.export([s["StudyInstanceUID"] for s in studies])
        out = [sha256(p) for p in all_files(exported)]
        self.assertEqual(len(out), len(paths), "an instance is missing or duplicated")
        self.assertEqual(set(out), inputs)
        again, _ = self.import_json(src)
        self.assertEqual(again["instances_added"], 0)
        self.assertEqual(again["duplicates"], len(paths))


if __name__ == "__main__":
    run_tests()
