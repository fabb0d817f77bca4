// Streaming SHA-256 (OpenSSL EVP, which uses SHA-NI where the CPU has it).
// The digest of the original bytes is the identity of every stored object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace custos {

using Digest = std::array<std::uint8_t, 32>;

// Not thread-safe; one object per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::byte> bytes);
  // Returns the digest; the object is reset and can hash a new stream.
  [[nodiscard]] Digest finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

[[nodiscard]] std::string to_hex(const Digest& digest);
// Parses 64 lower- or upper-case hex digits; false when the text is not a digest.
[[nodiscard]] bool from_hex(std::string_view hex, Digest& out);
[[nodiscard]] Digest sha256_of(std::span<const std::byte> bytes);

}  // namespace custos
