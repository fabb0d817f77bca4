// The trash: the owner hides a study from every listing and lookup, and can undo it;
// nothing is erased; other roles are refused; both changes are audited.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "source/tests/test_support.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const std::string kCtStudy = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";
const std::string kCtSop = "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322";

Caller as(Role role, const std::string& name) {
  Caller c;
  c.actor = {audit::ActorKind::kUser, name};
  c.origin = {audit::OriginKind::kHttp, "192.0.2.7", "agent", "", ""};
  c.role = role;
  return c;
}

class TrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPydicom / "CT_small.dcm")) GTEST_SKIP() << "python3-pydicom not installed";
    InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(Vault::init(tmp_.path() / "v", init, clock_));
    auto v = Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
    const std::vector<fs::path> inputs{kPydicom / "CT_small.dcm", kPydicom / "MR_small.dcm"};
    ASSERT_EQ(vault_->import(inputs, {}, nullptr).value().instances_added, 2);
  }
  std::vector<std::string> visible() {
    std::vector<std::string> out;
    const auto rows = vault_->studies().value();
    for (const auto& s : rows) out.push_back(s.study_uid);
    return out;
  }
  // Entries of `action` (successes only, unless any_outcome).
  long count(const std::string& action, bool any_outcome = false) {
    long n = 0;
    const auto entries = vault_->audit_entries({}).value();
    for (const auto& e : entries) n += e.action == action && (any_outcome || e.outcome == audit::Outcome::kSuccess);
    return n;
  }
  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(TrashTest, TrashedStudyDisappearsEverywhereAndComesBack) {
  const Caller owner = as(Role::kOwner, "alice");
  ASSERT_TRUE(vault_->trash_study(owner, kCtStudy));
  EXPECT_EQ(visible().size(), 1u);
  EXPECT_EQ(vault_->show(kCtStudy).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vault_->show(kCtSop).error().code, ErrorCode::kNotFound);
  auto trash = vault_->trash(owner);
  ASSERT_TRUE(trash) << trash.error().message;
  ASSERT_EQ(trash->size(), 1u);
  EXPECT_EQ(trash->front().study_uid, kCtStudy);
  EXPECT_EQ(trash->front().trashed_by, "alice");
  EXPECT_FALSE(trash->front().trashed_at.empty());
  // Nothing is erased: verification still reads every stored object.
  EXPECT_EQ(vault_->verify(nullptr).value().ok, 2);
  // Importing the same file again finds it already stored (restore it from the trash).
  const std::vector<fs::path> again{kPydicom / "CT_small.dcm"};
  EXPECT_EQ(vault_->import(again, {}, nullptr).value().duplicates, 1);
  EXPECT_EQ(visible().size(), 1u);

  EXPECT_EQ(vault_->trash_study(owner, kCtStudy).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(vault_->restore_study(owner, kCtStudy));
  EXPECT_EQ(visible().size(), 2u);
  EXPECT_TRUE(vault_->show(kCtSop));
  EXPECT_TRUE(vault_->trash(owner).value().empty());
  EXPECT_EQ(vault_->restore_study(owner, kCtStudy).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(count("study.trash"), 1);
  EXPECT_EQ(count("study.restore"), 1);
}

TEST_F(TrashTest, OnlyTheOwnerMayTrashRestoreOrListIt) {
  for (auto role : {Role::kCaregiver, Role::kViewer}) {
    const Caller c = as(role, "bob");
    EXPECT_EQ(vault_->trash_study(c, kCtStudy).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->restore_study(c, kCtStudy).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(vault_->trash(c).error().code, ErrorCode::kPermissionDenied);
  }
  EXPECT_EQ(visible().size(), 2u);
  EXPECT_EQ(count("study.trash"), 0);
  EXPECT_GE(count("access.denied", true), 6);  // each refusal is on record
}

TEST_F(TrashTest, UnknownStudyIsNotFound) {
  EXPECT_EQ(vault_->trash_study(as(Role::kOwner, "alice"), "1.2.3").error().code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace custos::vault
