// Account credentials: Argon2id password hashes, API token format and hashing, TOTP against
// the RFC 6238 Appendix B vectors (SHA-1), recovery codes.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include "crypto/api_token.h"
#include "crypto/password.h"
#include "crypto/totp.h"

namespace custos::crypto {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point at(std::int64_t unix) { return system_clock::time_point(seconds(unix)); }

TEST(Password, HashVerifiesOnlyTheRightPassword) {
  auto h = hash_password("correct horse battery", weakest_password_params());
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*h, "correct horse battery"));
  EXPECT_FALSE(verify_password(*h, "correct horse batterY"));
  EXPECT_FALSE(verify_password(*h, ""));
  EXPECT_FALSE(verify_password("not a hash", "correct horse battery"));
  EXPECT_FALSE(verify_password("", "correct horse battery"));
  auto again = hash_password("correct horse battery", weakest_password_params());
  ASSERT_TRUE(again);
  EXPECT_NE(*h, *again) << "each hash has its own salt";
}

TEST(Password, PolicyRefusesEmptyAndShort) {
  for (const char* bad : {"", "123456789", "short"}) {
    auto h = hash_password(bad, weakest_password_params());
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(check_password_policy("1234567890"));
  // Ten characters, counted as code points, not bytes.
  EXPECT_FALSE(check_password_policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
  EXPECT_FALSE(check_password_policy(std::string(kMaxPasswordLength + 1, 'a')));
}

TEST(Password, NeedsRehashWhenParametersChange) {
  auto h = hash_password("correct horse battery", weakest_password_params());
  ASSERT_TRUE(h);
  EXPECT_FALSE(password_needs_rehash(*h, weakest_password_params()));
  EXPECT_TRUE(password_needs_rehash(*h, default_password_params()));
}

TEST(ApiToken, FormatAndHash) {
  auto t = generate_api_token();
  ASSERT_TRUE(t);
  EXPECT_TRUE(std::regex_match(t->text, std::regex("cst_[A-Za-z0-9_-]{43}")));
  auto h = api_token_hash(t->text);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, t->sha256);
  auto other = generate_api_token();
  ASSERT_TRUE(other);
  EXPECT_NE(other->text, t->text);
  for (std::string bad : {std::string("cst_short"), "xyz_" + t->text.substr(4),
                          t->text.substr(0, 46) + "!", t->text + "A", std::string()}) {
    auto r = api_token_hash(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message.find(bad.empty() ? "\x01" : bad), std::string::npos);
  }
}

TEST(RandomId, Is256BitsBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto id = random_id_256();
    EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9_-]{43}")));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890"; the table gives
// 8-digit values, whose last six digits are the 6-digit codes.
TEST(Totp, Rfc6238AppendixBSha1Vectors) {
  const std::string ascii = "12345678901234567890";
  const std::vector<std::uint8_t> key(ascii.begin(), ascii.end());
  const std::string secret = base32_encode(key);
  EXPECT_EQ(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const std::pair<std::int64_t, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [t, expected] : vectors) {
    const auto step = static_cast<std::uint64_t>(t / 30);
    EXPECT_EQ(hotp(key, step, 8), expected) << t;
    // system_clock counts nanoseconds in 64 bits: year 2603 is beyond it.
    if (t < 9'000'000'000) {
      EXPECT_EQ(totp_code(secret, at(t)), std::string(expected).substr(2)) << t;
    }
  }
}

TEST(Totp, AcceptsOneStepEitherSideOnly) {
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  const auto now = at(1234567890);
  const std::int64_t step = totp_step(now);
  EXPECT_EQ(totp_match(secret, totp_code(secret, now), now, 0), step);
  EXPECT_EQ(totp_match(secret, totp_code(secret, now - seconds(30)), now, 0), step - 1);
  EXPECT_EQ(totp_match(secret, totp_code(secret, now + seconds(30)), now, 0), step + 1);
  EXPECT_FALSE(totp_match(secret, totp_code(secret, now - seconds(60)), now, 0));
  EXPECT_FALSE(totp_match(secret, totp_code(secret, now + seconds(60)), now, 0));
  EXPECT_FALSE(totp_match(secret, "12345", now, 0));
  EXPECT_FALSE(totp_match(secret, "abcdef", now, 0));
  EXPECT_FALSE(totp_match("not base32!", "123456", now, 0));
}

TEST(Totp, ACodeIsAcceptedOnce) {
  const std::string secret = generate_totp_secret();
  EXPECT_EQ(secret.size(), 32u);  // 160 bits in base32
  const auto now = at(1700000000);
  const std::string code = totp_code(secret, now);
  auto step = totp_match(secret, code, now, 0);
  ASSERT_TRUE(step);
  // With the step remembered, the same code (and any earlier one) is refused.
  EXPECT_FALSE(totp_match(secret, code, now, *step));
  EXPECT_FALSE(totp_match(secret, totp_code(secret, now - seconds(30)), now, *step));
  EXPECT_TRUE(totp_match(secret, totp_code(secret, now + seconds(30)), now, *step));
}

TEST(Totp, UriNamesIssuerAccountAndParameters) {
  EXPECT_EQ(otpauth_uri("custos", "jane doe", "ABC"),
            "otpauth://totp/custos:jane%20doe?secret=ABC&issuer=custos&algorithm=SHA1&digits=6"
            "&period=30");
}

TEST(RecoveryCodes, DistinctHashedNormalised) {
  const auto codes = generate_recovery_codes();
  ASSERT_EQ(codes.size(), kRecoveryCodeCount);
  const std::set<std::string> distinct(codes.begin(), codes.end());
  EXPECT_EQ(distinct.size(), codes.size());
  for (const auto& c : codes) {
    EXPECT_TRUE(std::regex_match(c, std::regex("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}")));
    EXPECT_TRUE(looks_like_recovery_code(c));
    std::string upper;
    for (char ch : c) upper += ch == '-' ? ' ' : static_cast<char>(std::toupper(ch));
    EXPECT_EQ(recovery_code_hash(upper), recovery_code_hash(c));
    EXPECT_EQ(recovery_code_hash(c).size(), 64u);
  }
  EXPECT_FALSE(looks_like_recovery_code("123456"));
}

}  // namespace
}  // namespace custos::crypto
