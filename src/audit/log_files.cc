// Audit directory files: chain descriptor, segment listing, line reading.
#include "audit/log_files.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace custos::audit {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kChunk = 64 * 1024;

// Offset of the last '\n' strictly before `end`, or nullopt. Reads backwards in chunks.
Result<std::optional<std::uint64_t>> last_newline_before(int fd, std::uint64_t end,
                                                         std::uint64_t limit,
                                                         const fs::path& path) {
  std::string buf(kChunk, '\0');
  std::uint64_t pos = end;
  while (pos > 0 && end - pos <= limit) {
    const std::uint64_t start = pos > kChunk ? pos - kChunk : 0;
    const auto len = static_cast<std::size_t>(pos - start);
    std::size_t got = 0;
    while (got < len) {
      const ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(start + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(posix_error("cannot read", path, errno));
      if (n == 0) return fail(ErrorCode::kIoError, path.string() + " shrank while being read");
      got += static_cast<std::size_t>(n);
    }
    for (std::size_t i = len; i > 0; --i) {
      if (buf[i - 1] == '\n') return std::optional<std::uint64_t>(start + i - 1);
    }
    pos = start;
  }
  if (pos > 0) {
    return fail(ErrorCode::kCorruption, path.string() + " ends with a line longer than " +
                                            std::to_string(kMaxLineBytes) + " bytes");
  }
  return std::optional<std::uint64_t>();
}

}  // namespace

Status write_chain_info(const fs::path& dir, const ChainInfo& info) {
  const Json j{{"format", "custos-audit"},
               {"format_version", 1},
               {"chain_id", to_hex(info.chain_id)},
               {"sealing", info.sealing}};
  const std::string text = j.dump() + "\n";
  return write_file_atomic(dir / kChainFile, as_bytes(text));
}

Result<ChainInfo> read_chain_info(const fs::path& dir) {
  const fs::path path = dir / kChainFile;
  auto text = read_small_file(path, 4096);
  if (!text) return fail(text.error());
  const Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const auto damaged = [&](std::string_view why) {
    return fail(ErrorCode::kCorruption, path.string() + " is damaged: " + std::string(why));
  };
  if (j.is_discarded() || !j.is_object()) return damaged("not a JSON object");
  if (!j.contains("format") || j["format"] != "custos-audit") return damaged("wrong \"format\"");
  if (!j.contains("format_version") || j["format_version"] != 1) {
    return fail(ErrorCode::kUnsupported, path.string() + " has an unsupported format version");
  }
  ChainInfo info;
  if (!j.contains("chain_id") || !j["chain_id"].is_string() ||
      !from_hex(j["chain_id"].get<std::string>(), info.chain_id)) {
    return damaged("no valid \"chain_id\"");
  }
  if (!j.contains("sealing") || !j["sealing"].is_string()) return damaged("no \"sealing\"");
  info.sealing = j["sealing"].get<std::string>();
  return info;
}

std::string segment_name(std::uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "log-%06llu.jsonl", static_cast<unsigned long long>(number));
  return buf;
}

Result<std::vector<Segment>> list_segments(const fs::path& dir) {
  std::vector<Segment> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with("log-") || !name.ends_with(".jsonl")) continue;
    const std::string_view digits(name.data() + 4, name.size() - 4 - 6);
    std::uint64_t n = 0;
    if (digits.empty() ||
        std::from_chars(digits.data(), digits.data() + digits.size(), n).ptr !=
            digits.data() + digits.size() ||
        segment_name(n) != name) {
      continue;
    }
    out.push_back(Segment{n, it->path()});
  }
  if (ec) return fail(posix_error("cannot list", dir, ec.value()));
  std::sort(out.begin(), out.end(),
            [](const Segment& a, const Segment& b) { return a.number < b.number; });
  return out;
}

Result<LineReader> LineReader::open(const fs::path& path) {
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  return LineReader(path, std::move(*fd));
}

Result<std::optional<Line>> LineReader::next() {
  for (;;) {
    const auto nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      Line line{buffer_.substr(pos_, nl - pos_), ++line_number_, true};
      pos_ = nl + 1;
      return std::optional<Line>(std::move(line));
    }
    if (buffer_.size() - pos_ > kMaxLineBytes) {
      return fail(ErrorCode::kCorruption, "line " + std::to_string(line_number_ + 1) + " of " +
                                              path_.string() + " is longer than " +
                                              std::to_string(kMaxLineBytes) + " bytes");
    }
    if (eof_) {
      if (pos_ == buffer_.size()) return std::optional<Line>();
      Line line{buffer_.substr(pos_), ++line_number_, false};
      pos_ = buffer_.size();
      return std::optional<Line>(std::move(line));
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    auto n =
        read_some(fd_.get(), {reinterpret_cast<std::byte*>(buffer_.data() + old), kChunk}, path_);
    if (!n) return fail(n.error());
    buffer_.resize(old + *n);
    eof_ = *n == 0;
  }
}

Result<Tail> read_tail(const fs::path& path) {
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  auto size = file_size(fd->get(), path);
  if (!size) return fail(size.error());
  Tail tail;
  tail.file_bytes = *size;
  auto last = last_newline_before(fd->get(), *size, kMaxLineBytes, path);
  if (!last) return fail(last.error());
  if (!*last) return tail;  // no complete line at all
  tail.complete_bytes = **last + 1;
  auto before = last_newline_before(fd->get(), **last, kMaxLineBytes, path);
  if (!before) return fail(before.error());
  const std::uint64_t start = *before ? **before + 1 : 0;
  std::string line(static_cast<std::size_t>(**last - start), '\0');
  std::size_t got = 0;
  while (got < line.size()) {
    const ssize_t n =
        ::pread(fd->get(), line.data() + got, line.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(posix_error("cannot read", path, n < 0 ? errno : EIO));
    got += static_cast<std::size_t>(n);
  }
  tail.last_line = std::move(line);
  return tail;
}

}  // namespace custos::audit
