// Ed25519 checkpoints (libsodium crypto_sign_detached) and their JSON document.
#include "audit/checkpoint.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "audit/entry.h"
#include "audit/sealer.h"

namespace custos::audit {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormat = "custos-audit-checkpoint";
constexpr int kVersion = 1;

Json signed_part(const Checkpoint& c) {
  return Json{{"chain", to_hex(c.chain_id)},
              {"format", kFormat},
              {"hash", to_hex(c.hash)},
              {"seq", c.seq},
              {"time", c.time},
              {"v", kVersion}};
}

template <std::size_t N>
bool parse_hex(std::string_view hex, std::array<std::uint8_t, N>& out) {
  if (hex.size() != 2 * N) return false;
  std::size_t len = 0;
  return sodium_hex2bin(out.data(), N, hex.data(), hex.size(), nullptr, &len, nullptr) == 0 &&
         len == N;
}

Error bad(std::string_view why) {
  return Error{ErrorCode::kCorruption, "not an audit checkpoint: " + std::string(why)};
}

}  // namespace

std::string hex_of(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

Result<std::unique_ptr<CheckpointSigner>> CheckpointSigner::from_seed(
    std::span<const std::byte, 32> seed) {
  if (auto s = ensure_sodium(); !s) return fail(s.error());
  std::unique_ptr<CheckpointSigner> signer(new CheckpointSigner());
  crypto_sign_seed_keypair(signer->public_key_.data(), signer->secret_key_.data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  (void)sodium_mlock(signer->secret_key_.data(), signer->secret_key_.size());
  return signer;
}

CheckpointSigner::~CheckpointSigner() {
  sodium_munlock(secret_key_.data(), secret_key_.size());  // also wipes it
}

Checkpoint CheckpointSigner::sign(const Digest& chain_id, std::uint64_t seq, const Digest& hash,
                                  std::string time) const {
  Checkpoint c;
  c.chain_id = chain_id;
  c.seq = seq;
  c.hash = hash;
  c.time = std::move(time);
  c.public_key = public_key_;
  const std::string msg = checkpoint_signed_bytes(c);
  crypto_sign_detached(c.signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       secret_key_.data());
  return c;
}

std::string checkpoint_signed_bytes(const Checkpoint& c) { return signed_part(c).dump(); }

std::string checkpoint_json(const Checkpoint& c) {
  Json j = signed_part(c);
  j["public_key"] = hex_of(c.public_key);
  j["signature"] = hex_of(c.signature);
  return j.dump();
}

Result<Checkpoint> parse_checkpoint(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail(bad("not a JSON object"));
  try {
    for (const auto& [key, value] : j.items()) {
      static constexpr std::string_view kKeys[] = {"chain", "format",    "hash", "public_key",
                                                   "seq",   "signature", "time", "v"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return fail(bad("unknown field \"" + key + "\""));
      }
    }
    if (j.value("format", "") != kFormat)
      return fail(bad("\"format\" is not " + std::string(kFormat)));
    if (!j.contains("v") || !j["v"].is_number_unsigned() || j["v"].get<std::uint64_t>() != 1) {
      return fail(bad("unsupported version"));
    }
    if (!j.contains("seq") || !j["seq"].is_number_unsigned()) return fail(bad("no \"seq\""));
    Checkpoint c;
    c.seq = j["seq"].get<std::uint64_t>();
    auto str = [&](const char* key) -> std::string {
      const auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    c.time = str("time");
    if (!is_entry_time(c.time)) return fail(bad("\"time\" is not a UTC time"));
    if (!from_hex(str("chain"), c.chain_id)) return fail(bad("\"chain\" is not 64 hex digits"));
    if (!from_hex(str("hash"), c.hash)) return fail(bad("\"hash\" is not 64 hex digits"));
    if (!parse_hex(str("public_key"), c.public_key)) return fail(bad("bad \"public_key\""));
    if (!parse_hex(str("signature"), c.signature)) return fail(bad("bad \"signature\""));
    return c;
  } catch (const Json::exception& ex) {
    return fail(bad(ex.what()));
  }
}

Status verify_checkpoint(const Checkpoint& c, const std::optional<PublicKey>& trusted) {
  if (auto s = ensure_sodium(); !s) return s;
  const std::string msg = checkpoint_signed_bytes(c);
  if (crypto_sign_verify_detached(c.signature.data(),
                                  reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                  c.public_key.data()) != 0) {
    return fail(ErrorCode::kUnauthenticated,
                "the signature of the checkpoint at entry " + std::to_string(c.seq) +
                    " is not valid: the checkpoint was altered or forged");
  }
  if (trusted && sodium_memcmp(trusted->data(), c.public_key.data(), trusted->size()) != 0) {
    return fail(ErrorCode::kUnauthenticated,
                "the checkpoint at entry " + std::to_string(c.seq) + " is signed by another key (" +
                    hex_of(c.public_key).substr(0, 16) + "…), not by this vault's (" +
                    hex_of(*trusted).substr(0, 16) + "…)");
  }
  return {};
}

}  // namespace custos::audit
