// libFuzzer target: walking a zip archive (libarchive) and reading every entry.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "source/source.h"

namespace {
class DrainingSink final : public custos::source::ItemSink {
 public:
  void on_item(const custos::source::Item&, custos::source::ByteReader& reader) override {
    std::vector<std::byte> buf(1 << 16);
    for (int i = 0; i < 4096; ++i) {
      auto n = reader.read(buf);
      if (!n || *n == 0) return;
    }
  }
  void on_rejected(const std::string&, const std::string&) override {}
  void on_missing(const std::string&, const std::string&) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/custos-fuzz-" + std::to_string(::getpid()) + ".zip";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  custos::source::WalkOptions options;
  options.max_archive_expanded_bytes = 64 << 20;
  options.ratio_floor_bytes = 1 << 20;
  DrainingSink sink;
  (void)custos::source::walk(path, options, sink);
  return 0;
}
