// Import sources: a folder (recursive), the root of a CD/DVD/USB copy with a DICOMDIR,
// a .zip archive, or a single file, each turned into a sequence of byte streams.
// Why: the import pipeline sees only items and their bytes, never paths or archive
// formats, so every source gets the same classification, limits and durability.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "base/error.h"

namespace custos::source {

// A forward-only stream of one item's bytes.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Reads up to buf.size() bytes; 0 at the end. An error names the item and the reason
  // (a corrupt zip entry, an I/O error, an archive limit exceeded).
  [[nodiscard]] virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
};

struct Item {
  std::string display_path;             // for messages and the summary: the file path, or
                                        // "archive.zip!/dir/file" for an archive entry
  std::optional<std::uint64_t> size;    // when known before reading
  bool referenced_by_dicomdir = false;
};

// Receives what a source finds. Calls come from the thread that called walk(), in order.
class ItemSink {
 public:
  virtual ~ItemSink() = default;
  // One file or archive entry to import. The reader is valid only during the call.
  virtual void on_item(const Item& item, ByteReader& reader) = 0;
  // Something that is not even an item can be refused: a zip-slip entry, an entry over a
  // limit, a corrupt archive, an unreadable directory. Counted as rejected.
  virtual void on_rejected(const std::string& display_path, const std::string& reason) = 0;
  // A file a DICOMDIR references that is not there.
  virtual void on_missing(const std::string& display_path, const std::string& reason) = 0;
};

struct WalkOptions {
  std::uint64_t max_archive_expanded_bytes = 64ull << 30;  // total per archive
  std::uint64_t max_archive_ratio = 200;       // expanded / compressed, whole archive
  std::uint64_t ratio_floor_bytes = 64ull << 20;  // ratio checked only past this many bytes
};

// Walks one input path given on the command line (folder, DICOMDIR root, .zip, file).
// Errors only when the input itself cannot be used (not found, unreadable): problems with
// single entries go to the sink.
[[nodiscard]] Status walk(const std::filesystem::path& input, const WalkOptions& options,
                          ItemSink& sink);

}  // namespace custos::source
