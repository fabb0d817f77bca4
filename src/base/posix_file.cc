#include "base/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace custos {

Error posix_error(std::string_view what, const std::filesystem::path& path, int err) {
  ErrorCode code = ErrorCode::kIoError;
  switch (err) {
    case ENOSPC:
    case EDQUOT: code = ErrorCode::kNoSpace; break;
    case ENOENT:
    case ENOTDIR: code = ErrorCode::kNotFound; break;
    case EACCES:
    case EPERM:
    case EROFS: code = ErrorCode::kPermissionDenied; break;
    default: break;
  }
  std::string msg(what);
  msg += " ";
  msg += path.string();
  msg += ": ";
  msg += std::strerror(err);
  return Error{code, std::move(msg)};
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Result<UniqueFd> open_read(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(posix_error("cannot open", path, errno));
  return UniqueFd(fd);
}

Result<UniqueFd> create_exclusive(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(posix_error("cannot create", path, errno));
  return UniqueFd(fd);
}

Result<UniqueFd> open_dir(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(posix_error("cannot open directory", path, errno));
  return UniqueFd(fd);
}

Result<std::size_t> read_some(int fd, std::span<std::byte> buf, const std::filesystem::path& path) {
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return fail(posix_error("cannot read", path, errno));
  }
}

Result<std::size_t> read_full(int fd, std::span<std::byte> buf, const std::filesystem::path& path) {
  std::size_t total = 0;
  while (total < buf.size()) {
    auto n = read_some(fd, buf.subspan(total), path);
    if (!n) return fail(n.error());
    if (*n == 0) break;
    total += *n;
  }
  return total;
}

Status write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(posix_error("cannot write", path, errno));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Status fsync_fd(int fd, const std::filesystem::path& path) {
  // Never retried: after a failed fsync the kernel may have dropped the dirty pages.
  if (::fsync(fd) != 0) return fail(posix_error("cannot fsync", path, errno));
  return {};
}

Status fsync_dir(const std::filesystem::path& dir) {
  auto fd = open_dir(dir);
  if (!fd) return fail(fd.error());
  return fsync_fd(fd->get(), dir);
}

Status rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return fail(posix_error("cannot rename to " + to.string() + " from", from, errno));
  }
  return {};
}

Status make_dirs(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(posix_error("cannot create directory", dir, ec.value()));
  return {};
}

Result<std::uint64_t> file_size(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(posix_error("cannot stat", path, errno));
  return static_cast<std::uint64_t>(st.st_size);
}

Status write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  const auto tmp = dir / ("." + path.filename().string() + ".tmp");
  ::unlink(tmp.c_str());
  {
    auto fd = create_exclusive(tmp);
    if (!fd) return fail(fd.error());
    if (auto s = write_all(fd->get(), bytes, tmp); !s) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (auto s = fsync_fd(fd->get(), tmp); !s) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (auto s = rename_file(tmp, path); !s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_dir(dir);
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes) {
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  std::string out(max_bytes + 1, '\0');
  auto n = read_full(fd->get(), {reinterpret_cast<std::byte*>(out.data()), out.size()}, path);
  if (!n) return fail(n.error());
  if (*n > max_bytes) {
    return fail(ErrorCode::kRejected, path.string() + " is larger than " +
                                          std::to_string(max_bytes) + " bytes");
  }
  out.resize(*n);
  return out;
}

}  // namespace custos
