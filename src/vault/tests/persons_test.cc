// Person links through the vault: the owner links two patients (one name, two Patient IDs)
// and undoes it; studies carry the person; other roles may read but not change; every
// change is audited without names; the stored files are untouched. Suggestions: same
// normalised name and birth date, not linked, not dismissed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "source/tests/test_support.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const std::string kName = "CompressedSamples^CT1";

Caller as(Role role, const std::string& name, bool read_only = false) {
  Caller c;
  c.actor = {audit::ActorKind::kUser, name};
  c.origin = {audit::OriginKind::kHttp, "192.0.2.7", "agent", "", ""};
  c.role = role;
  c.read_only = read_only;
  return c;
}

// CT_small.dcm as another hospital would have sent it: the same patient under Patient ID
// 2CT1, with its own UIDs (same lengths, so the file stays well formed).
std::string other_hospital_copy() {
  std::string bytes = source::testing::read_file(kPydicom / "CT_small.dcm");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"1CT1", "2CT1"},
                                 {"20040119072730.12322", "20040119072730.12323"}}) {
    for (auto at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at)) {
      bytes.replace(at, from.size(), to);
    }
  }
  return bytes;
}

class PersonsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPydicom / "CT_small.dcm")) GTEST_SKIP() << "python3-pydicom not installed";
    InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(Vault::init(tmp_.path() / "v", init, clock_));
    auto v = Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    source::testing::write_file(tmp_.path() / "in" / "other.dcm", other_hospital_copy());
    fs::copy_file(kPydicom / "CT_small.dcm", tmp_.path() / "in" / "ct.dcm");
    fs::copy_file(kPydicom / "MR_small.dcm", tmp_.path() / "in" / "mr.dcm");
    const std::vector<fs::path> inputs{tmp_.path() / "in"};
    ASSERT_EQ(vault_->import(inputs, {}, nullptr).value().instances_added, 3);
  }
  long count(const std::string& action, bool any_outcome = false) {
    long n = 0;
    const auto all = vault_->audit_entries({}).value();
    for (const auto& e : all) {
      n += e.action == action && (any_outcome || e.outcome == audit::Outcome::kSuccess);
    }
    return n;
  }
  std::vector<audit::Entry> entries(const std::string& action) {
    std::vector<audit::Entry> out;
    const auto all = vault_->audit_entries({}).value();
    for (const auto& e : all) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }
  std::vector<PatientKey> both() { return {{"1CT1", kName, ""}, {"2CT1", kName, ""}}; }

  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(PersonsTest, OwnerLinksAndUndoesStudiesCarryThePerson) {
  const Caller owner = as(Role::kOwner, "alice");
  const auto keys = both();
  auto person = vault_->link_persons(owner, keys);
  ASSERT_TRUE(person) << person.error().message;
  EXPECT_EQ(person->patients.size(), 2u);
  EXPECT_EQ(person->confirmed_by, "alice");
  EXPECT_FALSE(person->confirmed_at.empty());
  std::set<std::string> persons_of_ct;
  const auto studies = vault_->studies().value();
  for (const auto& s : studies) {
    if (s.patient_name == kName) persons_of_ct.insert(s.person);
    else EXPECT_EQ(s.person, "");
  }
  EXPECT_EQ(persons_of_ct, (std::set<std::string>{person->id}));
  auto links = vault_->person_links(as(Role::kViewer, "vera"));
  ASSERT_TRUE(links) << links.error().message;
  ASSERT_EQ(links->persons.size(), 1u);
  EXPECT_EQ(links->persons[0].id, person->id);
  EXPECT_EQ(count("person.list"), 1);

  ASSERT_TRUE(vault_->unlink_person(owner, person->id));
  const auto after = vault_->studies().value();
  for (const auto& s : after) EXPECT_EQ(s.person, "");
  EXPECT_TRUE(vault_->person_links(owner).value().persons.empty());
  EXPECT_EQ(vault_->unlink_person(owner, person->id).error().code, ErrorCode::kNotFound);
  // Nothing stored changed: every object still matches its recorded SHA-256.
  EXPECT_EQ(vault_->verify(nullptr).value().ok, 3);
}

// The owner may link anyone (not only suggestions) and take one patient out again.
TEST_F(PersonsTest, OnePatientLeavesAPersonOfThree) {
  const Caller owner = as(Role::kOwner, "alice");
  const auto rows = vault_->studies().value();
  const auto mr = std::find_if(rows.begin(), rows.end(), [](const auto& s) { return s.patient_name != kName; });
  ASSERT_NE(mr, rows.end());
  const PatientKey mr_key{mr->patient_id, mr->patient_name, mr->patient_birth_date};
  auto keys = both();
  const std::vector<PatientKey> first{keys[0], mr_key};
  const auto id = vault_->link_persons(owner, first).value().id;
  // Linking the other CT patient with a member merges into the same person.
  const std::vector<PatientKey> more{keys[1], keys[0]};
  EXPECT_EQ(vault_->link_persons(owner, more).value().id, id);
  EXPECT_EQ(vault_->person_links(owner).value().persons.at(0).patients.size(), 3u);
  ASSERT_TRUE(vault_->unlink_person(owner, id, mr_key));
  const auto links = vault_->person_links(owner).value();
  ASSERT_EQ(links.persons.size(), 1u);
  EXPECT_EQ(links.persons[0].patients.size(), 2u);
  for (const auto& p : links.persons[0].patients) EXPECT_EQ(p.key.name, kName);
  EXPECT_EQ(vault_->unlink_person(owner, id, mr_key).error().code, ErrorCode::kNotFound);
}

TEST_F(PersonsTest, ChangesAreAuditedByStudyAndIndexIdWithoutNames) {
  const Caller owner = as(Role::kOwner, "alice");
  const auto keys = both();
  auto person = vault_->link_persons(owner, keys);
  ASSERT_TRUE(person);
  ASSERT_TRUE(vault_->unlink_person(owner, person->id));
  for (const auto& action : {"person.link", "person.unlink"}) {
    const auto found = entries(action);
    ASSERT_EQ(found.size(), 1u) << action;
    EXPECT_EQ(found[0].outcome, audit::Outcome::kSuccess);
    EXPECT_EQ(found[0].actor.id, "alice");
    EXPECT_EQ(found[0].uids.studies.size(), 2u) << action;
    EXPECT_NE(found[0].detail.find(person->id), std::string::npos) << found[0].detail;
    EXPECT_EQ(found[0].detail.find("CompressedSamples"), std::string::npos) << found[0].detail;
    EXPECT_EQ(found[0].detail.find("CT1"), std::string::npos) << found[0].detail;
  }
  ASSERT_TRUE(vault_->dismiss_persons(owner, keys));
  EXPECT_EQ(count("person.dismiss"), 1);
  // An unknown patient is refused and the failure is on record.
  const std::vector<PatientKey> unknown{{"1CT1", kName, ""}, {"nobody", kName, ""}};
  EXPECT_EQ(vault_->link_persons(owner, unknown).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(count("person.link", true), 2);
}

TEST_F(PersonsTest, OnlyTheOwnerMayChangeLinksEveryoneMayRead) {
  const Caller owner = as(Role::kOwner, "alice");
  const auto keys = both();
  const auto id = vault_->link_persons(owner, keys).value().id;
  for (const Caller& c : {as(Role::kCaregiver, "carl"), as(Role::kViewer, "vera"),
                          as(Role::kOwner, "token", true)}) {
    EXPECT_EQ(vault_->link_persons(c, keys).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->unlink_person(c, id).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->dismiss_persons(c, keys).error().code, ErrorCode::kPermissionDenied);
    EXPECT_TRUE(vault_->person_links(c));
  }
  EXPECT_EQ(vault_->person_links(owner).value().persons.size(), 1u);
  EXPECT_EQ(count("person.link"), 1);
  EXPECT_EQ(count("person.unlink", true), 0);
  EXPECT_GE(count("access.denied", true), 9);
}

index::PatientRow patient(std::int64_t id, const std::string& pid, const std::string& name,
                          const std::string& dob) {
  index::PatientRow p;
  p.id = id;
  p.patient_id = pid;
  p.patient_name = name;
  p.birth_date = dob;
  return p;
}

std::vector<std::vector<std::int64_t>> refs(const std::vector<PersonSuggestion>& s) {
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& g : s) {
    out.emplace_back();
    for (const auto& p : g.patients) out.back().push_back(p.ref);
  }
  return out;
}

TEST(PersonSuggestions, SameNormalisedNameAndBirthDateUnlessLinkedOrDismissed) {
  EXPECT_EQ(normalised_name("DOE^JANE"), normalised_name("jane  doe"));
  EXPECT_EQ(normalised_name("Doe^Jane^^^"), "doe jane");
  const std::vector<index::PatientRow> patients{
      patient(1, "H1", "Doe^Jane", "19700101"), patient(2, "H2", "DOE^JANE", "19700101"),
      patient(3, "K9", "Doe^John", "20050505"), patient(4, "X1", "Roe^Ann", ""),
      patient(5, "X2", "Roe^Ann", ""),          patient(6, "H3", "Jane Doe", "19700101")};
  EXPECT_EQ(refs(suggest_person_links(patients, {}, {})),
            (std::vector<std::vector<std::int64_t>>{{1, 2, 6}}));
  // 1 and 2 confirmed: 6 is still suggested with their person.
  const std::vector<index::PersonRow> persons{{"abc", {1, 2}, "alice", "t"}};
  EXPECT_EQ(refs(suggest_person_links(patients, persons, {})),
            (std::vector<std::vector<std::int64_t>>{{1, 2, 6}}));
  // ... unless the owner set 6 apart from one of them.
  const std::vector<index::PersonDismissal> apart{{2, 6}};
  EXPECT_TRUE(suggest_person_links(patients, persons, apart).empty());
  // Without the person: 1 and 2 are suggested, 6 (set apart from 2) is left out.
  EXPECT_EQ(refs(suggest_person_links(patients, {}, apart)),
            (std::vector<std::vector<std::int64_t>>{{1, 2}}));
}

}  // namespace
}  // namespace custos::vault
