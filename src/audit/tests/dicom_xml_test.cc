// DICOM PS3.15 A.5 export: the right codes per action, escaping of every value, and XML
// that is well formed and valid against the A.5.1 schema.
#include "audit/dicom_xml.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "audit/tests/audit_test_util.h"

namespace custos::audit {
namespace {

namespace fs = std::filesystem;

// A small well-formedness check, so the test means something even where xmllint is absent:
// one root, tags nest and match, attributes are quoted and unique, and no raw '<' or '&'
// appears outside markup and entity references.
std::string well_formed(std::string_view xml) {
  std::size_t i = 0;
  if (xml.starts_with("<?xml")) i = xml.find("?>") + 2;
  std::vector<std::string> open;
  int roots = 0;
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  auto entity_ok = [&](std::size_t at) {
    const auto semi = xml.find(';', at);
    if (semi == std::string_view::npos) return false;
    const auto ent = xml.substr(at + 1, semi - at - 1);
    if (ent == "amp" || ent == "lt" || ent == "gt" || ent == "quot" || ent == "apos") return true;
    if (ent.size() > 1 && ent[0] == '#') {
      for (char c : ent.substr(1)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      }
      return true;
    }
    return false;
  };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      if (xml[i] == '&' && !entity_ok(i)) return "bad entity at " + std::to_string(i);
      if (xml[i] == '>') return "raw '>' in text at " + std::to_string(i);
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) {
        return "text outside the root at " + std::to_string(i);
      }
      ++i;
      continue;
    }
    const bool closing = xml[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < xml.size() && name_char(xml[j])) ++j;
    const std::string name(xml.substr(name_start, j - name_start));
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    if (closing) {
      if (open.empty() || open.back() != name) return "unmatched </" + name + ">";
      open.pop_back();
      if (xml[j] != '>') return "bad closing tag " + name;
      i = j + 1;
      continue;
    }
    std::vector<std::string> attrs;
    for (;;) {
      while (j < xml.size() && xml[j] == ' ') ++j;
      if (xml.substr(j, 2) == "/>" || xml[j] == '>') break;
      const std::size_t a = j;
      while (j < xml.size() && name_char(xml[j])) ++j;
      const std::string attr(xml.substr(a, j - a));
      if (attr.empty() || xml.substr(j, 2) != "=\"") return "bad attribute in <" + name + ">";
      for (const auto& seen : attrs) {
        if (seen == attr) return "duplicate attribute " + attr;
      }
      attrs.push_back(attr);
      j += 2;
      while (j < xml.size() && xml[j] != '"') {
        if (xml[j] == '<') return "raw '<' in attribute " + attr;
        if (xml[j] == '&' && !entity_ok(j)) return "bad entity in attribute " + attr;
        ++j;
      }
      ++j;
    }
    if (open.empty() && ++roots > 1) return "more than one root";
    if (xml[j] == '>') {
      open.push_back(name);
      i = j + 1;
    } else {
      i = j + 2;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return roots == 1 ? "" : "no root";
}

Entry entry(std::string action, Outcome outcome = Outcome::kSuccess) {
  Entry e = testing::make_entry(std::move(action), "", {"1.2.840.113619.2.55.3"});
  e.seq = 1;
  e.time = "2026-03-01T10:00:00.123Z";
  e.outcome = outcome;
  return e;
}

bool has(const std::string& xml, const std::string& part) {
  return xml.find(part) != std::string::npos;
}

TEST(DicomXml, EventCodesPerAction) {
  struct Case {
    std::string action;
    OriginKind origin;
    std::string event_id;
    char action_code;
    std::string type_code;  // empty: none from DCM
  };
  const Case cases[] = {
      {"import", OriginKind::kTerminal, "110107", 'C', ""},
      {"import", OriginKind::kDicom, "110104", 'C', ""},
      {"export", OriginKind::kTerminal, "110106", 'R', ""},
      {"export", OriginKind::kDicom, "110104", 'R', ""},
      {"study.show", OriginKind::kHttp, "110103", 'R', ""},
      {"instance.read", OriginKind::kHttp, "110103", 'R', ""},
      {"verify", OriginKind::kTerminal, "110103", 'R', ""},
      {"study.list", OriginKind::kHttp, "110112", 'E', ""},
      {"login.success", OriginKind::kHttp, "110114", 'E', "110122"},
      {"login.failure", OriginKind::kHttp, "110114", 'E', "110122"},
      {"logout", OriginKind::kHttp, "110114", 'E', "110123"},
      {"passphrase.change", OriginKind::kTerminal, "110113", 'E', "110129"},
      {"config.change", OriginKind::kTerminal, "110113", 'E', "110131"},
      {"share.create", OriginKind::kHttp, "110113", 'E', "110135"},
      {"security.flag", OriginKind::kTerminal, "110113", 'E', ""},
      {"audit.verify", OriginKind::kTerminal, "110101", 'R', ""},
      {"serve.start", OriginKind::kTerminal, "110100", 'E', "110120"},
      {"serve.stop", OriginKind::kTerminal, "110100", 'E', "110121"},
      {"something.else", OriginKind::kTerminal, "110100", 'E', ""},
  };
  for (const Case& c : cases) {
    Entry e = entry(c.action);
    e.origin.kind = c.origin;
    const EventMapping m = map_event(e);
    EXPECT_EQ(m.event_id.code, c.event_id) << c.action;
    EXPECT_EQ(m.action_code, c.action_code) << c.action;
    EXPECT_EQ(m.type_code ? std::string(m.type_code->code) : "", c.type_code) << c.action;
    const std::string xml = dicom_audit_message(e);
    EXPECT_TRUE(has(xml, "<EventID csd-code=\"" + c.event_id + "\" codeSystemName=\"DCM\"")) << xml;
    EXPECT_TRUE(has(xml, std::string("EventActionCode=\"") + c.action_code + "\"")) << xml;
    EXPECT_EQ(well_formed(xml), "") << xml;
  }
}

TEST(DicomXml, InstancesAccessedMessage) {
  Entry e = entry("study.show");
  e.actor = Actor{ActorKind::kUser, "alice"};
  e.origin = Origin{OriginKind::kHttp, "192.0.2.7", "Mozilla", "", ""};
  e.uids.instances = {"1.2.3.1", "1.2.3.2"};
  const std::string xml = dicom_audit_message(e);
  EXPECT_TRUE(has(xml,
                  "<EventIdentification EventActionCode=\"R\" "
                  "EventDateTime=\"2026-03-01T10:00:00.123Z\" EventOutcomeIndicator=\"0\">"))
      << xml;
  EXPECT_TRUE(has(xml, "originalText=\"DICOM Instances Accessed\"/>"));
  EXPECT_TRUE(has(xml,
                  "<ActiveParticipant UserID=\"alice\" UserIsRequestor=\"true\" "
                  "NetworkAccessPointID=\"192.0.2.7\" NetworkAccessPointTypeCode=\"2\"/>"))
      << xml;
  EXPECT_TRUE(has(xml, "<ActiveParticipant UserID=\"custos\" UserIsRequestor=\"false\"/>"));
  EXPECT_TRUE(has(xml,
                  "<AuditSourceIdentification AuditSourceID=\"custos\">"
                  "<AuditSourceTypeCode csd-code=\"4\"/></AuditSourceIdentification>"));
  EXPECT_TRUE(has(xml,
                  "<ParticipantObjectIdentification "
                  "ParticipantObjectID=\"1.2.840.113619.2.55.3\" "
                  "ParticipantObjectTypeCode=\"2\" ParticipantObjectTypeCodeRole=\"3\">"
                  "<ParticipantObjectIDTypeCode csd-code=\"110180\" codeSystemName=\"DCM\" "
                  "originalText=\"Study Instance UID\"/>"))
      << xml;
  EXPECT_TRUE(has(xml, "<SOPClass NumberOfInstances=\"2\"><Instance UID=\"1.2.3.1\"/>"));
  EXPECT_TRUE(has(xml, "<EventTypeCode csd-code=\"study.show\" codeSystemName=\"custos\""));
}

TEST(DicomXml, OutcomesAndRoles) {
  EXPECT_TRUE(
      has(dicom_audit_message(entry("import", Outcome::kPartial)), "EventOutcomeIndicator=\"4\""));
  EXPECT_TRUE(has(dicom_audit_message(entry("login.failure", Outcome::kFailure)),
                  "EventOutcomeIndicator=\"8\""));
  EXPECT_TRUE(has(dicom_audit_message(entry("security.flag", Outcome::kFailure)),
                  "EventOutcomeIndicator=\"12\""));
  const std::string query = dicom_audit_message(entry("study.list"));
  EXPECT_TRUE(
      has(query, "csd-code=\"110153\" codeSystemName=\"DCM\" originalText=\"Source Role ID\""));
  EXPECT_TRUE(has(query, "csd-code=\"110152\""));
  EXPECT_TRUE(has(query, "<ParticipantObjectQuery>"));
  Entry dicom = entry("import");
  dicom.actor = Actor{ActorKind::kDicomAe, "MODALITY1"};
  dicom.origin = Origin{OriginKind::kDicom, "10.0.0.5", "", "MODALITY1", ""};
  EXPECT_TRUE(has(dicom_audit_message(dicom), "AlternativeUserID=\"AETITLES=MODALITY1\""));
  Entry alert = entry("security.flag");
  alert.detail = "executable preamble";
  EXPECT_TRUE(
      has(dicom_audit_message(alert),
          "<ParticipantObjectDetail type=\"Alert Description\" value=\"" +
              base64_encode(std::as_bytes(std::span(alert.detail.data(), alert.detail.size()))) +
              "\"/>"));
}

TEST(DicomXml, EveryValueIsEscaped) {
  Entry e = entry("study.show");
  e.actor = Actor{ActorKind::kUser, "a<b&c>\"d'"};
  e.origin = Origin{OriginKind::kHttp, "", "", "", "host<&>"};
  e.detail = "detail <&> with\nnewline and \x01 control";
  e.uids.studies = {"1.2<&>3"};
  const std::string xml = dicom_audit_message(e);
  EXPECT_EQ(well_formed(xml), "") << xml;
  EXPECT_TRUE(has(xml, "UserID=\"a&lt;b&amp;c&gt;&quot;d&apos;\"")) << xml;
  EXPECT_TRUE(has(xml, "NetworkAccessPointID=\"host&lt;&amp;&gt;\""));
  EXPECT_TRUE(has(xml, "detail &lt;&amp;&gt; with&#10;newline and \xEF\xBF\xBD control"));
  EXPECT_TRUE(has(xml, "ParticipantObjectID=\"1.2&lt;&amp;&gt;3\""));
  EXPECT_FALSE(has(xml, "<&>"));
  EXPECT_FALSE(has(xml, "a<b"));
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE"), "\xEF\xBF\xBD") << "U+FFFE is not an XML character";
}

TEST(DicomXml, ChecksItselfAgainstMalformedXml) {
  // The checker above must be able to fail, or the tests that use it prove nothing.
  EXPECT_NE(well_formed("<a><b></a></b>"), "");
  EXPECT_NE(well_formed("<a x=\"1<2\"/>"), "");
  EXPECT_NE(well_formed("<a>x & y</a>"), "");
  EXPECT_NE(well_formed("<a/><b/>"), "");
  EXPECT_NE(well_formed("<a x=\"1\" x=\"2\"/>"), "");
  EXPECT_EQ(well_formed("<?xml version=\"1.0\"?>\n<a x=\"&amp;\"><b/>t&#10;</a>\n"), "");
}

std::vector<Entry> mixed_entries() {
  std::vector<Entry> out;
  for (const char* a :
       {"import", "export", "study.show", "study.list", "login.failure", "passphrase.change",
        "security.flag", "audit.verify", "serve.start", "whatever.else"}) {
    Entry e = entry(a, Outcome::kFailure);
    e.detail = "d <&> \"q\"";
    e.actor.id = "o<&>";
    e.origin.user_agent = "ua";
    e.uids.instances = {"1.2.3"};
    out.push_back(e);
  }
  out.push_back(entry("security.tamper"));
  out.back().uids.studies.clear();
  return out;
}

TEST(DicomXml, DocumentIsWellFormed) {
  const auto entries = mixed_entries();
  const std::string doc = to_dicom_audit_xml(entries);
  EXPECT_TRUE(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>"));
  EXPECT_EQ(well_formed(doc), "");
  std::size_t count = 0;
  for (auto at = doc.find("<AuditMessage>"); at != std::string::npos;
       at = doc.find("<AuditMessage>", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, entries.size());
}

// libxml2's xmllint, where installed: well-formedness by a real parser and validity against
// the A.5.1 schema (tests/data/dicom-audit-message.rng).
TEST(DicomXml, ValidAgainstTheDicomAuditSchema) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
  }
  testing::TempDir tmp;
  const auto doc = tmp.path() / "audit.xml";
  testing::write_file(doc, to_dicom_audit_xml(mixed_entries()));
  const std::string schema =
      std::string(CUSTOS_SOURCE_DIR) + "/src/audit/tests/data/dicom-audit-message.rng";
  const std::string cmd = "xmllint --noout --relaxng '" + schema + "' '" + doc.string() + "'";
  EXPECT_EQ(std::system((cmd + " 2>" + (tmp.path() / "err").string()).c_str()), 0)
      << testing::read_file(tmp.path() / "err");

  // The schema must reject what breaks it, or this test proves nothing.
  std::string bad = to_dicom_audit_xml(mixed_entries());
  bad.replace(bad.find("EventOutcomeIndicator=\"8\""), 25, "EventOutcomeIndicator=\"7\"");
  testing::write_file(doc, bad);
  EXPECT_NE(std::system((cmd + " 2>/dev/null").c_str()), 0);
}

}  // namespace
}  // namespace custos::audit
