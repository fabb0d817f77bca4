// read_qido_rows over a real SQLite index: the rows a query needs, read in one transaction.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>

#include "dicomweb/qido.h"
#include "index/sqlite_index.h"

namespace custos::dicomweb {
namespace {

namespace fs = std::filesystem;

index::InstanceRecord record(std::string study, std::string series, std::string sop, long number,
                             std::string date, std::string modality) {
  index::InstanceRecord r;
  r.patient_name = "Doe^Jane";
  r.patient_id = "P1";
  r.study_uid = std::move(study);
  r.study_date = std::move(date);
  r.series_uid = std::move(series);
  r.series_number = 1;
  r.modality = std::move(modality);
  r.sop_uid = std::move(sop);
  r.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  r.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  r.instance_number = number;
  r.sha256 = std::string(64, static_cast<char>('a' + number));
  r.size = 100;
  return r;
}

TEST(QidoIndex, ReadsTheRowsOfEachLevel) {
  const fs::path dir = fs::temp_directory_path() / ("custos_qido_" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    auto idx = index::SqliteIndex::open({dir / "index.db"});
    ASSERT_TRUE(idx) << idx.error().message;
    ASSERT_TRUE((*idx)->write([](index::WriteTxn& t) -> Status {
      for (const auto& r : {record("1.1", "1.1.1", "1.1.1.1", 1, "20200101", "CT"),
                            record("1.1", "1.1.1", "1.1.1.2", 2, "20200101", "CT"),
                            record("1.1", "1.1.2", "1.1.2.1", 3, "20200101", "MR"),
                            record("2.1", "2.1.1", "2.1.1.1", 4, "20210101", "US")}) {
        auto o = t.add_instance(r);
        if (!o) return fail(o.error());
      }
      return {};
    }));
    auto run = [&](QueryLevel level, std::string st, std::string se, std::vector<std::pair<std::string, std::string>> p) {
      auto q = parse_qido_query(level, st, se, p);
      EXPECT_TRUE(q);
      std::string out;
      EXPECT_TRUE((*idx)->read([&](index::ReadTxn& t) -> Status {
        auto rows = read_qido_rows(t, *q);
        if (!rows) return fail(rows.error());
        out = qido_json(*q, *rows, {"http://h"});
        return {};
      }));
      return nlohmann::json::parse(out);
    };
    const auto studies = run(QueryLevel::kStudy, "", "", {});
    ASSERT_EQ(studies.size(), 2u);
    EXPECT_EQ(studies[0]["0020000D"]["Value"][0], "2.1");
    EXPECT_EQ(studies[1]["00201208"]["Value"][0], 3);
    EXPECT_EQ(studies[1]["00080061"]["Value"], nlohmann::json::parse(R"(["CT","MR"])"));
    EXPECT_EQ(run(QueryLevel::kSeries, "", "", {{"Modality", "MR"}}).size(), 1u);
    EXPECT_EQ(run(QueryLevel::kSeries, "1.1", "", {}).size(), 2u);
    EXPECT_EQ(run(QueryLevel::kInstance, "1.1", "1.1.1", {}).size(), 2u);
    EXPECT_EQ(run(QueryLevel::kInstance, "1.1", "", {}).size(), 3u);
    EXPECT_EQ(run(QueryLevel::kInstance, "", "", {{"StudyDate", "2021-"}}).size(), 1u);
    EXPECT_EQ(run(QueryLevel::kInstance, "9.9", "", {}).size(), 0u);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace custos::dicomweb
