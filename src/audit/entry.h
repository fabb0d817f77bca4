// One audit entry: who did what to which studies, from where, when, and how it ended.
// Its canonical JSON (sorted keys, compact, UTF-8) is what the hash chain covers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/sha256.h"

namespace custos::audit {

enum class ActorKind { kLocalOwner, kUser, kShareLink, kApiToken, kDicomAe };
enum class OriginKind { kTerminal, kHttp, kDicom };
enum class Outcome { kSuccess, kFailure, kPartial };

struct Actor {
  ActorKind kind = ActorKind::kLocalOwner;
  // The user name, share id, token id or calling AE title; "owner" for the local owner.
  // Never a secret: a share link or token is named by its id, not by its value.
  std::string id;
};

struct Origin {
  OriginKind kind = OriginKind::kTerminal;
  std::string ip;          // remote address (http, dicom)
  std::string user_agent;  // http
  std::string calling_ae;  // dicom
  std::string host;        // the machine the request came from, when known
};

// The UIDs an operation concerned. An import can touch hundreds of thousands of instances;
// an entry keeps at most kMaxUidsPerEntry of them (studies first, then series, then
// instances) and counts the rest in `omitted`, so one line stays bounded.
struct Uids {
  std::vector<std::string> studies;
  std::vector<std::string> series;
  std::vector<std::string> instances;
  std::uint64_t omitted = 0;
};

inline constexpr std::size_t kMaxUidsPerEntry = 10'000;
inline constexpr std::size_t kMaxUidBytes = 64;  // DICOM UI value limit
inline constexpr std::size_t kMaxActionBytes = 64;
inline constexpr std::size_t kMaxIdBytes = 256;  // actor id, ip, calling AE, host
inline constexpr std::size_t kMaxUserAgentBytes = 512;
inline constexpr std::size_t kMaxDetailBytes = 2048;

struct Entry {
  // Assigned by AuditLog::append; whatever the caller puts here is replaced.
  std::uint64_t seq = 0;
  std::string time;  // UTC, "2026-11-22T04:11:00.123Z"
  Digest prev{};     // hash of the previous entry (entry 1: the chain id)
  Digest hash{};     // SHA-256 of this entry's canonical bytes without "hash"

  // Filled by the caller.
  Actor actor;
  Origin origin;
  std::string action;  // "import", "study.show", "login.failure": [a-z0-9._-], 1..64 bytes
  Uids uids;
  Outcome outcome = Outcome::kSuccess;
  std::string detail;  // short, human-readable; never pixel data or secrets
};

// A position in the chain: entry `seq` and its hash. seq 0 is the empty log, whose "hash" is
// the chain id. The vault stores the head returned by append in its index, in the same
// transaction as the change the entry records.
struct Head {
  std::uint64_t seq = 0;
  Digest hash{};
  friend bool operator==(const Head&, const Head&) = default;
};
using EntryId = Head;

// "42:<64 hex digits>", for storing a head as one text value.
[[nodiscard]] std::string format_head(const Head& head);
// Errors: kInvalidArgument when the text is not "<seq>:<hex>".
[[nodiscard]] Result<Head> parse_head(std::string_view text);

[[nodiscard]] std::string_view to_string(ActorKind kind);
[[nodiscard]] std::string_view to_string(OriginKind kind);
[[nodiscard]] std::string_view to_string(Outcome outcome);
// Errors: kInvalidArgument for an unknown name.
[[nodiscard]] Result<ActorKind> parse_actor_kind(std::string_view name);
[[nodiscard]] Result<OriginKind> parse_origin_kind(std::string_view name);
[[nodiscard]] Result<Outcome> parse_outcome(std::string_view name);

// Checks the caller-filled fields and brings them within limits: the action must be valid
// (kInvalidArgument otherwise, a programming error); over-long text is cut at a UTF-8
// boundary, invalid UTF-8 replaced by U+FFFD, empty or over-long UIDs dropped into
// `omitted`, and the UID lists capped at kMaxUidsPerEntry. Never fails on what a remote
// party controls (user agent, AE title), so an operation is never un-auditable.
[[nodiscard]] Status normalize(Entry& entry);

// The canonical bytes: sorted keys, no whitespace, UTF-8, empty optional fields left out.
// `with_hash` false gives the bytes the hash is computed over.
[[nodiscard]] std::string canonical_json(const Entry& entry, bool with_hash);
// SHA-256 of canonical_json(entry, false).
[[nodiscard]] Digest compute_hash(const Entry& entry);

// Parses one plaintext line. Strict: unknown or mistyped fields are kCorruption, because
// a line that parses loosely could differ from its canonical form and still hash right.
[[nodiscard]] Result<Entry> parse_entry(std::string_view line);

// "2026-11-22T04:11:00.123Z" (24 characters, digits where digits belong). Entries compare
// by time as strings because the format is fixed-width.
[[nodiscard]] bool is_entry_time(std::string_view text);

}  // namespace custos::audit
