// Uploads from the browser: begin an import, send files (a dropped folder as multipart form
// data, or one file or zip as the body) as many times as needed, watch progress (poll or
// server-sent events), finish and get the same summary as `custos import --json`.
#include <thread>

#include "api/guard.h"
#include "api/multipart_reader.h"
#include "api/respond.h"
#include "api/routes.h"
#include "net/http/media_type.h"
#include "vault/import_session.h"
#include "vault/report_json.h"

namespace custos::api {
namespace {

using nlohmann::ordered_json;

constexpr std::uint64_t kMaxUploadBytes = 64ull << 30;  // one request; a CD is 700 MB

ordered_json progress_json(const Upload& u) {
  std::lock_guard lock(u.state);
  ordered_json j{{"id", u.id}, {"state", u.summary ? "finished" : "open"}};
  if (u.summary) {
    j["files_done"] = u.summary->files_seen;
    j["bytes_done"] = u.summary->bytes_read;
    j["summary"] = vault::import_json(*u.summary);
  } else if (u.session) {
    const auto p = u.session->progress();
    j["files_done"] = p.files_done;
    j["bytes_done"] = p.bytes_done;
  }
  return j;
}

// A relative path as the browser gave it; never used as a file name here (only reported).
std::string clean_name(std::string name) {
  if (name.size() > 512) name.resize(512);
  for (auto& c : name) {
    if (static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  return name.empty() ? "upload" : name;
}

class BodyByteReader final : public source::ByteReader {
 public:
  explicit BodyByteReader(http::BodyReader& body) : body_(body) {}
  Result<std::size_t> read(std::span<std::byte> buf) override { return body_.read(buf); }

 private:
  http::BodyReader& body_;
};

void begin(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto session = s.vault.begin_import(who->caller, vault::ImportOptions{});
  if (!session) return send_error(w, session.error());
  auto upload = s.imports.add(who->caller.actor.id, std::move(*session));
  std::lock_guard feed(upload->feed);
  send_json(w, 201, progress_json(*upload));
}

void add_files(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto upload = s.imports.find(std::string(r.param("id")), who->caller.actor.id);
  if (!upload) return send_error(w, upload.error());
  std::lock_guard feed((*upload)->feed);
  vault::ImportSession* session = (*upload)->session.get();
  if (session == nullptr) {
    return send_error(w, 409, "conflict", "this import is finished; begin a new one");
  }
  ++(*upload)->requests;
  auto ctype = http::parse_media_type(r.header("Content-Type").value_or("application/octet-stream"));
  if (!ctype) return send_error(w, ctype.error());
  if (ctype->type == "multipart") {
    auto boundary = http::MultipartParser::boundary_of(*ctype);
    if (!boundary) return send_error(w, boundary.error());
    auto reader = MultipartReader::open(r.body(), *boundary);
    if (!reader) return send_error(w, reader.error());
    long n = 0;
    for (;;) {
      auto part = (*reader)->next_part();
      if (!part) {
        // The client went away or sent a broken body: files before it are kept.
        if (!w.started()) send_error(w, part.error());
        return;
      }
      if (!*part) break;
      ++n;
      std::string name = disposition_filename((*part)->get("content-disposition").value_or(""));
      if (name.empty()) {
        session->reject("part " + std::to_string(n), "a form part without a file name");
        continue;
      }
      session->add(clean_name(std::move(name)), **reader);
      if (session->stopped()) break;
    }
  } else {
    BodyByteReader body(r.body());
    session->add(clean_name(r.query_value("name").value_or("upload")), body,
                 r.content_length());
  }
  send_json(w, 200, progress_json(**upload));
}

void status(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto upload = s.imports.find(std::string(r.param("id")), who->caller.actor.id);
  if (!upload) return send_error(w, upload.error());
  // Progress is readable while another request feeds the session.
  send_json(w, 200, progress_json(**upload));
}

void events(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto upload = s.imports.find(std::string(r.param("id")), who->caller.actor.id);
  if (!upload) return send_error(w, upload.error());
  const bool once = r.query_value("once").has_value();
  w.set_header("Content-Type", "text/event-stream");
  w.set_header("Cache-Control", "no-store");
  if (!w.begin()) return;
  if (w.head_only()) return (void)w.end();
  // Up to an hour of events, one every half second; the page reconnects if it needs more.
  for (int i = 0; i < 7200; ++i) {
    const ordered_json j = progress_json(**upload);
    const bool done = j["state"] == "finished";
    const std::string event = std::string("event: ") + (done ? "done" : "progress") +
                              "\ndata: " + vault::dump(j, -1) + "\n\n";
    if (!w.write(std::string_view(event))) return;
    if (done || once) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  (void)w.end();
}

void finish(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto upload = s.imports.find(std::string(r.param("id")), who->caller.actor.id);
  if (!upload) return send_error(w, upload.error());
  std::lock_guard feed((*upload)->feed);
  finish_upload(**upload);
  const auto& summary = *(*upload)->summary;
  send_json(w, summary.error ? 503 : 200, vault::import_json(summary));
}

}  // namespace

void add_import_routes(http::Router& router, Services& s) {
  using http::Method;
  router.add(Method::kPost, "/api/v1/imports",
             [&s](auto& r, auto& w) { begin(s, r, w); }, {.name = "imports.begin"});
  router.add(Method::kPost, "/api/v1/imports/{id}/files",
             [&s](auto& r, auto& w) { add_files(s, r, w); },
             {.max_body_bytes = kMaxUploadBytes, .name = "imports.files"});
  router.add(Method::kGet, "/api/v1/imports/{id}",
             [&s](auto& r, auto& w) { status(s, r, w); }, {.name = "imports.status"});
  router.add(Method::kGet, "/api/v1/imports/{id}/events",
             [&s](auto& r, auto& w) { events(s, r, w); }, {.name = "imports.events"});
  router.add(Method::kPost, "/api/v1/imports/{id}/finish",
             [&s](auto& r, auto& w) { finish(s, r, w); }, {.name = "imports.finish"});
}

}  // namespace custos::api
