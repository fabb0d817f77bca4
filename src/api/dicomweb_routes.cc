// The DICOMweb route table (PS3.18): QIDO-RS, WADO-RS, STOW-RS under /dicom-web.
#include "api/dicomweb_routes.h"

#include "api/routes.h"

namespace custos::api {

void add_dicomweb_routes(http::Router& router, Services& s) {
  using http::Method;
  const std::string st = "/dicom-web/studies/{study}";
  const std::string se = st + "/series/{series}";
  const std::string in = se + "/instances/{instance}";
  auto q = [&s](QidoAt level) {
    return [&s, level](http::Request& r, http::ResponseWriter& w) { qido(s, r, w, level); };
  };
  auto h = [&s](void (*fn)(Services&, http::Request&, http::ResponseWriter&)) {
    return [&s, fn](http::Request& r, http::ResponseWriter& w) { fn(s, r, w); };
  };
  auto rendered = [&s](bool thumbnail) {
    return [&s, thumbnail](http::Request& r, http::ResponseWriter& w) {
      wado_rendered(s, r, w, thumbnail);
    };
  };
  // QIDO-RS
  router.add(Method::kGet, "/dicom-web/studies", q(QidoAt::kStudies), {.name = "qido.studies"});
  router.add(Method::kGet, "/dicom-web/series", q(QidoAt::kSeries), {.name = "qido.series"});
  router.add(Method::kGet, "/dicom-web/instances", q(QidoAt::kInstances), {.name = "qido.instances"});
  router.add(Method::kGet, st + "/series", q(QidoAt::kSeries), {.name = "qido.study.series"});
  router.add(Method::kGet, st + "/instances", q(QidoAt::kInstances), {.name = "qido.study.instances"});
  router.add(Method::kGet, se + "/instances", q(QidoAt::kInstances), {.name = "qido.series.instances"});
  // WADO-RS
  router.add(Method::kGet, st, h(wado_retrieve), {.name = "wado.study"});
  router.add(Method::kGet, se, h(wado_retrieve), {.name = "wado.series"});
  router.add(Method::kGet, in, h(wado_retrieve), {.name = "wado.instance"});
  router.add(Method::kGet, st + "/metadata", h(wado_metadata), {.name = "wado.study.metadata"});
  router.add(Method::kGet, se + "/metadata", h(wado_metadata), {.name = "wado.series.metadata"});
  router.add(Method::kGet, in + "/metadata", h(wado_metadata), {.name = "wado.instance.metadata"});
  router.add(Method::kGet, in + "/frames/{frames}", h(wado_frames), {.name = "wado.frames"});
  router.add(Method::kGet, in + "/bulk/{a}", h(wado_bulk), {.name = "wado.bulk"});
  router.add(Method::kGet, in + "/bulk/{a}/{b}/{c}", h(wado_bulk), {.name = "wado.bulk"});
  router.add(Method::kGet, in + "/bulk/{a}/{b}/{c}/{d}/{e}", h(wado_bulk), {.name = "wado.bulk"});
  router.add(Method::kGet, in + "/rendered", rendered(false), {.name = "wado.rendered"});
  router.add(Method::kGet, in + "/frames/{frames}/rendered", rendered(false), {.name = "wado.frame.rendered"});
  router.add(Method::kGet, in + "/thumbnail", rendered(true), {.name = "wado.thumbnail"});
  router.add(Method::kGet, in + "/frames/{frames}/thumbnail", rendered(true), {.name = "wado.frame.thumbnail"});
  router.add(Method::kGet, se + "/thumbnail", rendered(true), {.name = "wado.series.thumbnail"});
  router.add(Method::kGet, st + "/thumbnail", rendered(true), {.name = "wado.study.thumbnail"});
  // STOW-RS: a study of 2,000 CT slices is a gigabyte.
  constexpr std::uint64_t kStowMax = 64ull << 30;
  router.add(Method::kPost, "/dicom-web/studies", h(stow), {.max_body_bytes = kStowMax, .name = "stow"});
  router.add(Method::kPost, st, h(stow), {.max_body_bytes = kStowMax, .name = "stow.study"});
}

}  // namespace custos::api
