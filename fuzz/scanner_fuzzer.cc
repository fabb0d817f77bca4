// libFuzzer target: the stream scanner on arbitrary bytes, fed in chunks whose sizes come
// from the input itself, so chunk boundaries land everywhere.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dicom/stream_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 97;
  const auto bytes = std::as_bytes(std::span(data + 1, size - 1));
  custos::dicom::ScanLimits limits;
  limits.max_header_bytes = 1 << 20;
  limits.max_inflated_bytes = 16 << 20;
  custos::dicom::StreamScanner scanner(limits, data[0] & 0x80 ? std::optional<std::uint64_t>(
                                                                   bytes.size())
                                                             : std::nullopt);
  for (std::size_t off = 0; off < bytes.size(); off += chunk) {
    scanner.feed(bytes.subspan(off, std::min(chunk, bytes.size() - off)));
  }
  (void)scanner.finish();
  return 0;
}
