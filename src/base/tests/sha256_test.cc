#include "base/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace custos {
namespace {

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(to_hex(sha256_of(bytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256_of(bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, StreamingEqualsOneShot) {
  std::string data(100000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 % 251);
  Sha256 h;
  for (std::size_t off = 0; off < data.size(); off += 977) {
    h.update(bytes(data.substr(off, 977)));
  }
  EXPECT_EQ(h.finish(), sha256_of(bytes(data)));
}

TEST(Sha256, HexRoundTrip) {
  const Digest d = sha256_of(bytes("x"));
  Digest back{};
  ASSERT_TRUE(from_hex(to_hex(d), back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(from_hex("zz", back));
  EXPECT_FALSE(from_hex(std::string(64, 'g'), back));
}

}  // namespace
}  // namespace custos
