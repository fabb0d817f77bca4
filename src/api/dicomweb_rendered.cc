// WADO-RS rendered and thumbnail resources: a frame decoded (compressed syntaxes in the
// isolated decoders), windowed and encoded as JPEG or PNG, cached by content and options.
#include <charconv>

#include "api/dicomweb_caches.h"
#include "api/dicomweb_routes.h"
#include "api/dicomweb_support.h"
#include "api/guard.h"
#include "api/respond.h"
#include "dicomweb/frames.h"
#include "net/http/media_type.h"
#include "render/render.h"
#include "render/render_cache.h"

namespace custos::api {
namespace {

Result<std::vector<double>> numbers(std::string_view text, const char* what) {
  std::vector<double> out;
  std::string s(text);
  std::size_t pos = 0;
  while (pos <= s.size() && out.size() < 8) {
    const auto comma = s.find(',', pos);
    const std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    double v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string("'") + what + "' wants numbers separated by commas, not '" +
                      std::string(text.substr(0, 40)) + "'");
    }
    out.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

Result<render::RenderOptions> options_of(const http::Request& r, bool thumbnail) {
  render::RenderOptions o;
  if (thumbnail) o.viewport = render::Viewport{128, 128};
  // Accept: image/jpeg unless PNG is preferred.
  if (auto accept = r.header("Accept")) {
    const auto items = http::parse_accept(*accept);
    bool chosen = false;
    for (const auto& item : items) {
      const auto& m = item.media;
      if (m.type == "image" && m.subtype == "png") {
        o.format = render::Format::kPng;
      } else if ((m.type == "image" && (m.subtype == "jpeg" || m.subtype == "*")) || m.type == "*") {
        o.format = render::Format::kJpeg;
      } else {
        continue;
      }
      chosen = true;
      break;
    }
    if (!chosen && !items.empty()) {
      return fail(ErrorCode::kUnsupported,
                  "rendered images are offered as image/jpeg and image/png only");
    }
  }
  if (auto q = r.query_value("quality")) {
    auto v = numbers(*q, "quality");
    if (!v) return fail(v.error());
    if (v->size() != 1 || (*v)[0] < 1 || (*v)[0] > 100) {
      return fail(ErrorCode::kInvalidArgument, "'quality' is a number from 1 to 100");
    }
    o.quality = static_cast<int>((*v)[0]);
  }
  if (auto win = r.query_value("window")) {
    // window=center,width[,function] (PS3.18 8.3.5.1.4)
    const auto last = win->rfind(',');
    std::string fn;
    std::string nums = *win;
    if (last != std::string::npos && !win->empty() &&
        std::isalpha(static_cast<unsigned char>((*win)[last + 1]))) {
      fn = win->substr(last + 1);
      nums = win->substr(0, last);
    }
    auto v = numbers(nums, "window");
    if (!v) return fail(v.error());
    if (v->size() != 2 || (*v)[1] <= 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "'window' is center,width[,function] with a positive width");
    }
    for (auto& c : fn) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!fn.empty() && fn != "LINEAR" && fn != "LINEAR_EXACT" && fn != "SIGMOID") {
      return fail(ErrorCode::kInvalidArgument, "window function must be linear, linear_exact or sigmoid");
    }
    o.window = render::Window{(*v)[0], (*v)[1], render::parse_voi_function(fn)};
  }
  if (auto vp = r.query_value("viewport")) {
    auto v = numbers(*vp, "viewport");
    if (!v) return fail(v.error());
    if (v->size() < 2 || (*v)[0] < 1 || (*v)[1] < 1 || (*v)[0] > 8192 || (*v)[1] > 8192) {
      return fail(ErrorCode::kInvalidArgument, "'viewport' is width,height (1 to 8192)");
    }
    o.viewport = render::Viewport{static_cast<int>((*v)[0]), static_cast<int>((*v)[1])};
  }
  return o;
}

}  // namespace

void wado_rendered(Services& s, http::Request& r, http::ResponseWriter& w, bool thumbnail) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto options = options_of(r, thumbnail);
  if (!options) return send_error(w, options.error());
  std::uint32_t frame = 1;
  if (auto f = r.param("frames"); !f.empty()) {
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), frame);
    if (ec != std::errc() || end != f.data() + f.size() || frame == 0) {
      return send_error(w, 400, "invalid_argument",
                        "a rendered frame is one 1-based frame number, not '" + std::string(f.substr(0, 20)) + "'");
    }
  }
  auto rows = instances_at(s, who->caller, std::string(r.param("study")),
                           std::string(r.param("series")), std::string(r.param("instance")));
  if (!rows) return send_error(w, rows.error());
  // The middle instance of the first series: the instance itself when one is named, the
  // series' middle slice for a series, the first series' for a study.
  std::size_t n = 0;
  while (n < rows->size() && (*rows)[n].series_uid == rows->front().series_uid) ++n;
  const std::vector<index::InstanceRow> chosen{(*rows)[n / 2]};
  const auto& row = chosen.front();
  const std::string key = render::cache_key(row.sha256, static_cast<int>(frame), *options);
  auto image = s.caches.rendered.get(key);
  if (!image) {
    auto inst = load_instance(s, who->caller, row);
    if (!inst) return send_error(w, inst.error());
    auto attrs = dicomweb::image_attributes((*inst)->dataset);
    if (!attrs) {
      return send_error(w, 406, "unsupported", "instance " + row.sop_uid.substr(0, 64) +
                                                   " is not an image: nothing to render");
    }
    auto frames = dicomweb::locate_frames((*inst)->dataset);
    if (!frames) return send_error(w, frames.error());
    auto ranges = dicomweb::frame_ranges(*frames, frame);
    if (!ranges) return send_error(w, ranges.error());
    std::vector<std::span<const std::byte>> fragments;
    for (const auto& range : *ranges) {
      fragments.push_back(std::span((*inst)->bytes).subspan(static_cast<std::size_t>(range.offset),
                                                            static_cast<std::size_t>(range.length)));
    }
    const auto desc = pixel_description(*attrs);
    Result<render::Decoded> pixels = fail(ErrorCode::kInternal, "");
    if (s.caches.decoder() != nullptr) {
      pixels = s.caches.decoder()->decode(desc, fragments);
    } else {
      pixels = render::decode_in_process(desc, fragments);
    }
    if (!pixels) return send_error(w, pixels.error());
    auto encoded = render::render(desc, *pixels, *options);
    if (!encoded) return send_error(w, encoded.error());
    image = std::make_shared<const std::string>(std::move(*encoded));
    s.caches.rendered.put(key, image);
  }
  s.reads.note(who->caller, thumbnail ? "dicomweb.thumbnail" : "dicomweb.rendered", uids_of(chosen));
  (void)w.send(200, render::content_type(options->format), *image);
}

}  // namespace custos::api
