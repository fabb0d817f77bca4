// The trash: the owner deletes a study from the library and can undo it. Nothing is
// erased: the study's rows and original files stay, hidden from every listing, search and
// retrieval until restored (a lifetime vault must survive a wrong click).
#include "vault/vault.h"

namespace custos::vault {
namespace {

audit::Entry study_entry(const std::string& action, const std::string& study_uid) {
  audit::Entry e;
  e.action = action;
  e.uids.studies.push_back(study_uid);
  return e;
}

std::string who(const Caller& caller) {
  return std::string(caller.actor.kind == audit::ActorKind::kLocalOwner ? "local owner" : "") +
         caller.actor.id;
}

}  // namespace

Status Vault::trash_study(const Caller& caller, const std::string& study_uid) {
  if (auto s = require(caller, Permission::kDelete, "study.trash"); !s) return s;
  const std::string at = format_utc(clock_.now());
  return write_audited(caller, study_entry("study.trash", study_uid),
                       [&](index::WriteTxn& txn) {
                         return txn.set_trashed(study_uid, at, who(caller));
                       });
}

Status Vault::restore_study(const Caller& caller, const std::string& study_uid) {
  if (auto s = require(caller, Permission::kDelete, "study.restore"); !s) return s;
  return write_audited(caller, study_entry("study.restore", study_uid),
                       [&](index::WriteTxn& txn) { return txn.set_trashed(study_uid, "", ""); });
}

Result<std::vector<index::StudyRow>> Vault::trash(const Caller& caller) {
  if (auto s = require(caller, Permission::kDelete, "study.trash_list"); !s) return fail(s.error());
  std::vector<index::StudyRow> out;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto rows = txn.trashed_studies();
    if (!rows) return fail(rows.error());
    out = std::move(*rows);
    return {};
  });
  if (!s) return fail(s.error());
  return out;
}

}  // namespace custos::vault
