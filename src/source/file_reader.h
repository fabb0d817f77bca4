// Delivering one regular file of the local file system to an ItemSink.
// Why one place: the folder walk, DICOMDIR references and single-file inputs must open,
// check and read files the same way (read-only, one descriptor at a time).
#pragma once

#include <filesystem>
#include <string>

#include "base/error.h"
#include "base/posix_file.h"
#include "source/source.h"

namespace custos::source {

// Streams one open file with plain read(2), in whatever chunk the caller asks.
// Does not own the descriptor. Not thread-safe.
class FileReader final : public ByteReader {
 public:
  FileReader(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  [[nodiscard]] Result<std::size_t> read(std::span<std::byte> buf) override;

 private:
  int fd_;
  std::filesystem::path path_;
};

// Opens `path` read-only without blocking on FIFOs or devices and checks that it is a
// regular file. Errors: posix_error codes (kNotFound, kPermissionDenied, kIoError);
// kUnsupported when it is not a regular file.
[[nodiscard]] Result<UniqueFd> open_regular_file(const std::filesystem::path& path);

// Calls sink.on_item for an already opened regular file; the size comes from fstat.
// Errors only when fstat fails.
[[nodiscard]] Status deliver_open_file(UniqueFd fd, const std::filesystem::path& path,
                                       const std::string& display_path, bool referenced,
                                       ItemSink& sink);

// Opens and delivers one file; a file that cannot be opened goes to sink.on_rejected.
// The descriptor is closed before returning.
void deliver_file(const std::filesystem::path& path, const std::string& display_path,
                  bool referenced, ItemSink& sink);

}  // namespace custos::source
