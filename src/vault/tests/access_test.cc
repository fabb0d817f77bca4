// Roles enforced by the vault itself: the table, and each operation taking the caller per
// call — a viewer cannot import, delete or manage accounts; a read-only token cannot
// import; a caregiver can; each refusal is audited under the caller's name.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "source/tests/test_support.h"
#include "vault/import_session.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

Caller as(Role role, const std::string& name, bool read_only = false) {
  Caller c;
  c.actor = {read_only ? audit::ActorKind::kApiToken : audit::ActorKind::kUser, name};
  c.origin = {audit::OriginKind::kHttp, "192.0.2.7", "agent", "", ""};
  c.role = role;
  c.read_only = read_only;
  return c;
}

TEST(AccessTable, RolesAndReadOnly) {
  for (auto p : {Permission::kRead, Permission::kImport, Permission::kDelete, Permission::kAudit,
                 Permission::kManageAccounts, Permission::kManageKeys, Permission::kLinkPersons}) {
    EXPECT_TRUE(permits(Role::kOwner, false, p)) << to_string(p);
    EXPECT_EQ(permits(Role::kCaregiver, false, p),
              p == Permission::kRead || p == Permission::kImport) << to_string(p);
    EXPECT_EQ(permits(Role::kViewer, false, p), p == Permission::kRead) << to_string(p);
    for (auto r : {Role::kOwner, Role::kCaregiver, Role::kViewer}) {
      EXPECT_EQ(permits(r, true, p), p == Permission::kRead) << to_string(p);
    }
  }
  EXPECT_EQ(parse_role("caregiver").value(), Role::kCaregiver);
  EXPECT_EQ(parse_role("admin").error().code, ErrorCode::kInvalidArgument);
}

class VaultAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPydicom / "CT_small.dcm")) GTEST_SKIP() << "python3-pydicom not installed";
    InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(Vault::init(tmp_.path() / "v", init, clock_));
    auto v = Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    vault_->set_password_hash_params(crypto::weakest_password_params());
  }
  Result<ImportSummary> import_as(const Caller& c) {
    const std::vector<fs::path> inputs{kPydicom / "CT_small.dcm"};
    return vault_->import(c, inputs, {}, nullptr);
  }
  std::vector<audit::Entry> denials() {
    std::vector<audit::Entry> out;
    const auto all = vault_->audit_entries({}).value();
    for (const auto& e : all) {
      if (e.action == "access.denied") out.push_back(e);
    }
    return out;
  }
  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(VaultAccessTest, ViewerReadsButCannotImportDeleteOrManage) {
  const Caller viewer = as(Role::kViewer, "vic");
  auto r = import_as(viewer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message.find("viewer"), std::string::npos) << r.error().message;
  EXPECT_TRUE(vault_->list_studies().value().empty()) << "nothing was stored";
  EXPECT_EQ(vault_->begin_import(viewer, {}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->require(viewer, Permission::kDelete, "study.delete").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->add_user(viewer, "eve", Role::kOwner, "correct horse battery").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->audit_entries(viewer, {}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->change_passphrase(viewer, "new passphrase", crypto::KdfParams{}).error().code,
            ErrorCode::kPermissionDenied);
  // Reads are allowed.
  ASSERT_TRUE(import_as(Caller{}));
  auto studies = vault_->studies(viewer);
  ASSERT_TRUE(studies);
  ASSERT_EQ(studies->size(), 1u);
  EXPECT_TRUE(vault_->show(viewer, studies->front().study_uid));
  EXPECT_TRUE(vault_->scan_log(viewer));
  const auto d = denials();
  ASSERT_EQ(d.size(), 6u);
  for (const auto& e : d) {
    EXPECT_EQ(e.actor.kind, audit::ActorKind::kUser);
    EXPECT_EQ(e.actor.id, "vic");
    EXPECT_EQ(e.origin.kind, audit::OriginKind::kHttp);
    EXPECT_EQ(e.origin.ip, "192.0.2.7");
    EXPECT_EQ(e.outcome, audit::Outcome::kFailure);
  }
  EXPECT_EQ(d[0].detail, "import needs import");
  EXPECT_EQ(d[2].detail, "study.delete needs delete");
  // The successful reads name the viewer too.
  const auto all = vault_->audit_entries({}).value();
  bool saw = false;
  for (const auto& e : all) saw |= e.action == "study.list" && e.actor.id == "vic";
  EXPECT_TRUE(saw);
}

TEST_F(VaultAccessTest, ReadOnlyTokenCannotImportWhateverItsRole) {
  const Caller token = as(Role::kOwner, "jane/backup", true);
  auto r = import_as(token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
  EXPECT_EQ(vault_->create_token(token, "t", "", false).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(vault_->studies(token));
  const auto d = denials();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].actor.kind, audit::ActorKind::kApiToken);
  EXPECT_EQ(d[0].actor.id, "jane/backup");
}

TEST_F(VaultAccessTest, CaregiverImportsUnderTheirOwnName) {
  const Caller carl = as(Role::kCaregiver, "carl");
  auto r = import_as(carl);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->instances_added, 1);
  auto session = vault_->begin_import(carl, {});
  ASSERT_TRUE(session);
  const auto all = vault_->audit_entries({}).value();
  bool saw = false;
  for (const auto& e : all) {
    if (e.action == "import") {
      EXPECT_EQ(e.actor.id, "carl");
      EXPECT_EQ(e.origin.ip, "192.0.2.7");
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
  // No account management, no audit trail, no keys.
  EXPECT_EQ(vault_->list_users(carl).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->audit_verify(carl, {}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(vault_->add_key_file(carl, tmp_.path() / "k").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_FALSE(fs::exists(tmp_.path() / "k"));
}

TEST_F(VaultAccessTest, ReadInstanceNeedsReadAndTheOpenerKeepsWorking) {
  ASSERT_TRUE(import_as(Caller{}));
  const auto all = vault_->show(vault_->list_studies().value().front().study_uid);
  ASSERT_TRUE(all);
  std::vector<index::InstanceRow> inst;
  auto series = vault_->show(all->series.front().series_uid);
  ASSERT_TRUE(series);
  const std::string sha = series->instances.front().sha256;
  std::size_t n = 0;
  ASSERT_TRUE(vault_->read_instance(as(Role::kViewer, "vic"), sha,
                                    [&](std::span<const std::byte> b) -> Status {
                                      n += b.size();
                                      return {};
                                    }));
  EXPECT_GT(n, 0u);
}

}  // namespace
}  // namespace custos::vault
