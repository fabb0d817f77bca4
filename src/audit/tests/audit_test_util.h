// Shared fixtures for the audit tests: a controllable clock, a scratch directory, entry
// builders, and the raw line editing an attacker with write access would do.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "audit/log_files.h"

namespace custos::audit::testing {

namespace fs = std::filesystem;

// Starts at 2026-03-01T10:00:00.000Z and moves one second per call, so every entry has
// its own time unless a test sets it.
class FakeClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.fetch_add(step_)));
  }
  void set(std::chrono::system_clock::time_point t) {
    ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  [[nodiscard]] static std::chrono::system_clock::time_point at(long long ms) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  }
  static constexpr long long kStart = 1772359200000;  // 2026-03-01T10:00:00.000Z

 private:
  mutable std::atomic<long long> ms_{kStart};
  long long step_ = 1000;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/custos-audit-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::array<std::byte, 32> bytes32(unsigned char fill) {
  std::array<std::byte, 32> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::byte(fill + i);
  return out;
}

inline Entry make_entry(std::string action, std::string detail = {},
                        std::vector<std::string> studies = {}) {
  Entry e;
  e.actor = Actor{ActorKind::kLocalOwner, "owner"};
  e.origin = Origin{OriginKind::kTerminal, "", "", "", ""};
  e.action = std::move(action);
  e.detail = std::move(detail);
  e.uids.studies = std::move(studies);
  return e;
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The lines of a file without their '\n' (a final line without one is kept as it is).
inline std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::stringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  write_file(path, out);
}

inline fs::path segment(const fs::path& dir, std::uint64_t n) { return dir / segment_name(n); }

// What an attacker with the key (or with a plain log) does to hide an edit: renumber the
// entries and recompute every prev and hash from the chain id on, then seal them again.
inline std::vector<std::string> rechain(std::vector<Entry> entries, const Digest& chain_id,
                                        const EntrySealer& sealer) {
  std::vector<std::string> lines;
  Digest prev = chain_id;
  std::uint64_t seq = 0;
  for (Entry& e : entries) {
    e.seq = ++seq;
    e.prev = prev;
    e.hash = compute_hash(e);
    prev = e.hash;
    lines.push_back(sealer.seal(e.seq, canonical_json(e, true)).value());
  }
  return lines;
}

inline std::vector<Entry> decode_all(const fs::path& file, const EntrySealer& sealer) {
  std::vector<Entry> out;
  for (const auto& line : read_lines(file)) {
    out.push_back(parse_entry(sealer.open(line).value().plaintext).value());
  }
  return out;
}

}  // namespace custos::audit::testing
