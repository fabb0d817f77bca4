#!/usr/bin/python3
"""Crash safety of a real import (SECURITY.md, "Durability"): `custos import` is killed
with SIGKILL at random moments, many times, on a few thousand small files. After every
kill the index (index.db, read directly) must still hold everything committed before
(acknowledged ⊆ present), each row's blob must be in place, no object may be indexed twice,
and `verify` must pass. Then an uninterrupted import completes, the vault holds exactly
the input set (export compared by SHA-256), and a re-import adds nothing.

Each killed import is given the whole set again, the series folders not yet complete
first. The kill moment is uniform over the expected duration of that import, from timed
runs of a full and of an all-duplicate import (corrected as the machine's load changes).
Once a vault holds the whole set (or an import finishes before its kill), that round is
closed with the final checks and the next kills start on a fresh vault, so any number of
kills keeps hitting real work.
CUSTOS_KILLS sets the number of kills (default 20; `make test-long` uses 200) and
CUSTOS_KILL_SEED the random seed."""
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from gen import make_set, uid
from support import (BIN, VaultTestCase, all_files, blob_path, committed_instances, run_tests,
                     sha256)

KILLS = int(os.environ.get("CUSTOS_KILLS", "20"))
SEED = int(os.environ.get("CUSTOS_KILL_SEED", "20261122"))
STALL = 4  # kills in a row without a new commit that end a round
STUDIES, SERIES, PER_SERIES, SIZE = 4, 5, 120, 32
# Exports are only compared and thrown away: on tmpfs when there is one, because deleting
# thousands of files is slow on a disk mounted with online discard.
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def children_of(pid):
    """Process ids of pid's children (the header-parsing worker), from /proc."""
    found = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class CrashKills(VaultTestCase):
    def init_vault(self, path):
        self.vault = path
        self.env = dict(os.environ, CUSTOS_VAULT=path)
        self.custos("init", "--no-encryption", check=0)

    def timed_import(self, src):
        start = time.monotonic()
        summary, code = self.import_json(src)
        return summary, code, time.monotonic() - start

    def check_after_kill(self, expected, acked, label):
        """The invariants that must hold whenever no import is running."""
        r = self.custos("verify", "--json")
        self.assertEqual(r.returncode, 0, f"verify {label}: {r.stdout[-1500:]} {r.stderr[-500:]}")
        report = json.loads(r.stdout)
        self.assertEqual(report["failed"], [], label)
        rows = committed_instances(self.vault)
        present = set(rows)
        shas = [sha for _, sha in rows]
        self.assertEqual(len(shas), len(set(shas)), f"{label}: an object is indexed twice")
        self.assertEqual(len(present), len(rows), f"{label}: a row is indexed twice")
        lost = acked - present
        self.assertEqual(lost, set(), f"{label}: {len(lost)} acknowledged instances are gone")
        self.assertLessEqual(present, set(expected.items()), f"{label}: rows not from the input")
        for sop, sha in rows:
            path = blob_path(self.vault, sha)
            self.assertTrue(os.path.isfile(path), f"{label}: no blob for {sop} ({sha})")
        self.assertEqual(report["checked"], len(rows), label)
        # Objects left by a killed import are harmless, but must be input files.
        self.assertLessEqual(set(report["unreferenced"]), set(expected.values()), label)
        return present, set(report["unreferenced"])

    def close_round(self, src, expected, acked, inputs):
        """An uninterrupted import completes; the vault then holds exactly the input set."""
        n = len(expected)
        summary, code = self.import_json(src)
        self.assertEqual(code, 0, summary)
        self.assertEqual((summary["rejected"], summary["flagged"], summary["conflicts"]),
                         ([], [], 0))
        self.assertEqual(summary["instances_added"], n - len(acked),
                         "stored again what was acknowledged")
        self.assertEqual(summary["duplicates"], len(acked))
        self.assertEqual(set(committed_instances(self.vault)), set(expected.items()))
        studies = json.loads(self.custos("studies", "--json", check=0).stdout)
        self.assertEqual(len(studies), STUDIES)
        self.assertEqual(sum(s["NumberOfStudyRelatedInstances"] for s in studies), n)
        exported = tempfile.mkdtemp(prefix="custos-kills-export-", dir=SCRATCH or self.tmp)
        try:
            out = os.path.join(exported, "out")
            self.custos("export", *[s["StudyInstanceUID"] for s in studies], "--out", out,
                        check=0)
            self.assertEqual(collections.Counter(sha256(p) for p in all_files(out)), inputs,
                             "the export is not exactly the input set")
        finally:
            shutil.rmtree(exported)
        again, code = self.import_json(src)
        self.assertEqual((code, again["instances_added"], again["duplicates"]), (0, 0, n))
        r = self.custos("verify", "--json", check=0)
        report = json.loads(r.stdout)
        self.assertEqual((report["checked"], report["failed"], report["unreferenced"]), (n, [], []))
        self.assertEqual(os.listdir(os.path.join(self.vault, "tmp")), [])

    def test_sigkill_at_random_moments_loses_nothing_acknowledged(self):
        started = time.monotonic()
        src = os.path.join(self.tmp, "src")
        paths = make_set(src, studies=STUDIES, series=SERIES, per_series=PER_SERIES, size=SIZE)
        n = len(paths)
        expected = {}  # SOP Instance UID -> SHA-256 of its file
        series_dirs = collections.defaultdict(set)  # folder -> the SOP Instance UIDs in it
        for p in paths:
            st, se, im = map(int, re.search(r"st(\d+)/se(\d+)/im(\d+)\.dcm$", p).groups())
            expected[uid(st, se, im)] = sha256(p)
            series_dirs[os.path.dirname(p)].add(uid(st, se, im))
        inputs = collections.Counter(expected.values())
        self.assertEqual(len(inputs), n)
        generated = time.monotonic() - started
        os.sync()  # so that the timed run does not pay for writing back the generated files

        # Timed runs in a scratch vault: a fresh import and an all-duplicate one.
        self.init_vault(os.path.join(self.tmp, "timing"))
        summary, code, fresh = self.timed_import(src)
        self.assertEqual((code, summary["instances_added"]), (0, n))
        _, _, dup = self.timed_import(src)
        shutil.rmtree(self.vault)

        rng = random.Random(SEED)
        scale = 1.0  # narrowed after an import that beat its kill (the load has dropped)
        rounds = 0
        self.init_vault(os.path.join(self.tmp, "vault-round-0"))
        acked = set()
        kills = attempts = 0
        at_kill = []      # instances acknowledged at each kill
        new_per_kill = []
        streak = 0  # kills in a row that found nothing new
        finished_early = 0
        with_unreferenced = 0  # kills between a blob's rename and its index commit
        unreferenced = set()
        with_staging = 0       # kills while blobs were being staged
        while kills < KILLS:
            attempts += 1
            self.assertLess(attempts, 3 * KILLS + 20, "imports keep finishing before their kill")
            remaining = n - len(acked)
            expect_seconds = scale * (dup * len(acked) + fresh * remaining) / n
            delay = rng.uniform(0, expect_seconds)
            label = (f"after kill {kills + 1} at {delay:.2f} s (round {rounds}, "
                     f"{len(acked)} acknowledged before, seed {SEED})")
            # The whole set again, as one would resume, but the series folders not yet
            # complete first: otherwise most kills would land among the duplicates.
            acked_sops = {sop for sop, _ in acked}
            folders = sorted(series_dirs, key=lambda d: (series_dirs[d] <= acked_sops,
                                                          rng.random()))
            proc = subprocess.Popen([BIN, "import", *folders, "--json"], env=self.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                out, err = proc.communicate(timeout=delay)
                killed = False
            except subprocess.TimeoutExpired:
                workers = children_of(proc.pid)
                proc.send_signal(signal.SIGKILL)
                out, err = proc.communicate(timeout=60)
                killed = proc.returncode == -signal.SIGKILL
                deadline = time.monotonic() + 5
                while any(alive(w) for w in workers) and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertFalse(any(alive(w) for w in workers),
                                 f"{label}: the parser worker outlived the import")
            if not killed:
                # Finished before its kill: the vault is complete, so the round is closed
                # and the next kill starts on a fresh vault.
                self.assertEqual(proc.returncode, 0, f"{label}: {err[-1500:]}")
                summary = json.loads(out)
                self.assert_counts_add_up(summary)
                self.assertEqual(summary["instances_added"], remaining, label)
                finished_early += 1
                scale = max(scale * 0.9, 0.5)
                acked, unreferenced = self.check_after_kill(expected, acked, label)
                self.assertEqual(len(acked), n, label)
            else:
                kills += 1
                tmp_dir = os.path.join(self.vault, "tmp")
                with_staging += any(p.endswith(".part") for p in all_files(tmp_dir))
                present, left = self.check_after_kill(expected, acked, label)
                with_unreferenced += bool(left - unreferenced)
                unreferenced = left
                at_kill.append(len(present))
                new_per_kill.append(len(present) - len(acked))
                streak = 0 if new_per_kill[-1] else streak + 1
                acked = present
            # A round also ends after a few kills in a row found nothing new (typically fewer
            # than a batch of files is left, committed only at the end of the import).
            if len(acked) == n or not killed or streak >= STALL:
                self.close_round(src, expected, acked, inputs)
                rounds += 1
                self.init_vault(os.path.join(self.tmp, "vault-round-%d" % rounds))
                acked, unreferenced = set(), set()
                streak = 0

        # The last round ends with an uninterrupted import as well.
        self.close_round(src, expected, acked, inputs)
        rounds += 1
        total = time.monotonic() - started
        print("crash kills: %d kills on %d files in %d rounds (seed %d; %d more imports finished "
              "before their kill); %d kills found new commits, %d left staged files, %d left new "
              "unreferenced objects; acknowledged at a kill min %d max %d, new per kill max %d; "
              "import %.1f s fresh, %.1f s all duplicates, timing scale at the end %.2f; "
              "generation %.1f s; total %.0f s" % (
                  KILLS, n, rounds, SEED, finished_early, sum(k > 0 for k in new_per_kill),
                  with_staging, with_unreferenced, min(at_kill, default=0),
                  max(at_kill, default=0), max(new_per_kill, default=0), fresh, dup, scale,
                  generated, total), file=sys.stderr)


if __name__ == "__main__":
    run_tests()
