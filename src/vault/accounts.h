// What the vault tells about accounts and API tokens (never a password hash or a token).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "vault/access.h"

namespace custos::vault {

struct UserInfo {
  std::string name;
  Role role = Role::kViewer;
  bool totp_enrolled = false;
  std::size_t recovery_codes_left = 0;
  std::chrono::system_clock::time_point created;
  bool disabled = false;
};

struct TokenInfo {
  std::string name;
  std::string user;
  bool read_only = false;
  std::chrono::system_clock::time_point created;
  std::optional<std::chrono::system_clock::time_point> last_used;
  bool revoked = false;
};

// A token just made: `secret` is shown once and never stored.
struct NewToken {
  TokenInfo info;
  std::string secret;
};

// A second factor just enrolled: shown once to the person enrolling.
struct TotpEnrolment {
  std::string secret_base32;
  std::string uri;                          // otpauth://totp/custos:NAME?secret=...
  std::vector<std::string> recovery_codes;  // each works once
};

// User and token names: 1..64 of [A-Za-z0-9._@-]. Errors: kInvalidArgument.
[[nodiscard]] Status check_account_name(std::string_view what, std::string_view name);

}  // namespace custos::vault
