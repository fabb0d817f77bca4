// export: the originals, bit for bit, into DIR/YYYY-MM-DD_BodyPart_Modality/DICOM/, each
// checked against its SHA-256 while it is copied; on request a SHA256SUMS file per study
// that `sha256sum -c` accepts.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <map>
#include <set>

#include "base/posix_file.h"
#include "vault/vault.h"

namespace custos::vault {
namespace fs = std::filesystem;

// One study to export: its rows and the instances chosen, by series.
struct StudyPlan {
  index::StudyRow study;
  std::vector<index::SeriesRow> series;
  std::map<std::string, std::vector<index::InstanceRow>> instances;  // by series UID
};

namespace {

std::string zero_pad(long v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*ld", width, v);
  return buf;
}

}  // namespace

Result<ExportSummary> Vault::export_to(const Caller& caller, std::span<const std::string> uids,
                                       const fs::path& out, const ExportOptions& options,
                                       ProgressObserver* progress) {
  if (auto s = require(caller, Permission::kRead, "export"); !s) return fail(s.error());
  if (uids.empty()) return fail(ErrorCode::kInvalidArgument, "export needs at least one UID");
  // Resolve every UID to the instances it covers, grouped by study.
  std::map<std::string, StudyPlan> plans;
  std::set<std::string> wanted_sops;  // when only some instances of a series are asked for
  std::set<std::string> whole_series;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto add_study = [&](const std::string& study_uid) -> Status {
      if (plans.contains(study_uid)) return {};
      auto st = txn.study(study_uid);
      if (!st) return fail(st.error());
      if (!*st) return fail(ErrorCode::kNotFound, "study " + study_uid + " is not in the vault");
      StudyPlan plan;
      plan.study = **st;
      auto series = txn.series_of(study_uid);
      if (!series) return fail(series.error());
      plan.series = std::move(*series);
      for (const auto& se : plan.series) {
        auto inst = txn.instances_in(study_uid, se.series_uid);
        if (!inst) return fail(inst.error());
        plan.instances[se.series_uid] = std::move(*inst);
      }
      plans.emplace(study_uid, std::move(plan));
      return {};
    };
    for (const auto& uid : uids) {
      auto shown = [&]() -> Result<std::vector<std::string>> {
        if (auto st = txn.study(uid); st && *st) return std::vector<std::string>{uid};
        if (auto se = txn.series(uid); se && *se) {
          whole_series.insert(uid);
          return std::vector<std::string>{(*se)->study_uid};
        }
        if (auto in = txn.instances_by_sop(uid); in && !in->empty()) {
          wanted_sops.insert(uid);
          return std::vector<std::string>{in->front().study_uid};
        }
        auto studies = txn.studies_of_patient(uid);
        if (studies && !studies->empty()) {
          std::vector<std::string> all;
          for (const auto& st : *studies) all.push_back(st.study_uid);
          return all;
        }
        return fail(ErrorCode::kNotFound, "nothing in the vault has the UID or patient ID " + uid);
      }();
      if (!shown) return fail(shown.error());
      for (const auto& study_uid : *shown) {
        if (auto a = add_study(study_uid); !a) return a;
      }
    }
    return {};
  });
  if (!s) return fail(s.error());

  // A study asked for as a whole (or through its patient) keeps every instance; otherwise
  // only the series and instances named.
  std::set<std::string> whole_studies;
  for (const auto& uid : uids) {
    if (plans.contains(uid)) whole_studies.insert(uid);
  }
  for (auto& [study_uid, plan] : plans) {
    const bool by_patient = std::find(uids.begin(), uids.end(), plan.study.patient_id) != uids.end();
    if (whole_studies.contains(study_uid) || by_patient) continue;
    for (auto& [series_uid, list] : plan.instances) {
      if (whole_series.contains(series_uid)) continue;
      std::erase_if(list, [&](const index::InstanceRow& r) { return !wanted_sops.contains(r.sop_uid); });
    }
  }

  // The export is recorded before a byte is written; a failure gets a second entry.
  audit::Uids touched;
  for (const auto& [study_uid, plan] : plans) {
    touched.studies.push_back(study_uid);
    for (const auto& [series_uid, list] : plan.instances) {
      if (!list.empty()) touched.series.push_back(series_uid);
      for (const auto& r : list) touched.instances.push_back(r.sop_uid);
    }
  }
  if (auto a = record(caller, "export", touched, audit::Outcome::kSuccess, "to " + out.string()); !a) {
    return fail(a.error());
  }
  auto result = export_plans(plans, out, options, progress);
  if (!result || !result->failed.empty()) {
    (void)record(caller, "export", std::move(touched),
                 result ? audit::Outcome::kPartial : audit::Outcome::kFailure,
                 result ? std::to_string(result->failed.size()) + " objects failed verification"
                        : result.error().message);
  }
  return result;
}

Result<ExportSummary> Vault::export_plans(const std::map<std::string, StudyPlan>& plans,
                                          const fs::path& out, const ExportOptions& options,
                                          ProgressObserver* progress) {
  if (auto d = make_dirs(out); !d) return fail(d.error());
  ExportSummary summary;
  summary.out_dir = out.string();
  long total_files = 0;
  std::uint64_t total_bytes = 0;
  for (const auto& [_, plan] : plans) {
    for (const auto& [__, list] : plan.instances) {
      total_files += static_cast<long>(list.size());
      for (const auto& r : list) total_bytes += r.size;
    }
  }
  if (progress) progress->on_start(total_files, total_bytes);

  // Deterministic order: by date, then UID; folder names made unique within this export.
  std::vector<const StudyPlan*> ordered;
  for (const auto& [_, plan] : plans) ordered.push_back(&plan);
  std::sort(ordered.begin(), ordered.end(), [](const StudyPlan* a, const StudyPlan* b) {
    return std::tie(a->study.study_date, a->study.study_uid) <
           std::tie(b->study.study_date, b->study.study_uid);
  });
  std::set<std::string> used_folders;
  for (const StudyPlan* plan : ordered) {
    std::string folder = study_folder_name(plan->study);
    for (int n = 2; used_folders.contains(folder); ++n) {
      folder = study_folder_name(plan->study) + "_" + std::to_string(n);
    }
    used_folders.insert(folder);
    ExportedStudy exported{plan->study.study_uid, folder, 0};
    std::string sums;
    long series_index = 0;
    std::set<std::string> used_series_dirs;
    for (const auto& se : plan->series) {
      ++series_index;
      const auto& list = plan->instances.at(se.series_uid);
      if (list.empty()) continue;
      const std::string base_dir =
          "SE" + zero_pad(se.series_number.value_or(series_index), 4) +
          (se.modality.empty() ? "" : "_" + sanitize_component(se.modality));
      // Two series with the same number and modality must not share a folder (their
      // IM files would overwrite each other).
      std::string series_dir = base_dir;
      for (int n = 2; used_series_dirs.contains(series_dir); ++n) {
        series_dir = base_dir + "_" + std::to_string(n);
      }
      used_series_dirs.insert(series_dir);
      const fs::path dir = out / folder / "DICOM" / series_dir;
      if (auto d = make_dirs(dir); !d) return fail(d.error());
      std::set<std::string> names;
      long position = 0;
      for (const auto& inst : list) {
        ++position;
        std::string base = "IM" + zero_pad(inst.instance_number.value_or(position), 4);
        std::string name = base + ".dcm";
        for (int v = 2; names.contains(name); ++v) name = base + "_v" + std::to_string(v) + ".dcm";
        names.insert(name);
        const fs::path target = dir / name;
        const fs::path partial = dir / ("." + name + ".partial");
        ::unlink(partial.c_str());
        auto fd = create_exclusive(partial);
        if (!fd) return fail(fd.error());
        const Status copied = read_instance(inst.sha256, [&](std::span<const std::byte> c) {
          return write_all(fd->get(), c, partial);
        });
        if (!copied) {
          ::unlink(partial.c_str());
          if (copied.error().code == ErrorCode::kCorruption ||
              copied.error().code == ErrorCode::kNotFound) {
            summary.failed.push_back({inst.sop_uid, copied.error().message});
            continue;
          }
          return fail(copied.error());
        }
        if (auto r = rename_file(partial, target); !r) return fail(r.error());
        const std::string rel = (fs::path("DICOM") / series_dir / name).generic_string();
        sums += inst.sha256 + "  " + rel + "\n";
        ++exported.instances;
        ++summary.files_written;
        summary.bytes_written += inst.size;
        if (progress) progress->on_progress(summary.files_written, summary.bytes_written);
      }
    }
    if (options.manifest) {
      if (auto w = write_file_atomic(out / folder / "SHA256SUMS", as_bytes(sums)); !w) {
        return fail(w.error());
      }
    }
    summary.studies.push_back(std::move(exported));
  }
  if (progress) progress->on_finish();
  return summary;
}

}  // namespace custos::vault
