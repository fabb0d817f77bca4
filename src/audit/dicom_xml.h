// Export of audit entries as DICOM PS3.15 A.5 audit messages (the DICOM Audit Message
// schema, derived from RFC 3881), for a hospital's audit record repository or a regulator.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "audit/entry.h"

namespace custos::audit {

struct DicomXmlOptions {
  std::string audit_source_id = "custos";  // AuditSourceIdentification/@AuditSourceID
  std::string application_id = "custos";   // UserID of custos's own ActiveParticipant
  std::string application_host;            // its NetworkAccessPointID (host name), if known
};

struct CodedValue {
  std::string_view code;     // csd-code
  std::string_view system;   // codeSystemName: "DCM", "RFC-3881", "custos"
  std::string_view meaning;  // originalText
};

// How an entry's action maps onto the standard's vocabulary (DCM codes, CID 400 and 403).
struct EventMapping {
  CodedValue event_id;                  // 110100 … 110114
  char action_code = 'E';               // C, R, U, D, E
  std::optional<CodedValue> type_code;  // 110120/110121, 110122/110123, CID 403 alert types
};

[[nodiscard]] EventMapping map_event(const Entry& entry);

// The EventOutcomeIndicator: success 0, partial 4 (minor failure), failure 8 (serious
// failure), and 12 (major failure) for a failed security alert.
[[nodiscard]] int outcome_indicator(const Entry& entry, const EventMapping& mapping);

// One <AuditMessage> element (no XML declaration). Every value is XML-escaped; characters
// XML 1.0 cannot carry are replaced by U+FFFD.
[[nodiscard]] std::string dicom_audit_message(const Entry& entry,
                                              const DicomXmlOptions& options = {});

// A UTF-8 XML document whose root <AuditMessages> holds one standard <AuditMessage> per
// entry, in order. Each message stands on its own against the A.5.1 schema; the root only
// groups them into one file.
[[nodiscard]] std::string to_dicom_audit_xml(std::span<const Entry> entries,
                                             const DicomXmlOptions& options = {});

// Escapes text for an XML attribute value or element content.
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace custos::audit
