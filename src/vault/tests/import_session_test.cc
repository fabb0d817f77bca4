// Imports fed item by item (uploads): the same outcome as `custos import` of the same files,
// zips expanded from a stream, junk skipped, a broken stream rejected, progress readable.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "source/tests/test_support.h"
#include "source/tests/zip_writer.h"
#include "vault/import_session.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class StringReader final : public source::ByteReader {
 public:
  explicit StringReader(std::string data, std::size_t fail_at = std::string::npos)
      : data_(std::move(data)), fail_at_(fail_at) {}
  Result<std::size_t> read(std::span<std::byte> buf) override {
    if (pos_ >= fail_at_) return fail(ErrorCode::kIoError, "connection reset by the client");
    std::size_t n = std::min({buf.size(), data_.size() - pos_, std::size_t{4096}});
    if (fail_at_ != std::string::npos) n = std::min(n, fail_at_ - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t fail_at_;
  std::size_t pos_ = 0;
};

class ImportSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPydicom / "CT_small.dcm")) GTEST_SKIP() << "python3-pydicom not installed";
    InitOptions init;
    init.encryption = false;
    ASSERT_TRUE(Vault::init(tmp_.path() / "v", init, clock_));
    auto v = Vault::open(tmp_.path() / "v", clock_);
    ASSERT_TRUE(v) << v.error().message;
    vault_ = std::move(*v);
  }
  source::testing::TempDir tmp_;
  SystemClock clock_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(ImportSessionTest, FilesAndAZipFromStreamsAreImportedLikeFromDisk) {
  const std::string ct = slurp(kPydicom / "CT_small.dcm");
  const fs::path zip = tmp_.path() / "cd.zip";
  ASSERT_EQ(source::testing::make_zip(zip, {{"DICOM/MR", slurp(kPydicom / "MR_small.dcm")},
                                            {"autorun.inf", "[autorun]"}}),
            "");
  auto session = vault_->begin_import(ImportOptions{});
  StringReader a(ct), b(slurp(zip)), c("not dicom at all"), d(ct);
  session->add("upload/CT_small.dcm", a);
  session->add("upload/cd.zip", b);
  session->add("upload/readme.txt", c);
  session->add("upload/again.dcm", d);
  const ImportSummary s = session->finish();
  EXPECT_EQ(s.files_seen, 5);
  EXPECT_EQ(s.instances_added, 2);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_EQ(s.skipped_non_dicom, 2);
  EXPECT_TRUE(s.rejected.empty());
  EXPECT_EQ(s.studies.size(), 2u);
  EXPECT_TRUE(session->progress().finished);
  EXPECT_EQ(session->progress().files_done, 5);
  auto studies = vault_->list_studies();
  ASSERT_TRUE(studies);
  EXPECT_EQ(studies->size(), 2u);
}

TEST_F(ImportSessionTest, AStreamCutPartWayIsRejectedAndNothingOfItIsStored) {
  const std::string ct = slurp(kPydicom / "CT_small.dcm");
  auto session = vault_->begin_import(ImportOptions{});
  StringReader cut(ct, ct.size() / 2);
  session->add("upload/CT_small.dcm", cut);
  session->reject("upload/part-without-name", "multipart part without a file name");
  const ImportSummary s = session->finish();
  EXPECT_EQ(s.instances_added, 0);
  ASSERT_EQ(s.rejected.size(), 2u);
  EXPECT_NE(s.rejected[0].reason.find("connection reset"), std::string::npos)
      << s.rejected[0].reason;
  auto studies = vault_->list_studies();
  ASSERT_TRUE(studies);
  EXPECT_TRUE(studies->empty());
}

TEST_F(ImportSessionTest, AnItemizedImportNamesEveryStoredAndDuplicateInstance) {
  const std::string ct = slurp(kPydicom / "CT_small.dcm");
  ImportOptions options;
  options.itemize = true;
  auto session = vault_->begin_import(options);
  StringReader a(ct), b("junk"), c(ct);
  session->add("part-1", a);
  session->add("part-2", b);
  session->add("part-3", c);
  const ImportSummary s = session->finish();
  ASSERT_EQ(s.items.size(), 2u);
  // The duplicate is known at once; the first copy only once its batch is durable.
  EXPECT_EQ(s.items[0].path, "part-3");
  EXPECT_EQ(s.items[0].outcome, ImportedItem::Outcome::kDuplicate);
  EXPECT_EQ(s.items[1].path, "part-1");
  EXPECT_EQ(s.items[1].outcome, ImportedItem::Outcome::kAdded);
  EXPECT_EQ(s.items[1].sop_uid, s.items[0].sop_uid);
  EXPECT_FALSE(s.items[1].sop_class_uid.empty());
  EXPECT_FALSE(s.items[1].study_uid.empty());

  auto plain = vault_->begin_import(ImportOptions{});
  StringReader d(ct);
  plain->add("again", d);
  EXPECT_TRUE(plain->finish().items.empty());
}

}  // namespace
}  // namespace custos::vault
