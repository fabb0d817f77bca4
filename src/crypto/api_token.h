// API bearer tokens: "cst_" + base64url(32 random bytes). Only the SHA-256 of the whole
// token text is stored, so a copy of the index does not hand out working tokens.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/sha256.h"

namespace custos::crypto {

inline constexpr std::string_view kApiTokenPrefix = "cst_";

struct ApiTokenSecret {
  std::string text;  // shown once to the person who created it
  Digest sha256{};   // what the index keeps
};

[[nodiscard]] Result<ApiTokenSecret> generate_api_token();
// The SHA-256 to look a presented token up by. Errors: kUnauthenticated when the text is
// not a well-formed token (wrong prefix, length or alphabet), without echoing it.
[[nodiscard]] Result<Digest> api_token_hash(std::string_view text);

// 256 random bits as unpadded base64url (43 characters): session ids, CSRF tokens.
[[nodiscard]] std::string random_id_256();

}  // namespace custos::crypto
