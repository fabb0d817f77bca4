// WADO-RS: instances as stored (multipart/related application/dicom), metadata (DICOM JSON),
// frames (as stored, or decoded to uncompressed little endian), bulk data.
#include <charconv>

#include "api/dicomweb_caches.h"
#include "api/dicomweb_routes.h"
#include "api/dicomweb_support.h"
#include "api/guard.h"
#include "api/read_ahead.h"
#include "api/respond.h"
#include "dicomweb/dataset_json.h"
#include "dicomweb/frames.h"
#include "net/http/multipart.h"
#include "render/decoder.h"

namespace custos::api {
namespace {

struct Path {
  std::string study, series, sop;
};

Path path_of(const http::Request& r) {
  return {std::string(r.param("study")), std::string(r.param("series")),
          std::string(r.param("instance"))};
}

// "1,3,5" -> {1, 3, 5}. Errors: kInvalidArgument.
Result<std::vector<std::uint32_t>> frame_numbers(std::string_view text) {
  std::vector<std::uint32_t> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec != std::errc() || end != item.data() + item.size() || n == 0 || out.size() >= 1000) {
      return fail(ErrorCode::kInvalidArgument,
                  "frame numbers are 1-based whole numbers separated by commas, not '" +
                      std::string(text.substr(0, 40)) + "'");
    }
    out.push_back(n);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (out.empty()) return fail(ErrorCode::kInvalidArgument, "no frame number given");
  return out;
}

std::span<const std::byte> slice(const LoadedInstance& inst, const dicomweb::ByteRange& range) {
  return std::span(inst.bytes).subspan(static_cast<std::size_t>(range.offset),
                                       static_cast<std::size_t>(range.length));
}


// Decoded pixels as uncompressed little-endian frame bytes.
std::string native_bytes(const render::Decoded& d) {
  std::string out;
  if (d.bits == 8) {
    out.assign(reinterpret_cast<const char*>(d.data8.data()), d.data8.size());
  } else {
    out.resize(d.data16.size() * 2);
    for (std::size_t i = 0; i < d.data16.size(); ++i) {
      out[2 * i] = static_cast<char>(d.data16[i] & 0xFF);
      out[2 * i + 1] = static_cast<char>(d.data16[i] >> 8);
    }
  }
  return out;
}

// Whether the client takes uncompressed little endian frames (what OHIF-class viewers ask
// for by default: application/octet-stream without a transfer syntax).
bool accepts_uncompressed(const std::vector<dicomweb::MediaRange>& accept) {
  if (accept.empty()) return true;
  for (const auto& m : accept) {
    const bool any = m.type == "*" || (m.type == "multipart" && (m.subtype == "*" || m.subtype == "related"));
    auto type = m.params.find("type");
    const bool octet = (m.type == "application" && m.subtype == "octet-stream") ||
                       (any && (type == m.params.end() || type->second == "application/octet-stream"));
    auto ts = m.params.find("transfer-syntax");
    if (octet && (ts == m.params.end() || ts->second == dicomweb::kExplicitVrLittleEndian)) {
      return true;
    }
  }
  return false;
}

// Instances read ahead of a multi-instance answer: a few CT slices, a bounded share of the
// server's memory (issue 5: under 100 MB in all).
constexpr std::size_t kReadAheadBytes = std::size_t{8} << 20;

}  // namespace

void wado_retrieve(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const Path p = path_of(r);
  auto rows = instances_at(s, who->caller, p.study, p.series, p.sop);
  if (!rows) return send_error(w, rows.error());
  const auto accept = accept_list(r);
  std::vector<dicomweb::RetrieveChoice> choices;
  for (const auto& row : *rows) {
    auto choice = dicomweb::choose_instance_media(accept, row.transfer_syntax_uid);
    if (!choice) return send_error(w, choice.error());
    choices.push_back(std::move(*choice));
  }
  s.reads.note(who->caller, "dicomweb.retrieve", uids_of(*rows));
  http::MultipartWriter out(w, "related", {{"type", "application/dicom"}});
  std::vector<http::MultipartWriter::PartShape> parts;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    parts.push_back({{{"Content-Type", choices[i].part_content_type},
                      {"Content-Length", std::to_string((*rows)[i].size)}},
                     (*rows)[i].size});
  }
  // The length is known before any byte is read: a client reads one body of that size
  // instead of decoding chunks, and a cut-off answer is one the client cannot miss.
  if (!out.begin(out.encoded_length(parts))) return;
  if (w.head_only()) return (void)out.end();
  // Every instance is read whole and checked before its part starts; the next ones are
  // read meanwhile (read_ahead.h). A damaged instance: the response stops short of its
  // length, so the client cannot take a partial file for the original.
  ReadAhead ahead(s.vault, who->caller, *rows, kReadAheadBytes);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    auto inst = ahead.next();
    if (!inst) return;
    if (!out.begin_part(parts[i].headers)) return;
    if (inst->streamed) {
      auto st = s.vault.read_instance(who->caller, (*rows)[i].sha256,
                                      [&](std::span<const std::byte> c) { return out.write(c); });
      if (!st) return;
    } else if (!out.write(inst->bytes)) {
      return;
    }
  }
  (void)out.end();
}

void wado_metadata(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const Path p = path_of(r);
  auto rows = instances_at(s, who->caller, p.study, p.series, p.sop);
  if (!rows) return send_error(w, rows.error());
  const std::string base = dicomweb_base(r);
  std::vector<std::shared_ptr<const std::string>> parts;
  parts.reserve(rows->size());
  for (const auto& row : *rows) {
    const std::string key = row.sha256 + "\n" + base + "\n" + row.study_uid + "\n" + row.series_uid;
    auto cached = s.caches.metadata.get(key);
    if (!cached) {
      auto inst = load_instance(s, who->caller, row);
      if (!inst) return send_error(w, inst.error());
      auto json = dicomweb::instance_metadata_json(
          (*inst)->bytes, {base, row.study_uid, row.series_uid, row.sop_uid});
      if (!json) return send_error(w, json.error());
      cached = std::make_shared<const std::string>(std::move(*json));
      s.caches.metadata.put(key, cached);
    }
    parts.push_back(std::move(cached));
  }
  s.reads.note(who->caller, "dicomweb.metadata", uids_of(*rows));
  std::size_t total = 2 + (parts.empty() ? 0 : parts.size() - 1);
  for (const auto& part : parts) total += part->size();
  w.set_header("Content-Type", "application/dicom+json");
  w.set_content_length(total);
  if (!w.begin()) return;
  if (w.head_only()) return (void)w.end();
  if (!w.write(std::string_view("["))) return;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i && !w.write(std::string_view(","))) return;
    if (!w.write(std::string_view(*parts[i]))) return;
  }
  if (!w.write(std::string_view("]"))) return;
  (void)w.end();
}

void wado_frames(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const Path p = path_of(r);
  auto numbers = frame_numbers(r.param("frames"));
  if (!numbers) return send_error(w, numbers.error());
  auto rows = instances_at(s, who->caller, p.study, p.series, p.sop);
  if (!rows) return send_error(w, rows.error());
  // Sent as stored, a frame goes out while its instance's SHA-256 is computed (the check
  // cuts the answer off on a mismatch): the hash no longer adds to the time to answer.
  // Anything answered before that, an error or decoded pixels, is checked first.
  auto inst = load_instance(s, who->caller, rows->front(), vault::Vault::ContentCheck::kByCaller);
  if (!inst) return send_error(w, inst.error());
  const auto check = [&] { return vault::Vault::check_content(rows->front().sha256, (*inst)->bytes); };
  const auto refuse = [&](auto&&... why) {
    if (auto c = check(); !c) return send_error(w, c.error());
    return send_error(w, why...);
  };
  auto frames = dicomweb::locate_frames((*inst)->dataset);
  if (!frames) return refuse(frames.error());
  const auto accept = accept_list(r);
  auto choice = dicomweb::choose_frame_media(accept, frames->transfer_syntax_uid);
  // Stored compressed, asked for uncompressed: decode (in the isolated decoders).
  const bool decode = !choice && frames->encapsulated && accepts_uncompressed(accept);
  if (!choice && !decode) return refuse(choice.error());
  std::vector<std::vector<dicomweb::ByteRange>> ranges;
  for (auto n : *numbers) {
    auto got = dicomweb::frame_ranges(*frames, n);
    if (!got) return refuse(got.error());
    if (!decode && !frames->encapsulated && dicomweb::frame_bit_offset(*frames, n) != 0) {
      return refuse(406, "unsupported",
                        "frames of 1-bit pixel data that do not start on a byte boundary are "
                        "not served as stored; ask for the rendered frame");
    }
    ranges.push_back(std::move(*got));
  }
  std::vector<std::string> decoded;
  if (decode) {
    if (auto c = check(); !c) return send_error(w, c.error());
    if (s.caches.decoder() == nullptr) {
      return send_error(w, 503, "unavailable", "the image decoders are not running");
    }
    auto attrs = dicomweb::image_attributes((*inst)->dataset);
    if (!attrs) return send_error(w, attrs.error());
    const auto desc = pixel_description(*attrs);
    for (const auto& frame : ranges) {
      std::vector<std::span<const std::byte>> fragments;
      for (const auto& range : frame) fragments.push_back(slice(**inst, range));
      auto pixels = s.caches.decoder()->decode(desc, fragments);
      if (!pixels) return send_error(w, pixels.error());
      decoded.push_back(native_bytes(*pixels));
    }
  }
  s.reads.note(who->caller, "dicomweb.frames", uids_of(*rows));
  const std::string part_type =
      decode ? std::string("application/octet-stream; transfer-syntax=") + dicomweb::kExplicitVrLittleEndian
             : choice->part_content_type;
  const std::string type = part_type.substr(0, part_type.find(';'));
  http::MultipartWriter out(w, "related", {{"type", type}});
  std::vector<http::MultipartWriter::PartShape> parts;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    std::uint64_t length = 0;
    if (decode) {
      length = decoded[i].size();
    } else {
      for (const auto& range : ranges[i]) length += range.length;
    }
    parts.push_back({{{"Content-Type", part_type},
                      {"Content-Length", std::to_string(length)},
                      {"Content-Location", std::string(r.path())}},
                     length});
  }
  if (!out.begin(out.encoded_length(parts))) return;
  bool checked = decode;
  if (w.head_only()) {
    if (!checked && !check()) return;  // the connection closes without an answer
    return (void)out.end();
  }
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (!out.begin_part(parts[i].headers)) return;
    if (decode) {
      if (!out.write(std::string_view(decoded[i]))) return;
    } else {
      for (const auto& range : ranges[i]) {
        const auto bytes = slice(**inst, range);
        if (!(checked ? out.write(bytes) : out.write_while(bytes, check))) return;
        checked = true;
      }
    }
  }
  if (!checked && !check()) return;  // only empty frames were sent
  (void)out.end();
}

void wado_bulk(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const Path p = path_of(r);
  auto rows = instances_at(s, who->caller, p.study, p.series, p.sop);
  if (!rows) return send_error(w, rows.error());
  auto inst = load_instance(s, who->caller, rows->front());
  if (!inst) return send_error(w, inst.error());
  // Nested paths arrive as one segment per tag or item: the rest of the path after /bulk/.
  const std::string_view path = r.path();
  const auto at = path.find("/bulk/");
  auto range = dicomweb::bulk_range((*inst)->dataset, path.substr(at + 6));
  if (!range) return send_error(w, range.error());
  s.reads.note(who->caller, "dicomweb.bulk", uids_of(*rows));
  http::MultipartWriter out(w, "related", {{"type", "application/octet-stream"}});
  if (!out.begin()) return;
  if (w.head_only()) return (void)out.end();
  if (!out.begin_part({{"Content-Type", "application/octet-stream"},
                       {"Content-Length", std::to_string(range->length)}})) {
    return;
  }
  if (!out.write(slice(**inst, *range))) return;
  (void)out.end();
}

}  // namespace custos::api
