// Messages between the decoder pool and its workers: the frame and its description down,
// native pixel bytes (or an error) up. Both ends are this program on this machine, but the
// reply comes from a process that decoded hostile bytes, so it is parsed with bounds checks.
#pragma once

#include <cstddef>
#include <vector>

#include "base/error.h"
#include "render/decoder.h"
#include "render/transfer_syntax.h"

namespace custos::render {

// What a worker produces: uncompressed little-endian pixels laid out as `description` says
// (its photometric and planar configuration may differ from the request's: decoders convert
// YBR to RGB).
struct NativeFrame {
  PixelDescription description;
  std::vector<std::byte> bytes;
};

struct DecodeRequest {
  Codec codec = Codec::kUnknown;
  PixelDescription description;
  std::vector<std::vector<std::byte>> fragments;
};

[[nodiscard]] std::vector<std::byte> encode_request(Codec codec, const PixelDescription& d,
                                                    Fragments fragments);
[[nodiscard]] Result<DecodeRequest> decode_request(const std::vector<std::byte>& message);
[[nodiscard]] std::vector<std::byte> encode_reply(const Result<NativeFrame>& reply);
[[nodiscard]] Result<NativeFrame> decode_reply(const std::vector<std::byte>& message);

// The worker side: runs the codec for one request (dcmtk_codec.cc, openjpeg_codec.cc).
[[nodiscard]] Result<NativeFrame> decode_with_codec(const DecodeRequest& request);
[[nodiscard]] Result<NativeFrame> dcmtk_decode(const DecodeRequest& request);
[[nodiscard]] Result<NativeFrame> openjpeg_decode(const DecodeRequest& request);
// Loads codec registrations and dictionaries before workers fork (called by DecodePool).
void prepare_codecs();

}  // namespace custos::render
