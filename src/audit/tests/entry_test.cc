// The entry model: canonical bytes, strict parsing, limits.
#include "audit/entry.h"

#include <gtest/gtest.h>

namespace custos::audit {
namespace {

Entry sample() {
  Entry e;
  e.seq = 7;
  e.time = "2026-03-01T10:00:00.123Z";
  e.prev.fill(0x11);
  e.actor = Actor{ActorKind::kShareLink, "share-42"};
  e.origin = Origin{OriginKind::kHttp, "203.0.113.9", "Mozilla/5.0", "", ""};
  e.action = "study.show";
  e.uids.studies = {"1.2.3"};
  e.outcome = Outcome::kSuccess;
  e.detail = "opened in the viewer";
  e.hash = compute_hash(e);
  return e;
}

TEST(AuditEntry, CanonicalJsonHasSortedKeysAndNoWhitespace) {
  const std::string json = canonical_json(sample(), true);
  EXPECT_EQ(json.find("\": "), std::string::npos);
  EXPECT_EQ(json.find(", \""), std::string::npos);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find("\"detail\":\"opened in the viewer\""), std::string::npos);
  // Keys in byte order: action < actor < detail < hash < origin < outcome < prev < seq ...
  const char* keys[] = {"\"action\"", "\"actor\"",   "\"detail\"", "\"hash\"",
                        "\"origin\"", "\"outcome\"", "\"prev\"",   "\"seq\"",
                        "\"time\"",   "\"uids\"",    "\"v\""};
  std::size_t last = 0;
  for (const char* k : keys) {
    const auto at = json.find(k);
    ASSERT_NE(at, std::string::npos) << k;
    EXPECT_GT(at, last) << k;
    last = at;
  }
  EXPECT_EQ(json.find("\"calling_ae\""), std::string::npos) << "empty optional fields left out";
}

TEST(AuditEntry, HashExcludesItselfAndCoversEverythingElse) {
  Entry e = sample();
  EXPECT_EQ(canonical_json(e, false).find("\"hash\""), std::string::npos);
  const Digest h = compute_hash(e);
  e.detail += "!";
  EXPECT_NE(compute_hash(e), h);
  e = sample();
  e.prev[0] ^= 1;
  EXPECT_NE(compute_hash(e), h);
}

TEST(AuditEntry, ParseRoundTripsToTheSameBytes) {
  const std::string json = canonical_json(sample(), true);
  auto parsed = parse_entry(json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(canonical_json(*parsed, true), json);
  EXPECT_EQ(parsed->actor.kind, ActorKind::kShareLink);
  EXPECT_EQ(parsed->origin.user_agent, "Mozilla/5.0");
  EXPECT_EQ(parsed->uids.studies, std::vector<std::string>{"1.2.3"});
}

TEST(AuditEntry, ParseIsStrict) {
  const std::string good = canonical_json(sample(), true);
  auto with = [&](std::string from, std::string to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_FALSE(parse_entry("not json"));
  EXPECT_FALSE(parse_entry("[]"));
  EXPECT_FALSE(parse_entry(with("\"v\":1", "\"v\":1,\"extra\":true")));
  EXPECT_FALSE(parse_entry(with("\"seq\":7", "\"seq\":-7")));
  EXPECT_FALSE(parse_entry(with("\"seq\":7", "\"seq\":\"7\"")));
  EXPECT_FALSE(parse_entry(with("\"outcome\":\"success\"", "\"outcome\":\"fine\"")));
  EXPECT_FALSE(parse_entry(with("\"kind\":\"share_link\"", "\"kind\":\"root\"")));
  EXPECT_FALSE(parse_entry(with("2026-03-01T10:00:00.123Z", "2026-03-01 10:00")));
  EXPECT_FALSE(parse_entry(with("\"prev\":\"1111", "\"prev\":\"zz11")));
  auto v2 = parse_entry(with("\"v\":1", "\"v\":2"));
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().code, ErrorCode::kUnsupported);
}

TEST(AuditEntry, NormalizeRejectsBadActions) {
  for (const char* bad : {"", "Study.Show", "study show", "x\n", "<script>"}) {
    Entry e = sample();
    e.action = bad;
    auto s = normalize(e);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  }
  Entry e = sample();
  e.action = std::string(65, 'a');
  EXPECT_FALSE(normalize(e));
}

TEST(AuditEntry, NormalizeCapsUidsAndCountsTheRest) {
  Entry e = sample();
  e.uids.studies = {"1.2.3", ""};  // the empty one is not a UID and is dropped
  e.uids.series.assign(3, "1.2.3.4");
  e.uids.instances.assign(25'000, "1.2.3.4.5");
  e.uids.omitted = 5;  // the caller had already left some out
  ASSERT_TRUE(normalize(e));
  EXPECT_EQ(e.uids.studies.size() + e.uids.series.size() + e.uids.instances.size(),
            kMaxUidsPerEntry);
  EXPECT_EQ(e.uids.studies.size(), 1u);
  EXPECT_EQ(e.uids.series.size(), 3u);
  EXPECT_EQ(e.uids.omitted, 5u + 25'000u + 3u + 1u - kMaxUidsPerEntry);
}

TEST(AuditEntry, NormalizeCleansTextItDoesNotControl) {
  Entry e = sample();
  e.origin.user_agent = std::string(2000, 'u');
  e.detail = std::string("bad \xC3\x28 utf8 and \xE2\x82\xAC euro");
  e.uids.studies = {std::string("1.2.840.10008\0\0", 15)};
  ASSERT_TRUE(normalize(e));
  EXPECT_EQ(e.origin.user_agent.size(), kMaxUserAgentBytes);
  EXPECT_EQ(e.detail, "bad \xEF\xBF\xBD( utf8 and \xE2\x82\xAC euro");
  EXPECT_EQ(e.uids.studies.front(), "1.2.840.10008") << "DICOM NUL padding stripped";
  // Cut at a character boundary: a 3-byte character straddling the limit goes entirely.
  e.detail = std::string(kMaxDetailBytes - 1, 'd') + "\xE2\x82\xAC";
  ASSERT_TRUE(normalize(e));
  EXPECT_EQ(e.detail.size(), kMaxDetailBytes - 1);
}

TEST(AuditEntry, HeadFormatsAndParses) {
  Head h{42, {}};
  h.hash.fill(0xab);
  const std::string text = format_head(h);
  EXPECT_EQ(text.substr(0, 3), "42:");
  auto back = parse_head(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(parse_head("42"));
  EXPECT_FALSE(parse_head(":abc"));
  EXPECT_FALSE(parse_head("x:" + std::string(64, 'a')));
  EXPECT_FALSE(parse_head("1:" + std::string(63, 'a')));
}

TEST(AuditEntry, EntryTimeFormat) {
  EXPECT_TRUE(is_entry_time("2026-03-01T10:00:00.123Z"));
  EXPECT_FALSE(is_entry_time("2026-03-01T10:00:00Z"));
  EXPECT_FALSE(is_entry_time("2026-03-01T10:00:00.123+01:00"));
  EXPECT_FALSE(is_entry_time("2026-03-01T10:00:00.12XZ"));
}

}  // namespace
}  // namespace custos::audit
