// The DICOMweb side's own state: caches of instance metadata (DICOM JSON) and of rendered
// images, and the pool of isolated image decoders. Bounded in bytes so the server's memory
// stays small (issue 5: under 100 MB).
#pragma once

#include <memory>

#include "render/decoder.h"
#include "render/render_cache.h"

namespace custos::api {

// Thread-safe.
class DicomwebCaches {
 public:
  DicomwebCaches(std::size_t metadata_bytes, std::size_t render_bytes,
                 std::unique_ptr<render::Decoder> decoder)
      : metadata(metadata_bytes), rendered(render_bytes), decoder_(std::move(decoder)) {}

  // Key: instance SHA-256 + bulk data base URL. Value: the instance's DICOM JSON object.
  render::RenderCache metadata;
  // Key: render::cache_key. Value: a JPEG or PNG.
  render::RenderCache rendered;
  // Null when no decoder process could be started (compressed images then answer 503).
  [[nodiscard]] render::Decoder* decoder() const { return decoder_.get(); }

 private:
  std::unique_ptr<render::Decoder> decoder_;
};

}  // namespace custos::api
