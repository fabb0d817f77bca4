// libFuzzer target: the streaming multipart parser. The input is parsed whole and again in
// chunks whose sizes the first bytes choose; both runs must agree (parts, bytes, verdict).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "net/http/multipart.h"

namespace {

struct Outcome {
  std::vector<std::string> parts;  // headers then data, per part
  bool ok = false;
  int ends = 0;
};

Outcome parse(std::string_view body, std::string_view sizes) {
  Outcome out;
  custos::http::MultipartLimits limits;
  limits.max_preamble_bytes = 1024;
  limits.max_header_bytes = 512;
  limits.max_headers = 8;
  auto p = custos::http::MultipartParser::create(
      "XyZ-b", {[&](const custos::http::PartHeaders& h) {
                  std::string s;
                  for (const auto& [k, v] : h.fields) s += k + "\n" + v + "\n";
                  out.parts.push_back(s + "|");
                  return custos::Status{};
                },
                [&](std::span<const std::byte> d) {
                  if (out.parts.empty()) std::abort();  // data before a part began
                  out.parts.back().append(reinterpret_cast<const char*>(d.data()), d.size());
                  return custos::Status{};
                },
                [&] {
                  ++out.ends;
                  return custos::Status{};
                }},
      limits);
  if (!p) std::abort();
  std::size_t i = 0, k = 0;
  while (i < body.size()) {
    const std::size_t n = sizes.empty() ? body.size() : 1 + static_cast<unsigned char>(sizes[k++ % sizes.size()]) % 64;
    if (!p->feed(body.substr(i, n))) return out;
    i += n;
  }
  out.ok = static_cast<bool>(p->finish());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const std::size_t nsizes = data[0] % 8;
  if (size < 1 + nsizes) return 0;
  const std::string_view sizes(reinterpret_cast<const char*>(data + 1), nsizes);
  const std::string_view body(reinterpret_cast<const char*>(data + 1 + nsizes), size - 1 - nsizes);
  const Outcome whole = parse(body, "");
  const Outcome pieces = parse(body, sizes.empty() ? std::string_view("\0", 1) : sizes);
  if (whole.ok != pieces.ok) std::abort();
  if (whole.ok && (whole.parts != pieces.parts || whole.ends != pieces.ends)) std::abort();
  return 0;
}
