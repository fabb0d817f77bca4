// The files of an audit directory: chain.json, the numbered segments log-NNNNNN.jsonl and
// checkpoints.jsonl, read line by line so a large log is never held in memory.
// Internal to the audit module.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/posix_file.h"
#include "base/sha256.h"

namespace custos::audit {

// A single line longer than this is damage, not data (10,000 UIDs sealed stay far below).
inline constexpr std::size_t kMaxLineBytes = 16u << 20;

inline constexpr const char* kChainFile = "chain.json";
inline constexpr const char* kCheckpointFile = "checkpoints.jsonl";
inline constexpr const char* kLockFile = "lock";

// chain.json: {"chain_id":hex,"format":"custos-audit","format_version":1,"sealing":"..."}
struct ChainInfo {
  Digest chain_id{};
  std::string sealing;  // EntrySealer::scheme()
};

[[nodiscard]] Status write_chain_info(const std::filesystem::path& dir, const ChainInfo& info);
// Errors: kNotFound when there is no chain.json, kCorruption when it is damaged.
[[nodiscard]] Result<ChainInfo> read_chain_info(const std::filesystem::path& dir);

struct Segment {
  std::uint64_t number = 0;
  std::filesystem::path path;
};

// "log-000001.jsonl"
[[nodiscard]] std::string segment_name(std::uint64_t number);
// The segments in `dir`, by number. Other files are ignored.
[[nodiscard]] Result<std::vector<Segment>> list_segments(const std::filesystem::path& dir);

struct Line {
  std::string text;          // without '\n'
  std::uint64_t number = 0;  // 1-based within the file
  bool complete = true;      // false: the file ends without '\n' after it (torn write)
};

// Reads one file line by line. Not thread-safe.
class LineReader {
 public:
  // Errors: those of open_read.
  [[nodiscard]] static Result<LineReader> open(const std::filesystem::path& path);
  // The next line, or nullopt at the end. Errors: kIoError; kCorruption for a line longer
  // than kMaxLineBytes.
  [[nodiscard]] Result<std::optional<Line>> next();

 private:
  LineReader(std::filesystem::path path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  UniqueFd fd_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
};

// What the end of a file looks like, read backwards without scanning the whole file.
struct Tail {
  std::optional<std::string> last_line;  // the last complete line, without '\n'
  std::uint64_t complete_bytes = 0;      // offset just past the last '\n'
  std::uint64_t file_bytes = 0;          // anything beyond complete_bytes is a torn write
};
[[nodiscard]] Result<Tail> read_tail(const std::filesystem::path& path);

}  // namespace custos::audit
