#include "render/decoder.h"

#include <string>
#include <vector>

#include "render/decode_pool.h"
#include "render/native.h"
#include "render/rle.h"
#include "render/transfer_syntax.h"

namespace custos::render {
namespace {

// The frame as one contiguous span; copies only when it arrived in several pieces.
std::span<const std::byte> contiguous(Fragments fragments, std::vector<std::byte>& storage) {
  if (fragments.size() == 1) return fragments[0];
  for (const auto& f : fragments) storage.insert(storage.end(), f.begin(), f.end());
  return storage;
}

Result<Decoded> unsupported(const PixelDescription& d) {
  return fail(ErrorCode::kUnsupported,
              "transfer syntax " + d.transfer_syntax_uid + " cannot be rendered");
}

}  // namespace

bool supported_transfer_syntax(std::string_view uid) { return codec_of(uid) != Codec::kUnknown; }

Result<Decoded> decode_in_process(const PixelDescription& d, Fragments fragments) {
  std::vector<std::byte> storage;
  switch (codec_of(d.transfer_syntax_uid)) {
    case Codec::kNative:
      return unpack_native(d, contiguous(fragments, storage), ByteOrder::kLittle);
    case Codec::kNativeBigEndian:
      return unpack_native(d, contiguous(fragments, storage), ByteOrder::kBig);
    case Codec::kRle:
      return decode_rle(d, contiguous(fragments, storage));
    default:
      return unsupported(d);
  }
}

Decoder::Decoder(std::unique_ptr<DecodePool> pool) : pool_(std::move(pool)) {}
Decoder::~Decoder() = default;

Result<std::unique_ptr<Decoder>> Decoder::open(const DecoderOptions& options) {
  auto pool = DecodePool::start(options);
  if (!pool) return fail(pool.error());
  return std::unique_ptr<Decoder>(new Decoder(std::move(*pool)));
}

Result<Decoded> Decoder::decode(const PixelDescription& d, Fragments fragments) {
  const Codec codec = codec_of(d.transfer_syntax_uid);
  switch (codec) {
    case Codec::kNative:
    case Codec::kNativeBigEndian:
    case Codec::kRle:
      return decode_in_process(d, fragments);
    case Codec::kJpeg:
    case Codec::kJpegLs:
    case Codec::kJpeg2000: {
      if (auto s = check_description(d); !s) return fail(s.error());
      return pool_->decode(d, codec, fragments);
    }
    case Codec::kUnknown:
      break;
  }
  return unsupported(d);
}

int Decoder::workers_started() const { return pool_->workers_started(); }
std::vector<int> Decoder::worker_pids() const { return pool_->worker_pids(); }

}  // namespace custos::render
