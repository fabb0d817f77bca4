// libFuzzer target: the in-memory element reader on arbitrary bytes, then every accessor a
// server request uses (values, numbers, children), so offsets it reports are exercised too.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dicom/element_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const auto ds = custos::dicom::read_elements(bytes);
  if (!ds) return 0;
  std::size_t sum = 0;
  for (const auto& e : ds->elements) {
    const auto v = ds->value(e);
    if (!v.empty()) sum += static_cast<std::size_t>(v.front()) + static_cast<std::size_t>(v.back());
    if (e.kind == custos::dicom::NodeKind::kElement && e.length < 4096) {
      sum += ds->value_count(e);
      if (ds->number(e, 0)) ++sum;
    }
  }
  sum += ds->children(0).size();
  sum += ds->text(0x00100010).size();
  return sum == 0xFFFFFFFF ? 1 : 0;
}
