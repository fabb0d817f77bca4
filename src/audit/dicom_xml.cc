// DICOM PS3.15 A.5 audit messages from audit entries. Element order follows the A.5.1
// schema (its RELAX NG groups are ordered); the participants and objects follow the
// A.5.3 message definitions as far as an entry carries the information.
#include "audit/dicom_xml.h"

#include <array>
#include <vector>

#include "audit/sealer.h"

namespace custos::audit {
namespace {

constexpr CodedValue kApplicationActivity{"110100", "DCM", "Application Activity"};
constexpr CodedValue kAuditLogUsed{"110101", "DCM", "Audit Log Used"};
constexpr CodedValue kInstancesAccessed{"110103", "DCM", "DICOM Instances Accessed"};
constexpr CodedValue kInstancesTransferred{"110104", "DCM", "DICOM Instances Transferred"};
constexpr CodedValue kStudyDeleted{"110105", "DCM", "DICOM Study Deleted"};
constexpr CodedValue kExport{"110106", "DCM", "Export"};
constexpr CodedValue kImport{"110107", "DCM", "Import"};
constexpr CodedValue kQuery{"110112", "DCM", "Query"};
constexpr CodedValue kSecurityAlert{"110113", "DCM", "Security Alert"};
constexpr CodedValue kUserAuthentication{"110114", "DCM", "User Authentication"};

constexpr CodedValue kApplicationStart{"110120", "DCM", "Application Start"};
constexpr CodedValue kApplicationStop{"110121", "DCM", "Application Stop"};
constexpr CodedValue kLogin{"110122", "DCM", "Login"};
constexpr CodedValue kLogout{"110123", "DCM", "Logout"};
constexpr CodedValue kSecurityConfiguration{"110129", "DCM", "Security Configuration"};
constexpr CodedValue kSoftwareConfiguration{"110131", "DCM", "Software Configuration"};
constexpr CodedValue kObjectSecurityChanged{"110135", "DCM", "Object Security Attributes Changed"};
constexpr CodedValue kUserSecurityChanged{"110137", "DCM", "User Security Attributes Changed"};

constexpr CodedValue kRoleApplication{"110150", "DCM", "Application"};
constexpr CodedValue kRoleLauncher{"110151", "DCM", "Application Launcher"};
constexpr CodedValue kRoleDestination{"110152", "DCM", "Destination Role ID"};
constexpr CodedValue kRoleSource{"110153", "DCM", "Source Role ID"};

constexpr CodedValue kStudyInstanceUid{"110180", "DCM", "Study Instance UID"};
constexpr CodedValue kSearchCriteria{"10", "RFC-3881", "Search Criteria"};
constexpr CodedValue kUri{"12", "RFC-3881", "URI"};

// The shape of the message: which participants take which roles, which objects appear.
enum class Shape {
  kAccess,
  kTransferIn,
  kTransferOut,
  kImport,
  kExport,
  kDeleted,
  kQuery,
  kLogin,
  kSecurity,
  kAuditLog,
  kApplication
};

struct Classified {
  Shape shape;
  EventMapping mapping;
};

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> suffixes) {
  for (auto x : suffixes) {
    if (s == x.substr(1) || s.ends_with(x)) return true;
  }
  return false;
}

Classified classify(const Entry& e) {
  const std::string_view a = e.action;
  const bool network = e.origin.kind != OriginKind::kTerminal;
  if (a == "import") {
    return network ? Classified{Shape::kTransferIn, {kInstancesTransferred, 'C', {}}}
                   : Classified{Shape::kImport, {kImport, 'C', {}}};
  }
  if (a == "export" || a == "send" || a == "package") {
    return e.origin.kind == OriginKind::kDicom || a == "send"
               ? Classified{Shape::kTransferOut, {kInstancesTransferred, 'R', {}}}
               : Classified{Shape::kExport, {kExport, 'R', {}}};
  }
  if (a.starts_with("login.") || a == "login")
    return {Shape::kLogin, {kUserAuthentication, 'E', kLogin}};
  if (a.starts_with("logout")) return {Shape::kLogin, {kUserAuthentication, 'E', kLogout}};
  if (a.starts_with("audit.")) return {Shape::kAuditLog, {kAuditLogUsed, 'R', {}}};
  if (a.starts_with("passphrase.") || a.starts_with("key.") || a.starts_with("recovery.")) {
    return {Shape::kSecurity, {kSecurityAlert, 'E', kSecurityConfiguration}};
  }
  if (a.starts_with("config."))
    return {Shape::kSecurity, {kSecurityAlert, 'E', kSoftwareConfiguration}};
  if (a.starts_with("share.") || a.starts_with("token.")) {
    return {Shape::kSecurity, {kSecurityAlert, 'E', kObjectSecurityChanged}};
  }
  if (a.starts_with("user."))
    return {Shape::kSecurity, {kSecurityAlert, 'E', kUserSecurityChanged}};
  if (a.starts_with("security.")) return {Shape::kSecurity, {kSecurityAlert, 'E', {}}};
  if (ends_with_any(a, {".delete"})) return {Shape::kDeleted, {kStudyDeleted, 'D', {}}};
  if (ends_with_any(a, {".list", ".search", ".query"})) return {Shape::kQuery, {kQuery, 'E', {}}};
  if (a == "verify" || ends_with_any(a, {".show", ".read", ".view", ".download"})) {
    return {Shape::kAccess, {kInstancesAccessed, 'R', {}}};
  }
  if (ends_with_any(a, {".start", ".open"}) || a == "init") {
    return {Shape::kApplication, {kApplicationActivity, 'E', kApplicationStart}};
  }
  if (ends_with_any(a, {".stop", ".close"})) {
    return {Shape::kApplication, {kApplicationActivity, 'E', kApplicationStop}};
  }
  return {Shape::kApplication, {kApplicationActivity, 'E', {}}};
}

// Replaces what XML 1.0 cannot carry (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF)
// and escapes markup. Input is UTF-8 (entries are normalised).
void append_escaped(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&apos;";
        continue;
      case '\t':
        out += "&#9;";
        continue;
      case '\n':
        out += "&#10;";
        continue;
      case '\r':
        out += "&#13;";
        continue;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20) {
      out += "\xEF\xBF\xBD";
    } else if (u == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
               (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE) {
      out += "\xEF\xBF\xBD";
      i += 2;
    } else {
      out += c;
    }
  }
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& open(std::string_view name) {
    out_ += '<';
    out_ += name;
    return *this;
  }
  Writer& attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    append_escaped(out_, value);
    out_ += '"';
    return *this;
  }
  void end_start() { out_ += '>'; }
  void end_empty() { out_ += "/>"; }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  void text(std::string_view value) { append_escaped(out_, value); }
  void coded(std::string_view element, const CodedValue& c) {
    open(element)
        .attr("csd-code", c.code)
        .attr("codeSystemName", c.system)
        .attr("originalText", c.meaning)
        .end_empty();
  }

 private:
  std::string& out_;
};

struct Participant {
  std::string user_id;
  std::string alternative_user_id;
  bool requestor = false;
  std::string access_point;
  int access_point_type = 0;  // 1 machine name, 2 IP address
  std::vector<CodedValue> roles;
};

void write_participant(Writer& w, const Participant& p) {
  w.open("ActiveParticipant").attr("UserID", p.user_id);
  if (!p.alternative_user_id.empty()) w.attr("AlternativeUserID", p.alternative_user_id);
  w.attr("UserIsRequestor", p.requestor ? "true" : "false");
  if (!p.access_point.empty()) {
    w.attr("NetworkAccessPointID", p.access_point)
        .attr("NetworkAccessPointTypeCode", p.access_point_type == 2 ? "2" : "1");
  }
  if (p.roles.empty()) return w.end_empty();
  w.end_start();
  for (const auto& r : p.roles) w.coded("RoleIDCode", r);
  w.close("ActiveParticipant");
}

struct Object {
  std::string id;
  std::string_view type_code;  // 1 person, 2 system object
  std::string_view role;       // ParticipantObjectTypeCodeRole
  CodedValue id_type;
  std::string name;
  std::string query;  // raw; written base64-encoded
  std::string alert;  // "Alert Description" detail; written base64-encoded
  const std::vector<std::string>* instances = nullptr;
};

void write_object(Writer& w, const Object& o) {
  w.open("ParticipantObjectIdentification")
      .attr("ParticipantObjectID", o.id)
      .attr("ParticipantObjectTypeCode", o.type_code)
      .attr("ParticipantObjectTypeCodeRole", o.role)
      .end_start();
  w.coded("ParticipantObjectIDTypeCode", o.id_type);
  if (!o.name.empty()) {
    w.open("ParticipantObjectName").end_start();
    w.text(o.name);
    w.close("ParticipantObjectName");
  } else if (!o.query.empty()) {
    w.open("ParticipantObjectQuery").end_start();
    w.text(base64_encode(std::as_bytes(std::span(o.query.data(), o.query.size()))));
    w.close("ParticipantObjectQuery");
  }
  if (!o.alert.empty()) {
    w.open("ParticipantObjectDetail")
        .attr("type", "Alert Description")
        .attr("value", base64_encode(std::as_bytes(std::span(o.alert.data(), o.alert.size()))))
        .end_empty();
  }
  if (o.instances != nullptr && !o.instances->empty()) {
    w.open("ParticipantObjectDescription").end_start();
    w.open("SOPClass").attr("NumberOfInstances", std::to_string(o.instances->size())).end_start();
    for (const auto& uid : *o.instances) w.open("Instance").attr("UID", uid).end_empty();
    w.close("SOPClass");
    w.close("ParticipantObjectDescription");
  }
  w.close("ParticipantObjectIdentification");
}

Participant requestor_of(const Entry& e, const DicomXmlOptions& options) {
  Participant p;
  p.user_id = e.actor.id.empty() ? std::string(to_string(e.actor.kind)) : e.actor.id;
  p.requestor = true;
  if (e.actor.kind == ActorKind::kDicomAe || !e.origin.calling_ae.empty()) {
    // A.5.2.2: a DICOM participant's AE titles go in AlternativeUserID.
    p.alternative_user_id =
        "AETITLES=" + (e.origin.calling_ae.empty() ? e.actor.id : e.origin.calling_ae);
  }
  if (!e.origin.ip.empty()) {
    p.access_point = e.origin.ip;
    p.access_point_type = 2;
  } else if (!e.origin.host.empty()) {
    p.access_point = e.origin.host;
    p.access_point_type = 1;
  } else if (e.origin.kind == OriginKind::kTerminal) {
    p.access_point = options.application_host.empty() ? "localhost" : options.application_host;
    p.access_point_type = 1;
  }
  return p;
}

}  // namespace

EventMapping map_event(const Entry& entry) { return classify(entry).mapping; }

int outcome_indicator(const Entry& entry, const EventMapping& mapping) {
  switch (entry.outcome) {
    case Outcome::kSuccess:
      return 0;
    case Outcome::kPartial:
      return 4;
    case Outcome::kFailure:
      return mapping.event_id.code == kSecurityAlert.code ? 12 : 8;
  }
  return 8;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  append_escaped(out, text);
  return out;
}

std::string dicom_audit_message(const Entry& e, const DicomXmlOptions& options) {
  const Classified c = classify(e);
  const EventMapping& m = c.mapping;
  std::string out;
  Writer w(out);
  w.open("AuditMessage").end_start();

  const char action[2] = {m.action_code, '\0'};
  w.open("EventIdentification")
      .attr("EventActionCode", action)
      .attr("EventDateTime", e.time)
      .attr("EventOutcomeIndicator", std::to_string(outcome_indicator(e, m)))
      .end_start();
  w.coded("EventID", m.event_id);
  if (m.type_code) w.coded("EventTypeCode", *m.type_code);
  // The custos action itself, as an implementation-defined type code, so nothing of the
  // entry is lost; left out where A.5.3 enumerates the only allowed type codes.
  const bool enumerated_types =
      c.shape == Shape::kLogin || (c.shape == Shape::kApplication && m.type_code.has_value());
  if (!enumerated_types) w.coded("EventTypeCode", CodedValue{e.action, "custos", e.action});
  if (!e.detail.empty()) {
    w.open("EventOutcomeDescription").end_start();
    w.text(e.detail);
    w.close("EventOutcomeDescription");
  }
  w.close("EventIdentification");

  Participant requestor = requestor_of(e, options);
  Participant app{options.application_id,
                  "",
                  false,
                  options.application_host,
                  options.application_host.empty() ? 0 : 1,
                  {}};
  switch (c.shape) {
    case Shape::kQuery:
    case Shape::kTransferIn:
      requestor.roles = {kRoleSource};
      app.roles = {kRoleDestination};
      break;
    case Shape::kTransferOut:
      requestor.roles = {kRoleDestination};
      app.roles = {kRoleSource};
      break;
    case Shape::kImport:
      requestor.roles = {kRoleDestination};
      app.roles = {kRoleDestination};
      break;
    case Shape::kExport:
      requestor.roles = {kRoleSource};
      app.roles = {kRoleSource};
      break;
    case Shape::kApplication:
      requestor.roles = {kRoleLauncher};
      app.roles = {kRoleApplication};
      break;
    default:
      break;
  }
  write_participant(w, requestor);
  write_participant(w, app);

  w.open("AuditSourceIdentification").attr("AuditSourceID", options.audit_source_id).end_start();
  w.open("AuditSourceTypeCode").attr("csd-code", "4").end_empty();  // application server
  w.close("AuditSourceIdentification");

  const bool alert = c.shape == Shape::kSecurity;
  const std::string alert_text = e.detail.empty() ? e.action : e.detail;
  if (c.shape == Shape::kQuery) {
    write_object(w, Object{"custos:" + e.action, "2", "3", kSearchCriteria, "",
                           e.detail.empty() ? e.action : e.detail, "", nullptr});
  }
  if (c.shape == Shape::kAuditLog) {
    write_object(w, Object{"custos:audit", "2", "13", kUri, "Security Audit Log", "", "", nullptr});
  }
  if (alert && e.uids.studies.empty()) {
    write_object(w, Object{"custos:vault", "2", "13", kUri, "", "", alert_text, nullptr});
  }
  if (c.shape != Shape::kLogin && c.shape != Shape::kAuditLog) {
    const bool one_study = e.uids.studies.size() == 1;
    for (const auto& study : e.uids.studies) {
      write_object(
          w, Object{study, "2", "3", kStudyInstanceUid, "", "", alert ? alert_text : std::string(),
                    one_study ? &e.uids.instances : nullptr});
    }
  }
  w.close("AuditMessage");
  return out;
}

std::string to_dicom_audit_xml(std::span<const Entry> entries, const DicomXmlOptions& options) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n";
  for (const Entry& e : entries) {
    out += dicom_audit_message(e, options);
    out += '\n';
  }
  out += "</AuditMessages>\n";
  return out;
}

}  // namespace custos::audit
