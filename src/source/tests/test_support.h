// Test helpers for the import sources: a sink that reads every item fully and records
// what it got, temporary folders, and small file utilities.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/sha256.h"
#include "source/source.h"

namespace custos::source::testing {

namespace fs = std::filesystem;

struct ReceivedItem {
  Item item;
  std::uint64_t bytes_read = 0;
  std::string sha256;          // of the bytes read, hex
  std::optional<Error> error;  // the reader's error, if it returned one
};

struct Refusal {
  std::string path;
  std::string reason;
};

// Reads each item to its end in 1 MiB chunks (as the importer does), hashing the bytes.
class RecordingSink : public ItemSink {
 public:
  void on_item(const Item& item, ByteReader& reader) override {
    ReceivedItem got;
    got.item = item;
    Sha256 hash;
    std::vector<std::byte> buf(1u << 20);
    for (;;) {
      auto n = reader.read(buf);
      if (!n) {
        got.error = n.error();
        break;
      }
      if (*n == 0) break;
      hash.update(std::span<const std::byte>(buf.data(), *n));
      got.bytes_read += *n;
    }
    got.sha256 = to_hex(hash.finish());
    items.push_back(std::move(got));
    if (after_item) after_item(items.back());
  }
  void on_rejected(const std::string& path, const std::string& reason) override {
    rejected.push_back({path, reason});
  }
  void on_missing(const std::string& path, const std::string& reason) override {
    missing.push_back({path, reason});
  }

  const ReceivedItem* find(const std::string& display_path) const {
    for (const auto& i : items) {
      if (i.item.display_path == display_path) return &i;
    }
    return nullptr;
  }

  std::vector<ReceivedItem> items;
  std::vector<Refusal> rejected;
  std::vector<Refusal> missing;
  std::function<void(const ReceivedItem&)> after_item;  // runs after each item
};

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/custos-source-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    // Give back permissions a test took away, so the tree can be removed.
    for (auto it = fs::recursive_directory_iterator(path_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    }
    ::chmod(path_.c_str(), 0700);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string sha256_hex(const std::string& bytes) {
  return to_hex(sha256_of(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size())));
}

inline std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

}  // namespace custos::source::testing
