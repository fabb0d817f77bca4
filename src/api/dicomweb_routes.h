// Handlers of the DICOMweb routes (PS3.18), one file per service; the table is in
// dicomweb_routes.cc.
#pragma once

#include "api/services.h"
#include "net/http/request.h"
#include "net/http/response.h"

namespace custos::api {

enum class QidoAt { kStudies, kSeries, kInstances };
void qido(Services& s, http::Request& r, http::ResponseWriter& w, QidoAt level);

void wado_retrieve(Services& s, http::Request& r, http::ResponseWriter& w);
void wado_metadata(Services& s, http::Request& r, http::ResponseWriter& w);
void wado_frames(Services& s, http::Request& r, http::ResponseWriter& w);
void wado_bulk(Services& s, http::Request& r, http::ResponseWriter& w);
// thumbnail: a small image (viewport default 128x128) of an instance, or of the middle
// instance of a series or of a study's first series.
void wado_rendered(Services& s, http::Request& r, http::ResponseWriter& w, bool thumbnail);

void stow(Services& s, http::Request& r, http::ResponseWriter& w);

}  // namespace custos::api
