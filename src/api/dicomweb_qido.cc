// QIDO-RS: search at the study, series and instance levels, flat and nested.
#include "api/dicomweb_routes.h"
#include "api/dicomweb_support.h"
#include "api/guard.h"
#include "api/respond.h"
#include "dicomweb/qido.h"
#include "dicomweb/qido_query.h"

namespace custos::api {

void qido(Services& s, http::Request& r, http::ResponseWriter& w, QidoAt at) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  const auto level = at == QidoAt::kStudies  ? dicomweb::QueryLevel::kStudy
                     : at == QidoAt::kSeries ? dicomweb::QueryLevel::kSeries
                                             : dicomweb::QueryLevel::kInstance;
  auto query = dicomweb::parse_qido_query(level, std::string(r.param("study")),
                                          std::string(r.param("series")), r.query());
  if (!query) return send_error(w, query.error());
  dicomweb::QidoRows rows;
  auto st = s.vault.browse(who->caller, [&](index::ReadTxn& txn) -> Status {
    auto got = dicomweb::read_qido_rows(txn, *query);
    if (!got) return fail(got.error());
    rows = std::move(*got);
    return {};
  });
  if (!st) return send_error(w, st.error());
  const std::string body = dicomweb::qido_json(*query, rows, {dicomweb_base(r)});
  // The audit names the studies the search could show (the answer is a subset of them).
  audit::Uids uids;
  for (const auto& study : rows.studies) uids.studies.push_back(study.study_uid);
  if (uids.studies.size() > audit::kMaxUidsPerEntry) {
    uids.omitted = uids.studies.size() - audit::kMaxUidsPerEntry;
    uids.studies.resize(audit::kMaxUidsPerEntry);
  }
  s.reads.note(who->caller, "dicomweb.search", uids);
  (void)w.send(200, "application/dicom+json", body);
}

}  // namespace custos::api
