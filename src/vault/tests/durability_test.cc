// "Acknowledged means durable", proven the way LevelDB's fault_injection_test and SQLite's
// crash tests do: a real import over a FaultInjectionEnv, the power cut at every sync
// point, the vault reopened and checked; with fsync a no-op the same check must fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/fault_injection_env.h"
#include "base/posix_file.h"
#include "base/sha256.h"
#include "index/sqlite_env_vfs.h"
#include "index/sqlite_index.h"
#include "vault/open_with_env.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {
namespace fs = std::filesystem;

constexpr int kInstances = 50;
constexpr std::size_t kBatch = 10;

// ---- a minimal explicit VR little endian Part 10 file ----

class Elements {
 public:
  void text(std::uint16_t group, std::uint16_t element, const char* vr, std::string value) {
    if (value.size() % 2 != 0) value.push_back(std::string(vr) == "UI" ? '\0' : ' ');
    header(group, element, vr, value.size());
    bytes_ += value;
  }
  void us(std::uint16_t group, std::uint16_t element, std::uint16_t value) {
    header(group, element, "US", 2);
    u16(value);
  }
  void ul(std::uint16_t group, std::uint16_t element, std::uint32_t value) {
    header(group, element, "UL", 4);
    u32(value);
  }
  void binary(std::uint16_t group, std::uint16_t element, const char* vr, std::string value) {
    if (value.size() % 2 != 0) value.push_back('\0');
    header(group, element, vr, value.size());
    bytes_ += value;
  }
  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  void u16(std::uint32_t v) {
    bytes_.push_back(static_cast<char>(v & 0xFF));
    bytes_.push_back(static_cast<char>((v >> 8) & 0xFF));
  }
  void u32(std::uint32_t v) {
    u16(v & 0xFFFF);
    u16(v >> 16);
  }
  void header(std::uint16_t group, std::uint16_t element, const char* vr, std::size_t length) {
    u16(group);
    u16(element);
    bytes_.append(vr, 2);
    const std::string v(vr);
    if (v == "OB" || v == "OW" || v == "UN" || v == "SQ" || v == "UT") {
      u16(0);
      u32(static_cast<std::uint32_t>(length));
    } else {
      u16(static_cast<std::uint32_t>(length));
    }
  }
  std::string bytes_;
};

// Instance n of one CT series: distinct UIDs and pixels, so distinct SHA-256s.
std::string make_instance(int n) {
  const std::string ct = "1.2.840.10008.5.1.4.1.1.2";
  const std::string sop = "2.25.31337.1.1." + std::to_string(n + 1);
  Elements meta;
  meta.binary(0x0002, 0x0001, "OB", std::string("\0\1", 2));
  meta.text(0x0002, 0x0002, "UI", ct);
  meta.text(0x0002, 0x0003, "UI", sop);
  meta.text(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");
  meta.text(0x0002, 0x0012, "UI", "2.25.31337.9");
  Elements length;
  length.ul(0x0002, 0x0000, static_cast<std::uint32_t>(meta.bytes().size()));
  Elements ds;
  ds.text(0x0008, 0x0016, "UI", ct);
  ds.text(0x0008, 0x0018, "UI", sop);
  ds.text(0x0008, 0x0020, "DA", "20240105");
  ds.text(0x0008, 0x0030, "TM", "101500");
  ds.text(0x0008, 0x0060, "CS", "CT");
  ds.text(0x0010, 0x0010, "PN", "Fault^Test");
  ds.text(0x0010, 0x0020, "LO", "PID-FAULT");
  ds.text(0x0018, 0x0015, "CS", "CHEST");
  ds.text(0x0020, 0x000D, "UI", "2.25.31337.1");
  ds.text(0x0020, 0x000E, "UI", "2.25.31337.1.1");
  ds.text(0x0020, 0x0011, "IS", "1");
  ds.text(0x0020, 0x0013, "IS", std::to_string(n + 1));
  ds.us(0x0028, 0x0002, 1);
  ds.text(0x0028, 0x0004, "CS", "MONOCHROME2");
  ds.us(0x0028, 0x0010, 16);
  ds.us(0x0028, 0x0011, 16);
  ds.us(0x0028, 0x0100, 16);
  ds.us(0x0028, 0x0101, 12);
  ds.us(0x0028, 0x0102, 11);
  ds.us(0x0028, 0x0103, 0);
  std::string pixels(16 * 16 * 2, '\0');
  std::uint32_t x = 2463534242u + static_cast<std::uint32_t>(n) * 7919u;
  for (char& c : pixels) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0x0F);
  }
  ds.binary(0x7FE0, 0x0010, "OW", pixels);
  return std::string(128, '\0') + "DICM" + length.bytes() + meta.bytes() + ds.bytes();
}

std::string unique_vfs_name() {
  static std::atomic<int> n{0};
  return "custos-fault-vault-" + std::to_string(++n);
}

// Passes everything to the real index and notes, for each commit that returned success,
// the sync points passed by then and the rows it left: from that sync point on, the
// importer may acknowledge those rows.
class CommitRecorder final : public index::Index {
 public:
  struct Commit {
    long sync_point;
    long rows;
  };
  CommitRecorder(std::unique_ptr<index::Index> inner, FaultInjectionEnv& env,
                 std::vector<Commit>& commits, bool stop_images_after_first)
      : inner_(std::move(inner)),
        env_(env),
        commits_(commits),
        stop_images_after_first_(stop_images_after_first) {}
  Status read(const std::function<Status(index::ReadTxn&)>& fn) override {
    return inner_->read(fn);
  }
  Status write(const std::function<Status(index::WriteTxn&)>& fn) override {
    long rows = 0;
    auto s = inner_->write([&](index::WriteTxn& txn) -> Status {
      if (auto r = fn(txn); !r) return r;
      auto n = txn.instance_count();
      if (!n) return fail(n.error());
      rows = *n;
      return {};
    });
    if (s) {
      commits_.push_back({env_.sync_points(), rows});
      if (stop_images_after_first_) env_.stop_images();
    }
    return s;
  }

 private:
  std::unique_ptr<index::Index> inner_;
  FaultInjectionEnv& env_;
  std::vector<Commit>& commits_;
  bool stop_images_after_first_;
};

// ---- the harness ----

class FaultDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The disk is simulated (no real fsync matters), and a sweep creates and removes
    // thousands of files: tmpfs keeps that cheap where it exists.
    const fs::path base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string tmpl = (base / "custos-durability-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    input_ = root_ / "input";
    fs::create_directories(input_);
    for (int i = 0; i < kInstances; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "im%03d.dcm", i);  // the walk is sorted by name
      const std::string bytes = make_instance(i);
      std::ofstream(input_ / name, std::ios::binary) << bytes;
      const std::string sha = to_hex(sha256_of(as_bytes(bytes)));
      shas_.push_back(sha);
      bytes_[sha] = bytes;
    }
    InitOptions init;
    init.encryption = false;  // the storage layers are under test; encryption is a decorator
    ASSERT_TRUE(Vault::init(root_ / "template", init, clock_));
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path fresh_vault() {
    const fs::path dir = root_ / ("vault-" + std::to_string(++vaults_));
    fs::copy(root_ / "template", dir, fs::copy_options::recursive);
    return dir;
  }

  struct Outcome {
    long acknowledged = 0;  // instances_added of the summary
    std::string error;      // summary.error, or why the vault did not open
    long sync_points = 0;
  };

  // One import through a fresh FaultInjectionEnv: `arm` sets faults or the crash; then the
  // vault is closed and, with `power_cut`, the unsynced state dropped.
  Outcome import_through_faults(const fs::path& vault_dir,
                                const std::function<void(FaultInjectionEnv&)>& arm, bool power_cut,
                                bool noop = false) {
    Outcome out;
    FaultInjectionEnv env(posix_env());
    env.set_real_syncs(false);  // the model decides what survives; the disk is never cut
    env.set_fsync_is_noop(noop);
    auto vfs = index::EnvVfs::register_vfs(unique_vfs_name(), env);
    EXPECT_TRUE(vfs) << vfs.error().message;
    if (!vfs) return out;
    arm(env);
    {
      auto vault = open_with_env(vault_dir, clock_, {env, (*vfs)->name()});
      if (!vault) {
        out.error = vault.error().message;
      } else {
        const fs::path inputs[] = {input_};
        ImportOptions options;
        options.batch_files = kBatch;
        auto summary = (*vault)->import(inputs, options, nullptr);
        EXPECT_TRUE(summary) << summary.error().message;
        if (summary) {
          out.acknowledged = summary->instances_added;
          out.error = summary->error.value_or("");
        }
      }
    }
    out.sync_points = env.sync_points();
    if (power_cut) {
      EXPECT_TRUE(env.drop_unsynced());
    }
    return out;
  }

  // What a reopened vault must show after the first `acknowledged` instances (in import
  // order) were reported added. Returns the violations found (empty: durable). With
  // `whole_batches`, the index must hold exactly the first m instances for m a multiple of
  // the batch (or all of them); in any case at least `min_rows` rows.
  std::vector<std::string> check(const fs::path& vault_dir, long acknowledged, bool whole_batches,
                                 long min_rows = 0, long read_back = kInstances) {
    std::vector<std::string> bad;
    std::vector<std::string> rows;
    // Reopened the way production opens it: plain file system, SQLite's own VFS.
    {
      auto idx = index::SqliteIndex::open({vault_dir / "index.db", false});
      if (!idx) return {"index does not open: " + idx.error().message};
      auto s = (*idx)->read([&](index::ReadTxn& txn) -> Status {
        return txn.for_each_instance([&](const index::InstanceRow& row) -> Status {
          rows.push_back(row.sha256);
          return {};
        });
      });
      if (!s) return {"index does not read: " + s.error().message};
    }
    const std::set<std::string> present(rows.begin(), rows.end());
    if (present.size() != rows.size()) bad.push_back("duplicate index rows");
    if (static_cast<long>(rows.size()) < min_rows) {
      bad.push_back(std::to_string(min_rows) + " instances acknowledged, " +
                    std::to_string(rows.size()) + " indexed");
    }
    for (long i = 0; i < acknowledged; ++i) {
      if (!present.contains(shas_[i])) {
        bad.push_back("acknowledged instance " + std::to_string(i) + " has no index row");
      }
    }
    if (whole_batches) {
      const auto m = static_cast<long>(std::min(rows.size(), shas_.size()));
      const std::set<std::string> prefix(shas_.begin(), shas_.begin() + m);
      if (present != prefix || (rows.size() % kBatch != 0 && rows.size() != shas_.size())) {
        bad.push_back("index holds " + std::to_string(rows.size()) +
                      " rows that are not whole batches in import order");
      }
    }
    // Every row has its blob, bit-exact. Read straight from the file: stricter than a hash,
    // and far cheaper under ASan than a 1 MiB read buffer per object.
    for (const auto& sha : rows) {
      const fs::path blob = vault_dir / "blobs" / sha.substr(0, 2) / sha.substr(2, 2) / sha;
      std::ifstream in(blob, std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      const auto expected = bytes_.find(sha);
      if (!in || expected == bytes_.end() || content.str() != expected->second) {
        bad.push_back("index row without its intact blob: " + sha);
      }
    }
    auto vault = Vault::open(vault_dir, clock_);
    if (!vault) return {"vault does not open: " + vault.error().message};
    // The acknowledged instances read back through the vault, the newest `read_back` of
    // them (the rest were just compared on disk).
    for (long i = acknowledged - 1; i >= std::max(0L, acknowledged - read_back); --i) {
      std::string got;
      auto s = (*vault)->read_instance(shas_[i], [&](std::span<const std::byte> chunk) -> Status {
        got.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
        return {};
      });
      if (!s || got != bytes_[shas_[i]]) {
        bad.push_back("acknowledged instance " + std::to_string(i) + " does not read back");
      }
    }
    // Staging of the dead import is gone; only the reopened store's lock is left.
    long tmp_files = 0;
    for (const auto& e : fs::recursive_directory_iterator(vault_dir / "tmp")) {
      if (e.is_regular_file()) ++tmp_files;
    }
    if (tmp_files != 1) bad.push_back("stray staging files: " + std::to_string(tmp_files - 1));
    return bad;
  }

  // After the check: a plain import of the same input completes and nothing is doubled.
  void expect_resume_completes(const fs::path& vault_dir, const std::string& context) {
    auto vault = Vault::open(vault_dir, clock_);
    ASSERT_TRUE(vault) << context << ": " << vault.error().message;
    const fs::path inputs[] = {input_};
    ImportOptions options;
    options.batch_files = kBatch;
    auto summary = (*vault)->import(inputs, options, nullptr);
    ASSERT_TRUE(summary) << context;
    EXPECT_FALSE(summary->error) << context << ": " << *summary->error;
    EXPECT_EQ(summary->instances_added + summary->duplicates, kInstances) << context;
    auto studies = (*vault)->studies();
    ASSERT_TRUE(studies);
    ASSERT_EQ(studies->size(), 1u) << context;
    EXPECT_EQ(studies->front().instance_count, kInstances) << context;
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += "\n  " + s;
    return out;
  }

  const SystemClock clock_;
  fs::path root_;
  fs::path input_;
  std::vector<std::string> shas_;  // in import order
  std::map<std::string, std::string> bytes_;
  int vaults_ = 0;

  // One import, with the power-cut image of the vault written at every sync point; each
  // image is then checked against what had been committed when it was taken. Returns the
  // number of sync points, and the first image (or -1) with a violation.
  struct Sweep {
    long sync_points = 0;
    long first_violation = -1;
    std::string violations;
    long partially_acknowledged = 0;  // images taken with some but not all committed
  };
  Sweep sweep_images(bool noop, bool stop_at_first_violation) {
    Sweep out;
    const fs::path dir = fresh_vault();
    const fs::path images = root_ / ("images-" + std::to_string(vaults_));
    std::vector<CommitRecorder::Commit> commits;
    {
      FaultInjectionEnv env(posix_env());
      env.set_real_syncs(false);
      env.set_fsync_is_noop(noop);
      auto vfs = index::EnvVfs::register_vfs(unique_vfs_name(), env);
      EXPECT_TRUE(vfs) << vfs.error().message;
      if (!vfs) return out;
      EnvOpenOptions open_options{env, (*vfs)->name()};
      open_options.wrap_index = [&](std::unique_ptr<index::Index> inner) {
        // Stopping at the first violation, images past the first commit are not needed.
        return std::make_unique<CommitRecorder>(std::move(inner), env, commits,
                                                stop_at_first_violation);
      };
      {
        auto vault = open_with_env(dir, clock_, open_options);
        EXPECT_TRUE(vault) << vault.error().message;
        if (!vault) return out;
        EXPECT_TRUE(env.write_power_cut_image(dir, images / "0"));
        env.write_images_at_sync_points(dir, images);
        const fs::path inputs[] = {input_};
        ImportOptions options;
        options.batch_files = kBatch;
        auto summary = (*vault)->import(inputs, options, nullptr);
        EXPECT_TRUE(summary);
        EXPECT_FALSE(summary->error) << *summary->error;
        EXPECT_EQ(summary->instances_added, kInstances);
        // The importer acknowledged exactly what the index committed.
        EXPECT_EQ(commits.empty() ? 0 : commits.back().rows, summary->instances_added);
      }  // closing checkpoints the WAL: more sync points, more images
      EXPECT_TRUE(env.images_status()) << env.images_status().error().message;
      out.sync_points = env.sync_points();
    }
    const long last_image =
        stop_at_first_violation && !commits.empty() ? commits.front().sync_point : out.sync_points;
    long last_acknowledged = 0;
    for (long k = 0; k <= last_image; ++k) {
      long acknowledged = 0;
      for (const auto& c : commits) {
        if (c.sync_point <= k) acknowledged = c.rows;
      }
      if (acknowledged > 0 && acknowledged < kInstances) ++out.partially_acknowledged;
      const fs::path image = images / std::to_string(k);
      // Through the vault, read back the batch just acknowledged, at the first image that
      // must hold it (every image compares every blob on disk).
      const long read_back = acknowledged != last_acknowledged ? kBatch : 0;
      last_acknowledged = acknowledged;
      const auto violations = check(image, acknowledged, true, 0, read_back);
      fs::remove_all(image);
      if (!violations.empty() && out.first_violation < 0) {
        out.first_violation = k;
        out.violations = "power cut after sync point " + std::to_string(k) + " of " +
                         std::to_string(out.sync_points) + ", " + std::to_string(acknowledged) +
                         " acknowledged:" + join(violations);
        if (stop_at_first_violation) break;
      }
    }
    fs::remove_all(images);
    fs::remove_all(dir);
    return out;
  }
};

TEST_F(FaultDurabilityTest, PowerCutAtEverySyncPointKeepsEveryAcknowledgedInstance) {
  const Sweep sweep = sweep_images(/*noop=*/false, /*stop_at_first_violation=*/false);
  ASSERT_GT(sweep.sync_points, kInstances) << "each instance needs at least its own fsync";
  EXPECT_EQ(sweep.first_violation, -1) << sweep.violations;
  // Not vacuous: many cuts fell with some but not all batches acknowledged.
  EXPECT_GT(sweep.partially_acknowledged, sweep.sync_points / 2);
  RecordProperty("sync_points", static_cast<int>(sweep.sync_points));
}

TEST_F(FaultDurabilityTest, NegativeControlDetectsLossWhenFsyncIsANoop) {
  // Syncs that succeed but make nothing durable. If the checker finds no violation at any
  // cut, it cannot see loss at all and the proof above means nothing.
  const Sweep sweep = sweep_images(/*noop=*/true, /*stop_at_first_violation=*/true);
  EXPECT_GE(sweep.first_violation, 0) << "the harness is blind: no loss with fsync a no-op";
  RecordProperty("negative_control_detected_at_sync_point",
                 static_cast<int>(sweep.first_violation));
  // The same through a real crash and reopen: everything acknowledged is gone.
  const fs::path dir = fresh_vault();
  const Outcome o = import_through_faults(
      dir, [](FaultInjectionEnv&) {}, true, /*noop=*/true);
  ASSERT_EQ(o.acknowledged, kInstances);
  EXPECT_FALSE(check(dir, o.acknowledged, true).empty()) << "the harness is blind";
}

TEST_F(FaultDurabilityTest, CrashAndReopenKeepAcknowledgedInstancesAndResumeCompletes) {
  // The images above take the acknowledgements from the commits; here the importer's own
  // report counts, after a real crash: later changes fail, the vault closes, the unsynced
  // state is dropped and the directory reopened. One cut in each batch's span.
  const Outcome full = import_through_faults(
      fresh_vault(), [](FaultInjectionEnv&) {}, true);
  ASSERT_EQ(full.acknowledged, kInstances) << full.error;
  const long step = full.sync_points / (kInstances / static_cast<long>(kBatch));
  ASSERT_GT(step, 0);
  std::vector<long> cuts;
  for (long k = 1; k < full.sync_points; k += step) cuts.push_back(k);
  cuts.push_back(full.sync_points);
  for (const long k : cuts) {
    const fs::path dir = fresh_vault();
    const Outcome o = import_through_faults(
        dir, [k](FaultInjectionEnv& env) { env.crash_after_syncs(k); }, true);
    const std::string context = "crash after sync point " + std::to_string(k) + ", " +
                                std::to_string(o.acknowledged) + " acknowledged";
    if (k < full.sync_points) {
      EXPECT_FALSE(o.error.empty()) << context;
    }
    const auto violations = check(dir, o.acknowledged, true);
    ASSERT_TRUE(violations.empty()) << context << join(violations);
    expect_resume_completes(dir, context);
    fs::remove_all(dir);
  }
}

// One injected failure per case: the import stops with an error naming the file, nothing
// partial is visible after a power cut and reopen, and a retry without faults completes.
struct InjectedFault {
  const char* name;
  FaultOp op;
  ErrorCode code;
  std::function<bool(const fs::path&)> filter;
  const char* named;  // what the error message must mention
};

class FaultDurabilityInjectedTest : public FaultDurabilityTest,
                                    public ::testing::WithParamInterface<int> {};

std::vector<InjectedFault> injected_faults() {
  auto under = [](const char* part) {
    return [part](const fs::path& p) { return p.string().find(part) != std::string::npos; };
  };
  // Skips the first n matching operations, so the fault lands mid-import.
  auto nth = [](int n, std::function<bool(const fs::path&)> f) {
    auto seen = std::make_shared<int>(0);
    return [n, f, seen](const fs::path& p) { return f(p) && (*seen)++ == n; };
  };
  return {
      {"DiskFullMidBlobWrite", FaultOp::kWrite, ErrorCode::kNoSpace, nth(23, under(".part")),
       ".part"},
      {"BlobCreateFails", FaultOp::kCreate, ErrorCode::kNoSpace, nth(17, under(".part")), ".part"},
      {"BlobFsyncFails", FaultOp::kSync, ErrorCode::kIoError, nth(12, under(".part")), ".part"},
      {"BlobRenameFails", FaultOp::kRename, ErrorCode::kIoError, nth(14, under(".part")), ".part"},
      {"BlobDirSyncFails", FaultOp::kSyncDir, ErrorCode::kIoError, nth(25, under("/blobs/")),
       "/blobs/"},
      {"FanOutParentSyncFails", FaultOp::kSyncDir, ErrorCode::kIoError,
       nth(1, [](const fs::path& p) { return p.parent_path().filename() == "blobs"; }), "/blobs/"},
      {"IndexWalSyncFails", FaultOp::kSync, ErrorCode::kIoError, nth(1, under("index.db-wal")),
       "index.db"},
      {"IndexDiskFull", FaultOp::kWrite, ErrorCode::kNoSpace, nth(3, under("index.db-wal")),
       "index.db"},
  };
}

TEST_P(FaultDurabilityInjectedTest, FailureIsReportedNothingPartialStaysAndRetryCompletes) {
  const InjectedFault fault = injected_faults()[static_cast<std::size_t>(GetParam())];
  const fs::path dir = fresh_vault();
  const Outcome o = import_through_faults(
      dir, [&](FaultInjectionEnv& env) { env.fail_next(fault.op, fault.code, fault.filter); },
      true);
  EXPECT_FALSE(o.error.empty()) << fault.name << ": the failure went unreported";
  EXPECT_NE(o.error.find(fault.named), std::string::npos) << fault.name << ": " << o.error;
  EXPECT_LT(o.acknowledged, kInstances) << fault.name;
  // Whole batches are not required: the instances of a batch that did publish are
  // committed even when another of the batch failed.
  const auto violations = check(dir, 0, false, o.acknowledged);
  EXPECT_TRUE(violations.empty()) << fault.name << join(violations);
  expect_resume_completes(dir, fault.name);
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultDurabilityInjectedTest,
                         ::testing::Range(0, static_cast<int>(injected_faults().size())),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(injected_faults()[info.param].name);
                         });

}  // namespace
}  // namespace custos::vault
