#include "dicomweb/media_types.h"

#include <algorithm>
#include <vector>

namespace custos::dicomweb {
namespace {

struct TsMedia {
  const char* uid;
  const char* media;
};

constexpr TsMedia kFrameMedia[] = {
    {"1.2.840.10008.1.2.4.50", "image/jpeg"},  {"1.2.840.10008.1.2.4.51", "image/jpeg"},
    {"1.2.840.10008.1.2.4.57", "image/jpeg"},  {"1.2.840.10008.1.2.4.70", "image/jpeg"},
    {"1.2.840.10008.1.2.4.80", "image/jls"},   {"1.2.840.10008.1.2.4.81", "image/jls"},
    {"1.2.840.10008.1.2.4.90", "image/jp2"},   {"1.2.840.10008.1.2.4.91", "image/jp2"},
    {"1.2.840.10008.1.2.4.92", "image/jpx"},   {"1.2.840.10008.1.2.4.93", "image/jpx"},
    {"1.2.840.10008.1.2.4.201", "image/jphc"}, {"1.2.840.10008.1.2.4.202", "image/jphc"},
    {"1.2.840.10008.1.2.4.203", "image/jphc"}, {"1.2.840.10008.1.2.5", "image/x-dicom-rle"},
    {"1.2.840.10008.1.2.4.100", "video/mpeg"}, {"1.2.840.10008.1.2.4.101", "video/mpeg"},
    {"1.2.840.10008.1.2.4.102", "video/mp4"},  {"1.2.840.10008.1.2.4.103", "video/mp4"},
    {"1.2.840.10008.1.2.4.104", "video/mp4"},  {"1.2.840.10008.1.2.4.105", "video/mp4"},
    {"1.2.840.10008.1.2.4.106", "video/mp4"},  {"1.2.840.10008.1.2.4.107", "video/H265"},
    {"1.2.840.10008.1.2.4.108", "video/H265"},
};

std::vector<const MediaRange*> by_quality(std::span<const MediaRange> accept) {
  std::vector<const MediaRange*> out;
  for (const MediaRange& m : accept) {
    if (m.q > 0) out.push_back(&m);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MediaRange* a, const MediaRange* b) { return a->q > b->q; });
  return out;
}

std::string param(const MediaRange& m, const char* name) {
  const auto it = m.params.find(name);
  return it == m.params.end() ? std::string() : it->second;
}

bool any_type(const MediaRange& m) {
  return (m.type == "*" && m.subtype == "*") || (m.type == "multipart" && m.subtype == "*");
}

bool multipart_related(const MediaRange& m) {
  return m.type == "multipart" && m.subtype == "related";
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

RetrieveChoice multipart(std::string_view part_type, std::string_view ts) {
  return {std::string(kMultipartRelated) + "; type=\"" + std::string(part_type) + "\"",
          std::string(part_type) + "; transfer-syntax=" + std::string(ts), std::string(ts)};
}

}  // namespace

std::string_view frame_media_type(std::string_view ts) {
  for (const TsMedia& t : kFrameMedia) {
    if (ts == t.uid) return t.media;
  }
  return kOctetStream;
}

bool is_uncompressed(std::string_view ts) {
  return ts == kImplicitVrLittleEndian || ts == kExplicitVrLittleEndian ||
         ts == "1.2.840.10008.1.2.2" || ts == "1.2.840.10008.1.2.1.99";
}

Result<RetrieveChoice> choose_instance_media(std::span<const MediaRange> accept,
                                             std::string_view stored_ts) {
  const RetrieveChoice original = multipart(kApplicationDicom, stored_ts);
  if (accept.empty()) return original;
  std::vector<std::string> asked;
  for (const MediaRange* m : by_quality(accept)) {
    if (any_type(*m)) return original;
    if (!multipart_related(*m)) continue;
    const std::string type = lower(param(*m, "type"));
    if (!type.empty() && type != kApplicationDicom) continue;
    const std::string ts = param(*m, "transfer-syntax");
    if (ts.empty() || ts == "*" || ts == stored_ts) return original;
    asked.push_back(ts);
  }
  if (!asked.empty()) {
    std::string list;
    for (const auto& a : asked) list += (list.empty() ? "" : ", ") + a;
    return fail(ErrorCode::kUnsupported,
                "the instance is stored as " + std::string(stored_ts) + "; transcoding to " + list +
                    " is not offered (ask for transfer-syntax=*)");
  }
  return fail(ErrorCode::kUnsupported,
              "no acceptable media type: instances are sent as multipart/related; "
              "type=\"application/dicom\"; transfer-syntax=*");
}

Result<RetrieveChoice> choose_frame_media(std::span<const MediaRange> accept,
                                          std::string_view stored_ts) {
  const std::string_view media = frame_media_type(stored_ts);
  const bool native = is_uncompressed(stored_ts);
  const bool little_native = stored_ts == kExplicitVrLittleEndian || stored_ts == kImplicitVrLittleEndian;
  const RetrieveChoice original = multipart(native ? kOctetStream : media, stored_ts);
  if (accept.empty()) return original;
  for (const MediaRange* m : by_quality(accept)) {
    if (any_type(*m)) return original;
    if (!multipart_related(*m)) continue;
    const std::string type = lower(param(*m, "type"));
    const std::string ts = param(*m, "transfer-syntax");
    if (type.empty() || type == kOctetStream) {
      if (ts == "*") return multipart(kOctetStream, stored_ts);
      if ((ts.empty() || ts == kExplicitVrLittleEndian) && little_native) {
        return multipart(kOctetStream, kExplicitVrLittleEndian);
      }
      continue;
    }
    if (!native && type == lower(std::string(media)) && (ts.empty() || ts == "*" || ts == stored_ts)) {
      return original;
    }
  }
  return fail(ErrorCode::kUnsupported,
              "the frames are stored as " + std::string(stored_ts) + " (" + std::string(native ? kOctetStream : media) +
                  "); transcoding is not offered: ask for multipart/related; "
                  "type=\"application/octet-stream\"; transfer-syntax=*");
}

}  // namespace custos::dicomweb
