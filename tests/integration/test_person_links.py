"""Person links over REST against a live server: one person with Patient IDs from two
hospitals (same name and birth date) is suggested, confirmed by the owner (the studies then
carry one person id), undone; a viewer and a read-only token may read but not change; every
change is audited; the stored files are never changed."""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import gen  # noqa: E402
import serve  # noqa: E402
from support import BIN, all_files, sha256  # noqa: E402
from test_serve_api import Client  # noqa: E402

# Jane Doe at two hospitals (the second writes her name in capitals), and someone else.
PATIENTS = [("Doe^Jane", "H1-77", 1), ("DOE^JANE", "H2-12", 2), ("Roe^Ann", "R-5", 3)]


class PersonLinksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="custos-persons-")
        cls.originals = {}
        for name, pid, study in PATIENTS:
            path = os.path.join(cls.data, "%s.dcm" % pid)
            gen.make_instance(path, study=study, patient=(name, pid), size=16)
            cls.originals[gen.uid(study, 1, 1)] = sha256(path)
        cls.server = serve.Served(BIN, imports=[cls.data]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.data, ignore_errors=True)

    def client(self, token=None):
        c = Client(self.server.base)
        c.token = token or self.server.token
        self.addCleanup(c.conn.close)
        return c

    def links(self, c):
        status, j = c.json("GET", "/api/v1/person-links")
        self.assertEqual(status, 200, j)
        return j

    def persons_of_studies(self, c):
        status, j = c.json("GET", "/api/v1/studies")
        self.assertEqual(status, 200, j)
        return {s["PatientID"]: s.get("person") for s in j["studies"]}

    def blob_hashes(self):
        root = os.path.join(self.server.vault, "blobs")
        return {p: sha256(p) for p in all_files(root)}

    def originals_served(self, c):
        for sop, digest in self.originals.items():
            status, _, data = c.call("GET", "/api/v1/instances/%s/file" % sop)
            self.assertEqual(status, 200)
            self.assertEqual(hashlib.sha256(data).hexdigest(), digest, sop)

    def test_suggest_confirm_undo_and_who_may(self):
        owner = self.client()
        blobs_before = self.blob_hashes()
        self.originals_served(owner)

        j = self.links(owner)
        self.assertEqual(j["persons"], [])
        self.assertEqual(len(j["suggestions"]), 1, j)
        suggested = j["suggestions"][0]["patients"]
        self.assertEqual(sorted(p["patient_id"] for p in suggested), ["H1-77", "H2-12"])
        self.assertTrue(all(p["birth_date"] == "19700101" for p in suggested))
        body = {"patients": [{k: p[k] for k in ("patient_id", "name", "birth_date")}
                             for p in suggested]}

        # A viewer (session) and a read-only token may read the links but not change them.
        status, j = owner.json("POST", "/api/v1/users", json_body={
            "name": "vera", "role": "viewer", "password": "vera-password-123"})
        self.assertEqual(status, 201, j)
        viewer = Client(self.server.base)
        self.addCleanup(viewer.conn.close)
        self.assertEqual(viewer.login("vera", "vera-password-123")[0], 200)
        status, j = owner.json("POST", "/api/v1/tokens", json_body={"name": "ro", "read_only": True})
        self.assertEqual(status, 201, j)
        reader = self.client(j["token"])
        for c in (viewer, reader):
            self.assertEqual(len(self.links(c)["suggestions"]), 1)
            status, j = c.json("POST", "/api/v1/person-links", json_body=body)
            self.assertEqual(status, 403, j)
            self.assertIn("error", j)
        # A cookie without the CSRF token is refused before anything happens.
        csrf, viewer.csrf = viewer.csrf, None
        status, j = viewer.json("POST", "/api/v1/person-links", json_body=body)
        self.assertEqual(status, 403, j)
        self.assertEqual(j["error"]["code"], "csrf")
        viewer.csrf = csrf
        self.assertEqual(self.links(owner)["persons"], [])

        # Bad bodies are clear 400s; an unknown patient a 404.
        self.assertEqual(owner.json("POST", "/api/v1/person-links", json_body={"x": 1})[0], 400)
        status, j = owner.json("POST", "/api/v1/person-links", json_body={
            "patients": [body["patients"][0], {"patient_id": "nobody", "name": "", "birth_date": ""}]})
        self.assertEqual(status, 404, j)

        # The owner confirms: one person over both IDs, the studies carry its id.
        status, person = owner.json("POST", "/api/v1/person-links", json_body=body)
        self.assertEqual(status, 201, person)
        self.assertEqual(sorted(p["patient_id"] for p in person["patients"]), ["H1-77", "H2-12"])
        self.assertTrue(person["confirmed_at"])
        j = self.links(owner)
        self.assertEqual([p["id"] for p in j["persons"]], [person["id"]])
        self.assertEqual(j["suggestions"], [])
        persons = self.persons_of_studies(reader)
        self.assertEqual(persons["H1-77"], person["id"])
        self.assertEqual(persons["H2-12"], person["id"])
        self.assertIsNone(persons["R-5"])

        # Others may not undo; the owner may.
        self.assertEqual(reader.json("DELETE", "/api/v1/person-links/" + person["id"])[0], 403)
        self.assertEqual(viewer.json("DELETE", "/api/v1/person-links/" + person["id"])[0], 403)
        status, _, _ = owner.call("DELETE", "/api/v1/person-links/" + person["id"])
        self.assertEqual(status, 204)
        self.assertEqual(owner.json("DELETE", "/api/v1/person-links/" + person["id"])[0], 404)
        j = self.links(owner)
        self.assertEqual(j["persons"], [])
        self.assertEqual(len(j["suggestions"]), 1)
        self.assertTrue(all(v is None for v in self.persons_of_studies(owner).values()))

        # "Not the same": the suggestion goes away for good.
        status, _, _ = owner.call("POST", "/api/v1/person-links/dismissals",
                                  body=json.dumps(body).encode(),
                                  headers={"Content-Type": "application/json"})
        self.assertEqual(status, 204)
        self.assertEqual(self.links(owner)["suggestions"], [])

        # Audited: who changed what, by study, with no names or Patient IDs in the text.
        status, j = owner.json("GET", "/api/v1/audit?limit=200")
        self.assertEqual(status, 200, j)
        entries = j["entries"]
        by_action = {}
        for e in entries:
            by_action.setdefault(e["action"], []).append(e)
        for action in ("person.link", "person.unlink", "person.dismiss", "person.list"):
            self.assertIn(action, by_action, sorted(by_action))
        text = json.dumps([e for e in entries if e["action"].startswith("person.")])
        for secret in ("Doe", "DOE", "H1-77", "H2-12"):
            self.assertNotIn(secret, text)
        self.assertIn("access.denied", by_action)

        # The stored files never changed.
        self.assertEqual(self.blob_hashes(), blobs_before)
        self.originals_served(owner)

    def test_links_persist_across_a_restart(self):
        owner = self.client()
        j = self.links(owner)
        if not j["suggestions"]:
            self.skipTest("dismissed by the other test")
        body = {"patients": [{k: p[k] for k in ("patient_id", "name", "birth_date")}
                             for p in j["suggestions"][0]["patients"]]}
        status, person = owner.json("POST", "/api/v1/person-links", json_body=body)
        self.assertEqual(status, 201, person)
        self.server.stop()
        self.server.start()
        owner = self.client()
        self.assertEqual([p["id"] for p in self.links(owner)["persons"]], [person["id"]])
        self.assertEqual(owner.call("DELETE", "/api/v1/person-links/" + person["id"])[0], 204)


if __name__ == "__main__":
    unittest.main()
