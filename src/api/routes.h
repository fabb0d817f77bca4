// The server's route table, one function per group, each a flat list of
// router.add(method, pattern, handler) lines (docs/api/openapi.yaml documents them).
#pragma once

#include <filesystem>

#include "api/services.h"
#include "net/http/server.h"

namespace custos::api {

void add_session_routes(http::Router& router, Services& s);   // /api/v1/session
void add_library_routes(http::Router& router, Services& s);   // studies, series, audit
void add_import_routes(http::Router& router, Services& s);    // /api/v1/imports
void add_admin_routes(http::Router& router, Services& s);     // users, tokens
void add_person_routes(http::Router& router, Services& s);    // /api/v1/person-links
void add_dicomweb_routes(http::Router& router, Services& s);  // /dicom-web (PS3.18)
// The web app's built files under `root` (web/dist), and index.html for its own paths.
void add_static_routes(http::Router& router, const std::filesystem::path& root);

}  // namespace custos::api
