// libFuzzer target: request-target and query parsing, media types and Accept lists.
// Checks the promises of parse_target: no NUL, "/" or dot segment survives decoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http/media_type.h"
#include "net/http/target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto t = custos::http::parse_target(in)) {
    if (t->path.find('\0') != std::string::npos) std::abort();
    for (const auto& seg : t->segments) {
      if (seg.find('/') != std::string::npos || seg == ".." || seg == ".") std::abort();
    }
  }
  (void)custos::http::percent_decode(in, true);
  if (auto m = custos::http::parse_media_type(in)) {
    if (m->type.empty() || m->subtype.empty()) std::abort();
  }
  const auto items = custos::http::parse_accept(in);
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i - 1].q < items[i].q || items[i].q <= 0 || items[i].q > 1) std::abort();
  }
  return 0;
}
