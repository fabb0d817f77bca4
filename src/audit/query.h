// Reading the audit log back: entries in order, filtered, streamed segment by segment and
// line by line so a log of millions of entries is never held in memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/entry.h"
#include "audit/sealer.h"
#include "base/error.h"

namespace custos::audit {

struct ListFilter {
  std::optional<std::chrono::system_clock::time_point> since;  // entries at or after
  std::optional<std::chrono::system_clock::time_point> until;  // entries before
  std::string study_uid;                // entries naming this study; empty: any
  std::optional<ActorKind> actor_kind;  // any when unset
  std::string actor_id;                 // exact; empty: any
  // Exact action ("study.show"), or a prefix when it ends with '.' ("login." matches
  // "login.success" and "login.failure"); empty: any.
  std::string action;
  std::size_t limit = 0;  // 0: no limit
  // With a limit: false keeps the first `limit` matches, true the last `limit` (the most
  // recent activity). Entries come back in log order either way.
  bool most_recent = false;
};

[[nodiscard]] bool matches(const ListFilter& filter, const Entry& entry);

// Calls `fn` for each matching entry in order until it returns false. Reads without the
// writer's lock: a line being written at that moment is not yet visible. Does not verify
// the chain (verify() does). Errors: kNotFound when `dir` holds no audit log; kCorruption
// or kUnauthenticated when a line cannot be read ("run verify" in the message).
[[nodiscard]] Status for_each_entry(const std::filesystem::path& dir, const EntrySealer& sealer,
                                    const ListFilter& filter,
                                    const std::function<bool(const Entry&)>& fn);

// The matching entries, in order, honouring filter.limit. Errors: as for_each_entry.
[[nodiscard]] Result<std::vector<Entry>> list_entries(const std::filesystem::path& dir,
                                                      const EntrySealer& sealer,
                                                      const ListFilter& filter);

}  // namespace custos::audit
