#include "cli/audit_command.h"

#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include "audit/checkpoint.h"
#include "audit/dicom_xml.h"
#include "base/posix_file.h"
#include "cli/output.h"

namespace custos::cli {
namespace {

int report(const Error& e) {
  std::cerr << "custos audit: " << e.message << "\n";
  return exit_status(e.code);
}

Result<std::chrono::system_clock::time_point> parse_day(const std::string& day) {
  std::tm tm{};
  if (day.size() != 10 || ::strptime(day.c_str(), "%Y-%m-%d", &tm) == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "--since wants a date as YYYY-MM-DD, not " + day);
  }
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

}  // namespace

int run_audit(vault::Vault& vault, const AuditArgs& args) {
  if (args.checkpoint) {
    auto cp = vault.audit_checkpoint();
    if (!cp) return report(cp.error());
    const std::string doc = audit::checkpoint_json(*cp) + "\n";
    if (auto s = write_file_atomic(args.out, as_bytes(doc)); !s) return report(s.error());
    std::cout << "Checkpoint of entry " << cp->seq << " written to " << args.out
              << ". Keep it outside the vault; `custos audit --verify --checkpoint " << args.out
              << "` proves the trail up to it is unchanged.\n";
    return 0;
  }
  if (args.verify) {
    std::vector<audit::Checkpoint> checkpoints;
    for (const auto& f : args.checkpoints) {
      auto text = read_small_file(f, 16 * 1024);
      if (!text) return report(text.error());
      auto cp = audit::parse_checkpoint(*text);
      if (!cp) return report(with_context(cp.error(), f));
      checkpoints.push_back(*cp);
    }
    auto r = vault.audit_verify(checkpoints);
    if (!r) return report(r.error());
    if (args.json) {
      nlohmann::ordered_json j = {{"ok", r->ok},
                                  {"entries", r->entries},
                                  {"checkpoints_checked", r->checkpoints_checked},
                                  {"summary", r->summary()}};
      if (r->first_broken) {
        j["first_broken"] = {{"seq", r->first_broken->seq},
                             {"file", r->first_broken->file},
                             {"line", r->first_broken->line},
                             {"problem", audit::to_string(r->first_broken->finding)},
                             {"message", r->first_broken->message}};
      }
      std::cout << dump(j) << "\n";
    } else {
      std::cout << r->summary() << "\n";
    }
    return r->ok ? 0 : 1;
  }
  audit::ListFilter filter;
  if (!args.since.empty()) {
    auto t = parse_day(args.since);
    if (!t) return report(t.error());
    filter.since = *t;
  }
  filter.study_uid = args.study;
  filter.action = args.action;
  filter.limit = args.limit;
  filter.most_recent = args.limit > 0;
  auto entries = vault.audit_entries(filter);
  if (!entries) return report(entries.error());
  if (args.export_dicom) {
    const std::string xml = audit::to_dicom_audit_xml(*entries, {});
    if (args.out.empty()) {
      std::cout << xml;
    } else if (auto s = write_file_atomic(args.out, as_bytes(xml)); !s) {
      return report(s.error());
    }
    return 0;
  }
  if (args.json) {
    auto a = nlohmann::ordered_json::array();
    for (const auto& e : *entries) a.push_back(vault::audit_entry_json(e));
    std::cout << dump(a) << "\n";
    return 0;
  }
  for (const auto& e : *entries) {
    std::string uids;
    if (!e.uids.studies.empty()) uids = fmt::format(" studies={}", e.uids.studies.size() == 1 ? e.uids.studies[0] : std::to_string(e.uids.studies.size()));
    if (!e.uids.instances.empty()) uids += fmt::format(" instances={}", e.uids.instances.size() + e.uids.omitted);
    std::cout << fmt::format("{:>6}  {}  {:<18} {:<20} {:<8} {}{}{}\n", e.seq, e.time,
                             vault::actor_text(e.actor), e.action, audit::to_string(e.outcome),
                             vault::origin_text(e.origin), uids, e.detail.empty() ? "" : "  " + e.detail);
  }
  return 0;
}

}  // namespace custos::cli
