// Builds zip archives for the tests with libarchive's writer, streamed to disk.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace custos::source::testing {

struct ZipEntry {
  enum class Type { kFile, kDir, kSymlink };
  std::string name;
  std::string content;      // for kFile; the link target for kSymlink
  std::uint64_t zeros = 0;  // for kFile: when set, the content is this many zero bytes
  Type type = Type::kFile;
};

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveEntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Returns libarchive's error text, or "" on success.
inline std::string make_zip(const std::filesystem::path& out, const std::vector<ZipEntry>& entries,
                            const char* passphrase = nullptr) {
  std::unique_ptr<archive, ArchiveWriteFree> a(archive_write_new());
  auto error = [&]() {
    const char* s = archive_error_string(a.get());
    return std::string(s != nullptr ? s : "libarchive error");
  };
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK) return error();
  if (archive_write_zip_set_compression_deflate(a.get()) != ARCHIVE_OK) return error();
  if (passphrase != nullptr) {
    if (archive_write_set_options(a.get(), "zip:encryption=zipcrypt") != ARCHIVE_OK) return error();
    if (archive_write_set_passphrase(a.get(), passphrase) != ARCHIVE_OK) return error();
  }
  if (archive_write_open_filename(a.get(), out.c_str()) != ARCHIVE_OK) return error();
  for (const auto& e : entries) {
    std::unique_ptr<archive_entry, ArchiveEntryFree> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), e.name.c_str());
    archive_entry_set_mtime(entry.get(), 1700000000, 0);
    switch (e.type) {
      case ZipEntry::Type::kFile:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(),
                               static_cast<la_int64_t>(e.zeros > 0 ? e.zeros : e.content.size()));
        break;
      case ZipEntry::Type::kDir:
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        archive_entry_set_perm(entry.get(), 0755);
        break;
      case ZipEntry::Type::kSymlink:
        archive_entry_set_filetype(entry.get(), AE_IFLNK);
        archive_entry_set_perm(entry.get(), 0777);
        archive_entry_set_symlink(entry.get(), e.content.c_str());
        break;
    }
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) return error();
    if (e.type != ZipEntry::Type::kFile) continue;
    if (e.zeros > 0) {
      const std::string chunk(1u << 20, '\0');
      for (std::uint64_t left = e.zeros; left > 0;) {
        const std::size_t n = left < chunk.size() ? static_cast<std::size_t>(left) : chunk.size();
        if (archive_write_data(a.get(), chunk.data(), n) < 0) return error();
        left -= n;
      }
    } else if (!e.content.empty()) {
      if (archive_write_data(a.get(), e.content.data(), e.content.size()) < 0) return error();
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return error();
  return "";
}

}  // namespace custos::source::testing
