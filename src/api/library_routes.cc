// The owner's library over REST: studies (search, details), series, original files, the
// scan log and the audit trail. Every call goes through the vault with the caller, so the
// vault checks the role and writes the audit entry.
#include <algorithm>
#include <cctype>

#include "api/guard.h"
#include "api/respond.h"
#include "api/routes.h"
#include "audit/query.h"
#include "vault/report_json.h"

namespace custos::api {
namespace {

using nlohmann::ordered_json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "2019-03-01" or "20190301" -> "20190301"; "" when malformed.
std::string dicom_date(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) d += c;
    else if (c != '-') return "";
  }
  return d.size() == 8 ? d : "";
}

Result<std::size_t> count_param(const http::Request& r, const char* name, std::size_t dflt,
                                std::size_t max) {
  auto v = r.query_value(name);
  if (!v) return dflt;
  std::size_t n = 0;
  if (v->empty() || v->size() > 9 ||
      !std::all_of(v->begin(), v->end(), [](unsigned char c) { return std::isdigit(c); })) {
    return fail(ErrorCode::kInvalidArgument,
                std::string("'") + name + "' must be a whole number, not '" + v->substr(0, 20) + "'");
  }
  n = std::stoul(*v);
  return std::min(n, max);
}

struct StudyFilter {
  std::string text;      // any of patient name, description, modality, body part
  std::string patient;   // exact Patient ID
  std::string modality;  // exact, case-insensitive
  std::string from, to;  // YYYYMMDD, inclusive
};

bool keep(const StudyFilter& f, const index::StudyRow& s) {
  if (!f.patient.empty() && s.patient_id != f.patient) return false;
  if (!f.modality.empty() &&
      std::none_of(s.modalities.begin(), s.modalities.end(),
                   [&](const std::string& m) { return lower(m) == f.modality; })) {
    return false;
  }
  if (!f.from.empty() && (s.study_date.empty() || s.study_date < f.from)) return false;
  if (!f.to.empty() && (s.study_date.empty() || s.study_date > f.to)) return false;
  if (!f.text.empty()) {
    std::string hay = lower(s.patient_name + "\n" + s.study_description + "\n" +
                            s.institution_name + "\n" + s.patient_id + "\n" + s.accession_number);
    for (const auto& m : s.modalities) hay += "\n" + lower(m);
    for (const auto& b : s.body_parts) hay += "\n" + lower(b);
    if (hay.find(f.text) == std::string::npos) return false;
  }
  return true;
}

void list_studies(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  StudyFilter f;
  f.text = lower(r.query_value("q").value_or(""));
  f.patient = r.query_value("patient").value_or("");
  f.modality = lower(r.query_value("modality").value_or(""));
  for (auto [name, into] : {std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
    if (auto v = r.query_value(name)) {
      *into = dicom_date(*v);
      if (into->empty()) {
        return send_error(w, 400, "invalid_argument",
                          std::string("'") + name + "' must be a date like 2019-03-01");
      }
    }
  }
  auto limit = count_param(r, "limit", 1000, 10000);
  auto offset = count_param(r, "offset", 0, 1u << 30);
  if (!limit) return send_error(w, limit.error());
  if (!offset) return send_error(w, offset.error());

  auto rows = s.vault.studies(who->caller);
  if (!rows) return send_error(w, rows.error());
  std::vector<const index::StudyRow*> kept;
  for (const auto& row : *rows) {
    if (keep(f, row)) kept.push_back(&row);
  }
  // The newest first: the library is a timeline.
  std::stable_sort(kept.begin(), kept.end(), [](const auto* a, const auto* b) {
    return a->study_date + a->study_time > b->study_date + b->study_time;
  });
  ordered_json out{{"total", kept.size()}, {"offset", *offset}, {"studies", ordered_json::array()}};
  for (std::size_t i = *offset; i < kept.size() && i < *offset + *limit; ++i) {
    out["studies"].push_back(vault::study_json(*kept[i]));
  }
  send_json(w, 200, out);
}

void show(Services& s, http::Request& r, http::ResponseWriter& w, std::string_view level) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const std::string uid(r.param("uid"));
  auto found = s.vault.show(who->caller, uid);
  if (!found) return send_error(w, found.error());
  if (found->level != level) {
    return send_error(w, 404, "not_found", "no " + std::string(level) + " " + uid.substr(0, 64));
  }
  send_json(w, 200, vault::show_json(*found));
}

void download(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const std::string uid(r.param("uid"));
  auto found = s.vault.show(who->caller, uid);
  if (!found) return send_error(w, found.error());
  if (found->level != "instance" || found->instances.empty()) {
    return send_error(w, 404, "not_found", "no instance " + uid.substr(0, 64));
  }
  // With conflicting versions of one UID, ?sha256= picks one; the first stored otherwise.
  const index::InstanceRow* row = &found->instances.front();
  if (auto sha = r.query_value("sha256")) {
    auto it = std::find_if(found->instances.begin(), found->instances.end(),
                           [&](const auto& i) { return i.sha256 == *sha; });
    if (it == found->instances.end()) {
      return send_error(w, 404, "not_found", "no version " + sha->substr(0, 64) + " of " + uid);
    }
    row = &*it;
  }
  // Served as an attachment that browsers never sniff or run (SECURITY.md: polyglots).
  w.set_header("Content-Type", "application/dicom");
  w.set_header("Content-Disposition", "attachment; filename=\"" + row->sha256.substr(0, 16) + ".dcm\"");
  w.set_content_length(row->size);
  w.set_header("ETag", "\"" + row->sha256 + "\"");
  w.set_status(200);
  if (auto st = w.begin(); !st) return;
  if (w.head_only()) {
    (void)w.end();
    return;
  }
  auto st = s.vault.read_instance(who->caller, row->sha256,
                                  [&](std::span<const std::byte> chunk) { return w.write(chunk); });
  // A mismatch found part way: the connection is cut so the client cannot take the partial
  // file for the original (no end() after a failure).
  if (st) (void)w.end();
}

void scan_log(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto log = s.vault.scan_log(who->caller);
  if (!log) return send_error(w, log.error());
  send_json(w, 200, vault::log_json(*log));
}

Result<std::chrono::system_clock::time_point> parse_time(const std::string& text) {
  const std::string d = dicom_date(text.substr(0, 10));
  if (d.empty() || (text.size() > 10 && text[10] != 'T')) {
    return fail(ErrorCode::kInvalidArgument, "'" + text.substr(0, 30) + "' is not a date like 2026-01-31");
  }
  std::tm tm{};
  tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(d.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(d.substr(6, 2));
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void audit_list(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  audit::ListFilter f;
  for (auto [name, into] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
    if (auto v = r.query_value(name)) {
      auto t = parse_time(*v);
      if (!t) return send_error(w, t.error());
      *into = *t;
    }
  }
  f.study_uid = r.query_value("study").value_or("");
  f.action = r.query_value("action").value_or("");
  if (auto actor = r.query_value("actor")) {
    // "user:alice", "api_token:ci", "share_link:ab12"; a bare name is a user.
    const auto colon = actor->find(':');
    const std::string kind = colon == std::string::npos ? "user" : actor->substr(0, colon);
    f.actor_id = colon == std::string::npos ? *actor : actor->substr(colon + 1);
    static const std::pair<const char*, audit::ActorKind> kinds[] = {
        {"user", audit::ActorKind::kUser}, {"api_token", audit::ActorKind::kApiToken},
        {"share_link", audit::ActorKind::kShareLink}, {"dicom_ae", audit::ActorKind::kDicomAe},
        {"local_owner", audit::ActorKind::kLocalOwner}};
    auto it = std::find_if(std::begin(kinds), std::end(kinds),
                           [&](const auto& k) { return kind == k.first; });
    if (it == std::end(kinds)) {
      return send_error(w, 400, "invalid_argument", "unknown actor kind '" + kind.substr(0, 20) + "'");
    }
    f.actor_kind = it->second;
  }
  auto limit = count_param(r, "limit", 500, 10000);
  if (!limit) return send_error(w, limit.error());
  f.limit = *limit;
  f.most_recent = true;
  auto entries = s.vault.audit_entries(who->caller, f);
  if (!entries) return send_error(w, entries.error());
  ordered_json out{{"entries", ordered_json::array()}};
  // The most recent first, as a person reads an activity list.
  for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
    out["entries"].push_back(vault::audit_entry_json(*it));
  }
  send_json(w, 200, out);
}

void trash_study(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const std::string uid(r.param("uid"));
  if (auto st = s.vault.trash_study(who->caller, uid); !st) return send_error(w, st.error());
  send_json(w, 200, {{"trashed", uid}});
}

void restore_study(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const std::string uid(r.param("uid"));
  if (auto st = s.vault.restore_study(who->caller, uid); !st) return send_error(w, st.error());
  send_json(w, 200, {{"restored", uid}});
}

void list_trash(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto rows = s.vault.trash(who->caller);
  if (!rows) return send_error(w, rows.error());
  ordered_json out{{"trash", ordered_json::array()}};
  for (const auto& row : *rows) {
    auto j = vault::study_json(row);
    j["trashed_at"] = row.trashed_at;
    j["trashed_by"] = row.trashed_by;
    out["trash"].push_back(std::move(j));
  }
  send_json(w, 200, out);
}

}  // namespace

void add_library_routes(http::Router& router, Services& s) {
  using http::Method;
  router.add(Method::kGet, "/api/v1/studies",
             [&s](auto& r, auto& w) { list_studies(s, r, w); }, {.name = "studies.list"});
  router.add(Method::kGet, "/api/v1/studies/{uid}",
             [&s](auto& r, auto& w) { show(s, r, w, "study"); }, {.name = "studies.show"});
  router.add(Method::kGet, "/api/v1/series/{uid}",
             [&s](auto& r, auto& w) { show(s, r, w, "series"); }, {.name = "series.show"});
  router.add(Method::kGet, "/api/v1/patients/{uid}",
             [&s](auto& r, auto& w) { show(s, r, w, "patient"); }, {.name = "patients.show"});
  router.add(Method::kGet, "/api/v1/instances/{uid}",
             [&s](auto& r, auto& w) { show(s, r, w, "instance"); }, {.name = "instances.show"});
  router.add(Method::kGet, "/api/v1/instances/{uid}/file",
             [&s](auto& r, auto& w) { download(s, r, w); }, {.name = "instances.file"});
  router.add(Method::kGet, "/api/v1/scan-log",
             [&s](auto& r, auto& w) { scan_log(s, r, w); }, {.name = "scan_log"});
  router.add(Method::kDelete, "/api/v1/studies/{uid}",
             [&s](auto& r, auto& w) { trash_study(s, r, w); }, {.name = "studies.trash"});
  router.add(Method::kGet, "/api/v1/trash",
             [&s](auto& r, auto& w) { list_trash(s, r, w); }, {.name = "trash.list"});
  router.add(Method::kPost, "/api/v1/trash/{uid}/restore",
             [&s](auto& r, auto& w) { restore_study(s, r, w); }, {.name = "trash.restore"});
  router.add(Method::kGet, "/api/v1/audit",
             [&s](auto& r, auto& w) { audit_list(s, r, w); }, {.name = "audit.list"});
}

}  // namespace custos::api
