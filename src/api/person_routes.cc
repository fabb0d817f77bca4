// Person links over REST (docs/adr/0012-person-links.md): the persons the owner confirmed
// (several hospitals' Patient IDs of one human being) and the links the vault suggests. The
// vault checks the role (owner changes; everyone reads) and audits every call.
#include "api/guard.h"
#include "api/respond.h"
#include "api/routes.h"

namespace custos::api {
namespace {

using nlohmann::ordered_json;

ordered_json patient_json(const vault::PersonPatient& p) {
  return {{"patient_id", p.key.patient_id}, {"name", p.key.name},
          {"birth_date", p.key.birth_date}, {"studies", p.studies}};
}

ordered_json person_json(const vault::Person& p) {
  ordered_json patients = ordered_json::array();
  for (const auto& m : p.patients) patients.push_back(patient_json(m));
  return {{"id", p.id}, {"patients", patients}, {"confirmed_by", p.confirmed_by},
          {"confirmed_at", p.confirmed_at}};
}

// {"patients":[{"patient_id","name","birth_date"}, ...]} -> keys. On failure the 400 has
// been sent. "issuer" is accepted and ignored: the index keeps no Issuer of Patient ID.
std::optional<std::vector<vault::PatientKey>> read_patients(http::Request& r,
                                                            http::ResponseWriter& w) {
  auto body = read_json_body(r, w);
  if (!body) return std::nullopt;
  const auto it = body->find("patients");
  std::vector<vault::PatientKey> keys;
  if (it != body->end() && it->is_array() && it->size() <= 1000) {
    for (const auto& p : *it) {
      const auto id = p.is_object() ? json_text(p, "patient_id") : std::nullopt;
      if (!id) {
        keys.clear();
        break;
      }
      keys.push_back({*id, json_text(p, "name").value_or(""), json_text(p, "birth_date").value_or("")});
    }
  }
  if (keys.empty()) {
    send_error(w, 400, "invalid_argument",
               "send {\"patients\": [{\"patient_id\", \"name\", \"birth_date\"}, ...]}");
    return std::nullopt;
  }
  return keys;
}

void list_links(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto links = s.vault.person_links(who->caller);
  if (!links) return send_error(w, links.error());
  ordered_json out{{"persons", ordered_json::array()}, {"suggestions", ordered_json::array()}};
  for (const auto& p : links->persons) out["persons"].push_back(person_json(p));
  for (const auto& g : links->suggestions) {
    ordered_json patients = ordered_json::array();
    for (const auto& m : g.patients) patients.push_back(patient_json(m));
    out["suggestions"].push_back({{"patients", patients}});
  }
  send_json(w, 200, out);
}

void link(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto keys = read_patients(r, w);
  if (!keys) return;
  auto person = s.vault.link_persons(who->caller, *keys);
  if (!person) return send_error(w, person.error());
  send_json(w, 201, person_json(*person));
}

void dismiss(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  auto keys = read_patients(r, w);
  if (!keys) return;
  if (auto st = s.vault.dismiss_persons(who->caller, *keys); !st) return send_error(w, st.error());
  (void)w.send(204, "application/json", "");
}

void unlink(Services& s, http::Request& r, http::ResponseWriter& w) {
  auto who = authenticate(s, r, w);
  if (!who) return;
  std::optional<vault::PatientKey> one;
  if (auto id = r.query_value("patient_id")) {
    one = vault::PatientKey{*id, r.query_value("name").value_or(""),
                            r.query_value("birth_date").value_or("")};
  }
  if (auto st = s.vault.unlink_person(who->caller, std::string(r.param("id")), one); !st) {
    return send_error(w, st.error());
  }
  (void)w.send(204, "application/json", "");
}

}  // namespace

void add_person_routes(http::Router& router, Services& s) {
  using http::Method;
  router.add(Method::kGet, "/api/v1/person-links",
             [&s](auto& r, auto& w) { list_links(s, r, w); }, {.name = "person_links.list"});
  router.add(Method::kPost, "/api/v1/person-links",
             [&s](auto& r, auto& w) { link(s, r, w); }, {.name = "person_links.link"});
  router.add(Method::kPost, "/api/v1/person-links/dismissals",
             [&s](auto& r, auto& w) { dismiss(s, r, w); }, {.name = "person_links.dismiss"});
  router.add(Method::kDelete, "/api/v1/person-links/{id}",
             [&s](auto& r, auto& w) { unlink(s, r, w); }, {.name = "person_links.unlink"});
}

}  // namespace custos::api
