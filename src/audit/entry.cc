// Canonical JSON for audit entries. nlohmann::json objects keep keys sorted (std::map),
// and compact dump() with raw UTF-8 gives exactly one byte string per entry.
#include "audit/entry.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

namespace custos::audit {
namespace {

using Json = nlohmann::json;

constexpr int kEntryVersion = 1;

template <class E, std::size_t N>
struct Names {
  std::array<std::pair<E, std::string_view>, N> items;
  [[nodiscard]] std::string_view name(E e) const {
    for (const auto& [v, n] : items) {
      if (v == e) return n;
    }
    return "unknown";
  }
  [[nodiscard]] Result<E> parse(std::string_view text, std::string_view what) const {
    for (const auto& [v, n] : items) {
      if (n == text) return v;
    }
    return fail(ErrorCode::kInvalidArgument,
                "unknown " + std::string(what) + " \"" + std::string(text) + "\"");
  }
};

constexpr Names<ActorKind, 5> kActorKinds{{{{ActorKind::kLocalOwner, "local_owner"},
                                            {ActorKind::kUser, "user"},
                                            {ActorKind::kShareLink, "share_link"},
                                            {ActorKind::kApiToken, "api_token"},
                                            {ActorKind::kDicomAe, "dicom_ae"}}}};
constexpr Names<OriginKind, 3> kOriginKinds{{{{OriginKind::kTerminal, "terminal"},
                                              {OriginKind::kHttp, "http"},
                                              {OriginKind::kDicom, "dicom"}}}};
constexpr Names<Outcome, 3> kOutcomes{{{{Outcome::kSuccess, "success"},
                                        {Outcome::kFailure, "failure"},
                                        {Outcome::kPartial, "partial"}}}};

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return 0;
  }
  return len;
}

// Replaces invalid UTF-8 with U+FFFD and cuts at a character boundary within max_bytes.
std::string clean_text(std::string_view in, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(in.size(), max_bytes));
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t n = utf8_sequence(in, i);
    const std::string_view piece = n == 0 ? kReplacement : in.substr(i, n);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += n == 0 ? 1 : n;
  }
  return out;
}

bool valid_action(std::string_view a) {
  if (a.empty() || a.size() > kMaxActionBytes) return false;
  for (char c : a) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void clean_uid_list(std::vector<std::string>& list, std::size_t& budget, std::uint64_t& omitted) {
  std::vector<std::string> kept;
  kept.reserve(std::min(list.size(), budget));
  for (auto& uid : list) {
    // DICOM pads UI values with NUL; trailing spaces come from careless writers.
    while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.pop_back();
    if (uid.empty()) continue;
    if (budget == 0) {
      ++omitted;
      continue;
    }
    kept.push_back(clean_text(uid, kMaxIdBytes));
    --budget;
  }
  list = std::move(kept);
}

Json uid_array(const std::vector<std::string>& list) {
  Json a = Json::array();
  for (const auto& u : list) a.push_back(u);
  return a;
}

Json to_json(const Entry& e, bool with_hash) {
  Json j = Json::object();
  j["v"] = kEntryVersion;
  j["seq"] = e.seq;
  j["time"] = e.time;
  j["prev"] = to_hex(e.prev);
  if (with_hash) j["hash"] = to_hex(e.hash);
  j["actor"] = Json{{"kind", std::string(to_string(e.actor.kind))}, {"id", e.actor.id}};
  Json origin = Json{{"kind", std::string(to_string(e.origin.kind))}};
  if (!e.origin.ip.empty()) origin["ip"] = e.origin.ip;
  if (!e.origin.user_agent.empty()) origin["user_agent"] = e.origin.user_agent;
  if (!e.origin.calling_ae.empty()) origin["calling_ae"] = e.origin.calling_ae;
  if (!e.origin.host.empty()) origin["host"] = e.origin.host;
  j["origin"] = std::move(origin);
  j["action"] = e.action;
  Json uids = Json::object();
  if (!e.uids.studies.empty()) uids["studies"] = uid_array(e.uids.studies);
  if (!e.uids.series.empty()) uids["series"] = uid_array(e.uids.series);
  if (!e.uids.instances.empty()) uids["instances"] = uid_array(e.uids.instances);
  if (e.uids.omitted != 0) uids["omitted"] = e.uids.omitted;
  if (!uids.empty()) j["uids"] = std::move(uids);
  j["outcome"] = std::string(to_string(e.outcome));
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j;
}

// Strict field readers: each returns an error naming the field.
Error bad(std::string_view field, std::string_view why) {
  return Error{ErrorCode::kCorruption,
               "audit entry field \"" + std::string(field) + "\" " + std::string(why)};
}

Result<std::string> get_string(const Json& obj, const char* key, bool required) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return fail(bad(key, "is missing"));
    return std::string();
  }
  if (!it->is_string()) return fail(bad(key, "is not a string"));
  return it->get<std::string>();
}

Result<std::uint64_t> get_uint(const Json& obj, const char* key, bool required) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return fail(bad(key, "is missing"));
    return std::uint64_t{0};
  }
  if (!it->is_number_unsigned()) return fail(bad(key, "is not a non-negative integer"));
  return it->get<std::uint64_t>();
}

Result<Digest> get_digest(const Json& obj, const char* key) {
  auto text = get_string(obj, key, true);
  if (!text) return fail(text.error());
  Digest d{};
  if (!from_hex(*text, d)) return fail(bad(key, "is not a SHA-256 in hex"));
  return d;
}

Status only_keys(const Json& obj, std::initializer_list<std::string_view> allowed,
                 std::string_view where) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) return fail(bad(std::string(where) + "." + key, "is not part of the format"));
  }
  return {};
}

Result<std::vector<std::string>> get_uid_list(const Json& obj, const char* key) {
  std::vector<std::string> out;
  const auto it = obj.find(key);
  if (it == obj.end()) return out;
  if (!it->is_array()) return fail(bad(key, "is not a list"));
  for (const auto& v : *it) {
    if (!v.is_string()) return fail(bad(key, "holds a value that is not a string"));
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<Entry> from_json(const Json& j) {
  if (!j.is_object()) return fail(ErrorCode::kCorruption, "audit entry is not a JSON object");
  if (auto s = only_keys(j,
                         {"v", "seq", "time", "prev", "hash", "actor", "origin", "action", "uids",
                          "outcome", "detail"},
                         "entry");
      !s) {
    return fail(s.error());
  }
  auto version = get_uint(j, "v", true);
  if (!version) return fail(version.error());
  if (*version != kEntryVersion) {
    return fail(ErrorCode::kUnsupported,
                "audit entry version " + std::to_string(*version) + " is not supported");
  }
  Entry e;
  auto seq = get_uint(j, "seq", true);
  if (!seq) return fail(seq.error());
  auto time = get_string(j, "time", true);
  if (!time) return fail(time.error());
  auto prev = get_digest(j, "prev");
  if (!prev) return fail(prev.error());
  auto hash = get_digest(j, "hash");
  if (!hash) return fail(hash.error());
  auto action = get_string(j, "action", true);
  if (!action) return fail(action.error());
  auto outcome_name = get_string(j, "outcome", true);
  if (!outcome_name) return fail(outcome_name.error());
  auto detail = get_string(j, "detail", false);
  if (!detail) return fail(detail.error());
  if (!is_entry_time(*time)) return fail(bad("time", "is not a UTC time with milliseconds"));
  auto outcome = parse_outcome(*outcome_name);
  if (!outcome) return fail(bad("outcome", "has an unknown value"));
  e.seq = *seq;
  e.time = std::move(*time);
  e.prev = *prev;
  e.hash = *hash;
  e.action = std::move(*action);
  e.outcome = *outcome;
  e.detail = std::move(*detail);

  const auto actor = j.find("actor");
  if (actor == j.end() || !actor->is_object()) return fail(bad("actor", "is not an object"));
  if (auto s = only_keys(*actor, {"kind", "id"}, "actor"); !s) return fail(s.error());
  auto actor_kind = get_string(*actor, "kind", true);
  auto actor_id = get_string(*actor, "id", true);
  if (!actor_kind) return fail(actor_kind.error());
  if (!actor_id) return fail(actor_id.error());
  auto ak = parse_actor_kind(*actor_kind);
  if (!ak) return fail(bad("actor.kind", "has an unknown value"));
  e.actor = Actor{*ak, std::move(*actor_id)};

  const auto origin = j.find("origin");
  if (origin == j.end() || !origin->is_object()) return fail(bad("origin", "is not an object"));
  if (auto s = only_keys(*origin, {"kind", "ip", "user_agent", "calling_ae", "host"}, "origin");
      !s) {
    return fail(s.error());
  }
  auto origin_kind = get_string(*origin, "kind", true);
  if (!origin_kind) return fail(origin_kind.error());
  auto ok = parse_origin_kind(*origin_kind);
  if (!ok) return fail(bad("origin.kind", "has an unknown value"));
  e.origin.kind = *ok;
  for (auto [key, field] :
       {std::pair{"ip", &e.origin.ip}, std::pair{"user_agent", &e.origin.user_agent},
        std::pair{"calling_ae", &e.origin.calling_ae}, std::pair{"host", &e.origin.host}}) {
    auto v = get_string(*origin, key, false);
    if (!v) return fail(v.error());
    *field = std::move(*v);
  }

  if (const auto uids = j.find("uids"); uids != j.end()) {
    if (!uids->is_object()) return fail(bad("uids", "is not an object"));
    if (auto s = only_keys(*uids, {"studies", "series", "instances", "omitted"}, "uids"); !s) {
      return fail(s.error());
    }
    auto studies = get_uid_list(*uids, "studies");
    auto series = get_uid_list(*uids, "series");
    auto instances = get_uid_list(*uids, "instances");
    auto omitted = get_uint(*uids, "omitted", false);
    if (!studies) return fail(studies.error());
    if (!series) return fail(series.error());
    if (!instances) return fail(instances.error());
    if (!omitted) return fail(omitted.error());
    e.uids = Uids{std::move(*studies), std::move(*series), std::move(*instances), *omitted};
  }
  return e;
}

}  // namespace

std::string_view to_string(ActorKind kind) { return kActorKinds.name(kind); }
std::string_view to_string(OriginKind kind) { return kOriginKinds.name(kind); }
std::string_view to_string(Outcome outcome) { return kOutcomes.name(outcome); }
Result<ActorKind> parse_actor_kind(std::string_view name) {
  return kActorKinds.parse(name, "actor kind");
}
Result<OriginKind> parse_origin_kind(std::string_view name) {
  return kOriginKinds.parse(name, "origin kind");
}
Result<Outcome> parse_outcome(std::string_view name) { return kOutcomes.parse(name, "outcome"); }

Status normalize(Entry& e) {
  if (!valid_action(e.action)) {
    return fail(ErrorCode::kInvalidArgument,
                "audit action \"" + clean_text(e.action, kMaxActionBytes) +
                    "\" is not 1 to 64 characters of a-z, 0-9, '.', '_', '-'");
  }
  e.actor.id = clean_text(e.actor.id, kMaxIdBytes);
  e.origin.ip = clean_text(e.origin.ip, kMaxIdBytes);
  e.origin.user_agent = clean_text(e.origin.user_agent, kMaxUserAgentBytes);
  e.origin.calling_ae = clean_text(e.origin.calling_ae, kMaxIdBytes);
  e.origin.host = clean_text(e.origin.host, kMaxIdBytes);
  e.detail = clean_text(e.detail, kMaxDetailBytes);
  std::size_t budget = kMaxUidsPerEntry;
  clean_uid_list(e.uids.studies, budget, e.uids.omitted);
  clean_uid_list(e.uids.series, budget, e.uids.omitted);
  clean_uid_list(e.uids.instances, budget, e.uids.omitted);
  return {};
}

std::string canonical_json(const Entry& entry, bool with_hash) {
  // `replace` only matters for entries that skipped normalize(); it keeps dump() from
  // throwing, and such an entry then fails the canonical check in verify.
  return to_json(entry, with_hash).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Digest compute_hash(const Entry& entry) {
  const std::string bytes = canonical_json(entry, false);
  return sha256_of(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

Result<Entry> parse_entry(std::string_view line) {
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(ErrorCode::kCorruption, "audit entry is not valid JSON");
  try {
    return from_json(j);
  } catch (const Json::exception& ex) {
    return fail(ErrorCode::kCorruption, std::string("audit entry is malformed: ") + ex.what());
  }
}

std::string format_head(const Head& head) {
  return std::to_string(head.seq) + ":" + to_hex(head.hash);
}

Result<Head> parse_head(std::string_view text) {
  const auto colon = text.find(':');
  Head head;
  if (colon == std::string_view::npos || colon == 0 ||
      std::from_chars(text.data(), text.data() + colon, head.seq).ptr != text.data() + colon ||
      !from_hex(text.substr(colon + 1), head.hash)) {
    return fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(text.substr(0, 100)) + "\" is not an audit head (seq:hash)");
  }
  return head;
}

bool is_entry_time(std::string_view t) {
  static constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (t.size() != kPattern.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (kPattern[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != kPattern[i]) return false;
  }
  return true;
}

}  // namespace custos::audit
