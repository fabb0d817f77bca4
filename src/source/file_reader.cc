// Opening and streaming one local file for the import sources, read-only.
#include "source/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace custos::source {

Result<std::size_t> FileReader::read(std::span<std::byte> buf) {
  return read_some(fd_, buf, path_);
}

Result<UniqueFd> open_regular_file(const std::filesystem::path& path) {
  // O_NONBLOCK: a file swapped for a FIFO after the directory listing must not hang the
  // import; it has no effect on reads of regular files.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return fail(posix_error("cannot open", path, errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(posix_error("cannot stat", path, errno));
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kUnsupported, path.string() + ": not a regular file");
  }
  return fd;
}

Status deliver_open_file(UniqueFd fd, const std::filesystem::path& path,
                         const std::string& display_path, bool referenced, ItemSink& sink) {
  auto size = file_size(fd.get(), path);
  if (!size) return fail(size.error());
  Item item;
  item.display_path = display_path;
  item.size = *size;
  item.referenced_by_dicomdir = referenced;
  FileReader reader(fd.get(), path);
  sink.on_item(item, reader);
  return {};
}

void deliver_file(const std::filesystem::path& path, const std::string& display_path,
                  bool referenced, ItemSink& sink) {
  auto fd = open_regular_file(path);
  if (!fd) {
    sink.on_rejected(display_path, fd.error().message);
    return;
  }
  if (auto s = deliver_open_file(std::move(*fd), path, display_path, referenced, sink); !s) {
    sink.on_rejected(display_path, s.error().message);
  }
}

}  // namespace custos::source
