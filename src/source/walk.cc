// Entry point of the import sources: decides whether an input is a folder, a zip archive
// or a single file, and hands it to the matching walk.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "base/posix_file.h"
#include "source/file_reader.h"
#include "source/folder_source.h"
#include "source/source.h"
#include "source/zip_source.h"

namespace custos::source {
namespace {

bool has_zip_extension(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  if (name.size() < 4) return false;
  std::string ext = name.substr(name.size() - 4);
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext == ".zip";
}

// A file is taken for a zip when named so or when it starts with a local file header.
// A DICOM file whose preamble happens to start with "PK\3\4" (a polyglot) stays a file:
// "DICM" at offset 128 wins, so its bytes are imported as they are.
Result<bool> looks_like_zip(int fd, const std::filesystem::path& path) {
  if (has_zip_extension(path)) return true;
  std::array<char, 132> head{};
  std::size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(posix_error("cannot read", path, errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < 4 || std::memcmp(head.data(), "PK\x03\x04", 4) != 0) return false;
  return !(got == head.size() && std::memcmp(head.data() + 128, "DICM", 4) == 0);
}

}  // namespace

Status walk(const std::filesystem::path& input, const WalkOptions& options, ItemSink& sink) {
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0) return fail(posix_error("cannot access", input, errno));
  if (S_ISDIR(st.st_mode)) return walk_folder(input, sink);
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidArgument, input.string() + ": not a file or a folder");
  }
  auto fd = open_regular_file(input);
  if (!fd) return fail(fd.error());
  auto zip = looks_like_zip(fd->get(), input);
  if (!zip) return fail(zip.error());
  if (*zip) {
    *fd = UniqueFd();  // libarchive opens the file itself
    return walk_zip(input, options, sink);
  }
  return deliver_open_file(std::move(*fd), input, input.string(), false, sink);
}

}  // namespace custos::source
