// STOW-RS: a multipart/related body of DICOM instances into the same import pipeline as
// every other way in (same hostile-input defences; durable before the answer).
#include "api/dicomweb_routes.h"
#include "api/dicomweb_support.h"
#include "api/guard.h"
#include "api/multipart_reader.h"
#include "api/respond.h"
#include "dicomweb/stow.h"
#include "net/http/media_type.h"
#include "vault/import_session.h"

namespace custos::api {

void stow(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  // The role is checked before a byte of the body is read.
  if (auto st = s.vault.require(who->caller, vault::Permission::kImport, "dicomweb.store"); !st) {
    return send_error(w, st.error());
  }
  auto ctype = http::parse_media_type(r.header("Content-Type").value_or(""));
  if (!ctype || ctype->type != "multipart" || ctype->subtype != "related") {
    return send_error(w, 415, "unsupported_media_type",
                      "STOW-RS takes multipart/related; type=\"application/dicom\"");
  }
  auto type = ctype->params.find("type");
  if (type != ctype->params.end() && type->second != "application/dicom") {
    return send_error(w, 415, "unsupported_media_type",
                      "only application/dicom parts are stored (not " + type->second.substr(0, 60) + ")");
  }
  auto boundary = http::MultipartParser::boundary_of(*ctype);
  if (!boundary) return send_error(w, boundary.error());
  auto reader = MultipartReader::open(r.body(), *boundary);
  if (!reader) return send_error(w, reader.error());

  vault::ImportOptions options;
  options.itemize = true;
  auto session = s.vault.begin_import(who->caller, options);
  if (!session) return send_error(w, session.error());
  std::vector<std::string> names;
  for (;;) {
    auto part = (*reader)->next_part();
    if (!part) {
      // The body broke off: what was stored stays stored (and audited); the client is told.
      (void)(*session)->finish();
      if (!w.started()) send_error(w, part.error());
      return;
    }
    if (!*part) break;
    const std::string name = "part " + std::to_string(names.size() + 1);
    names.push_back(name);
    const auto part_type = http::parse_media_type((*part)->get("content-type").value_or("application/dicom"));
    if (!part_type || part_type->type != "application" || part_type->subtype != "dicom") {
      (*session)->reject(name, "not an application/dicom part");
      continue;
    }
    (*session)->add(name, **reader);
    if ((*session)->stopped()) break;
  }
  const vault::ImportSummary summary = (*session)->finish();
  if (summary.error) {
    return send_error(w, 503, "io_error", "the vault could not store the instances: " + *summary.error);
  }
  std::vector<dicomweb::StowItem> items;
  for (const auto& item : summary.items) {
    dicomweb::StowItem out;
    out.sop_class_uid = item.sop_class_uid;
    out.sop_instance_uid = item.sop_uid;
    out.study_uid = item.study_uid;
    out.series_uid = item.series_uid;
    items.push_back(std::move(out));
  }
  for (std::size_t i = 0; i < summary.rejected.size(); ++i) {
    dicomweb::StowItem out;
    out.failure = dicomweb::StowFailure::kCannotUnderstand;
    items.push_back(std::move(out));
  }
  // Parts that are not DICOM at all are failures too (nothing to keep).
  for (long i = 0; i < summary.skipped_non_dicom; ++i) {
    dicomweb::StowItem out;
    out.failure = dicomweb::StowFailure::kCannotUnderstand;
    items.push_back(std::move(out));
  }
  const std::string body =
      dicomweb::stow_response_json(items, dicomweb_base(r), std::string(r.param("study")));
  (void)w.send(dicomweb::stow_http_status(items), "application/dicom+json", body);
}

}  // namespace custos::api
