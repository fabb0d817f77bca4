// libFuzzer target: the in-memory element reader on arbitrary bytes, then every accessor a
// server request uses (values, numbers, children, DICOM JSON with character sets, frames),
// so the offsets it reports are exercised too.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dicom/element_reader.h"
#include "dicomweb/dataset_json.h"
#include "dicomweb/frames.h"

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
  std::string json;
  if (custos::dicomweb::write_dataset_json(*ds, {}, custos::dicomweb::string_sink(json))) {
    sum += json.size();
  }
  if (auto frames = custos::dicomweb::locate_frames(*ds)) {
    for (std::uint32_t n = 1; n <= frames->frame_count && n <= 4; ++n) {
      if (auto r = custos::dicomweb::frame_ranges(*frames, n)) sum += r->size();
    }
  }
  (void)custos::dicomweb::image_attributes(*ds);
  return sum == 0xFFFFFFFF ? 1 : 0;
}
