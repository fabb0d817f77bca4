// Thin RAII wrappers over POSIX file descriptors. errno becomes an Error in exactly one
// place (posix_error), so every I/O failure names the file and the reason the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace custos {

// Maps errno to an Error: ENOSPC/EDQUOT -> kNoSpace, ENOENT -> kNotFound,
// EACCES/EPERM/EROFS -> kPermissionDenied, others -> kIoError.
[[nodiscard]] Error posix_error(std::string_view what, const std::filesystem::path& path, int err);

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

[[nodiscard]] Result<UniqueFd> open_read(const std::filesystem::path& path);
// Creates a new file (O_EXCL), mode 0600.
[[nodiscard]] Result<UniqueFd> create_exclusive(const std::filesystem::path& path);
[[nodiscard]] Result<UniqueFd> open_dir(const std::filesystem::path& path);

// Reads up to buf.size() bytes; 0 means end of file. Retries EINTR.
[[nodiscard]] Result<std::size_t> read_some(int fd, std::span<std::byte> buf,
                                            const std::filesystem::path& path);
// Reads until buf is full or end of file; returns the count.
[[nodiscard]] Result<std::size_t> read_full(int fd, std::span<std::byte> buf,
                                            const std::filesystem::path& path);
[[nodiscard]] Status write_all(int fd, std::span<const std::byte> bytes,
                               const std::filesystem::path& path);
[[nodiscard]] Status fsync_fd(int fd, const std::filesystem::path& path);
[[nodiscard]] Status fsync_dir(const std::filesystem::path& dir);
[[nodiscard]] Status rename_file(const std::filesystem::path& from, const std::filesystem::path& to);
[[nodiscard]] Status make_dirs(const std::filesystem::path& dir);
[[nodiscard]] Result<std::uint64_t> file_size(int fd, const std::filesystem::path& path);

// Writes bytes to `path` atomically and durably: temp file in the same directory, fsync,
// rename, fsync of the directory. Used for small metadata files (vault.json).
[[nodiscard]] Status write_file_atomic(const std::filesystem::path& path,
                                       std::span<const std::byte> bytes);
[[nodiscard]] Result<std::string> read_small_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

inline std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace custos
