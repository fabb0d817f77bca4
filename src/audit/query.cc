// Filtered, streaming reads of the audit log.
#include "audit/query.h"

#include <algorithm>
#include <deque>

#include "audit/log_files.h"
#include "base/clock.h"

namespace custos::audit {
namespace {

Result<Entry> read_line_entry(const EntrySealer& sealer, const Line& line, const Segment& seg) {
  auto opened = sealer.open(line.text);
  if (!opened) {
    return fail(opened.error().code, "line " + std::to_string(line.number) + " of " +
                                         seg.path.string() + ": " + opened.error().message +
                                         " (run the audit verification)");
  }
  auto entry = parse_entry(opened->plaintext);
  if (!entry) {
    return fail(entry.error().code, "line " + std::to_string(line.number) + " of " +
                                        seg.path.string() + ": " + entry.error().message +
                                        " (run the audit verification)");
  }
  return entry;
}

// The time of the first entry of `seg`, when it can be read; used only to skip segments.
std::optional<std::string> first_time(const EntrySealer& sealer, const Segment& seg) {
  auto reader = LineReader::open(seg.path);
  if (!reader) return std::nullopt;
  auto line = reader->next();
  if (!line || !*line || !(*line)->complete) return std::nullopt;
  auto entry = read_line_entry(sealer, **line, seg);
  if (!entry) return std::nullopt;
  return entry->time;
}

}  // namespace

bool matches(const ListFilter& f, const Entry& e) {
  if (f.since && e.time < format_utc(*f.since)) return false;
  if (f.until && e.time >= format_utc(*f.until)) return false;
  if (f.actor_kind && e.actor.kind != *f.actor_kind) return false;
  if (!f.actor_id.empty() && e.actor.id != f.actor_id) return false;
  if (!f.action.empty()) {
    const bool prefix = f.action.back() == '.';
    if (prefix ? !e.action.starts_with(f.action) : e.action != f.action) return false;
  }
  if (!f.study_uid.empty() && std::find(e.uids.studies.begin(), e.uids.studies.end(),
                                        f.study_uid) == e.uids.studies.end()) {
    return false;
  }
  return true;
}

Status for_each_entry(const std::filesystem::path& dir, const EntrySealer& sealer,
                      const ListFilter& filter, const std::function<bool(const Entry&)>& fn) {
  if (auto info = read_chain_info(dir); !info) {
    if (info.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound, "there is no audit log in " + dir.string());
    }
    return fail(info.error());
  }
  auto segments = list_segments(dir);
  if (!segments) return fail(segments.error());
  const std::string since = filter.since ? format_utc(*filter.since) : std::string();
  const std::string until = filter.until ? format_utc(*filter.until) : std::string();
  for (std::size_t i = 0; i < segments->size(); ++i) {
    const Segment& seg = (*segments)[i];
    // Times never go backwards, so a segment whose successor starts before `since` holds
    // nothing newer: skip it without decrypting it.
    if (!since.empty() && i + 1 < segments->size()) {
      const auto next_first = first_time(sealer, (*segments)[i + 1]);
      if (next_first && *next_first < since) continue;
    }
    auto reader = LineReader::open(seg.path);
    if (!reader) return fail(reader.error());
    for (;;) {
      auto line = reader->next();
      if (!line) return fail(line.error());
      if (!*line) break;
      if (!(*line)->complete) break;  // being written right now, or a torn write
      auto entry = read_line_entry(sealer, **line, seg);
      if (!entry) return fail(entry.error());
      if (!until.empty() && entry->time >= until) return {};
      if (!matches(filter, *entry)) continue;
      if (!fn(*entry)) return {};
    }
  }
  return {};
}

Result<std::vector<Entry>> list_entries(const std::filesystem::path& dir, const EntrySealer& sealer,
                                        const ListFilter& filter) {
  std::deque<Entry> kept;
  const auto status = for_each_entry(dir, sealer, filter, [&](const Entry& e) {
    kept.push_back(e);
    if (filter.limit == 0) return true;
    if (filter.most_recent) {
      if (kept.size() > filter.limit) kept.pop_front();
      return true;
    }
    return kept.size() < filter.limit;
  });
  if (!status) return fail(status.error());
  return std::vector<Entry>(std::make_move_iterator(kept.begin()),
                            std::make_move_iterator(kept.end()));
}

}  // namespace custos::audit
