// STOW-RS responses (PS3.18 10.5.3): the Store Instances Response dataset as DICOM JSON and
// the HTTP status that goes with it. The server maps the vault's per-item outcomes here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace custos::dicomweb {

// Failure Reason (0008,1197) values (PS3.18 Table 10.5.3-2 and PS3.4 Annex B).
enum class StowFailure : std::uint16_t {
  kProcessingFailure = 0x0110,
  kSopClassNotSupported = 0x0122,
  kOutOfResources = 0xA700,
  kSopClassMismatch = 0xA900,     // data set does not match SOP class
  kCannotUnderstand = 0xC000,
};

// Warning Reason (0008,1196) values.
enum class StowWarning : std::uint16_t {
  kCoercion = 0xB000,           // coercion of data elements
  kElementsDiscarded = 0xB006,
  kSopClassMismatch = 0xB007,   // data set does not match SOP class (stored anyway)
};

// What happened to one part of the request. UIDs may be empty when the part could not be
// read (they are then left out of its FailedSOPSequence item).
struct StowItem {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_uid;
  std::string series_uid;
  std::optional<StowFailure> failure;   // not stored
  std::optional<StowWarning> warning;   // stored, with a warning
};

// 400 when there is nothing (no part could be told apart: the request is bad), 200 when
// every part was stored without warning, 409 when none was stored, 202 otherwise (some
// failed, or stored with warnings).
[[nodiscard]] int stow_http_status(std::span<const StowItem> items);

// The response dataset as one DICOM JSON object (as Orthanc answers; not wrapped in an
// array): RetrieveURL (0008,1190) of the study when every stored instance belongs to one
// study (or `request_study_uid` when the request named one), ReferencedSOPSequence
// (0008,1199) of the stored instances with their RetrieveURL and WarningReason,
// FailedSOPSequence (0008,1198) with FailureReason. Empty sequences are left out.
[[nodiscard]] std::string stow_response_json(std::span<const StowItem> items,
                                             const std::string& base_url,
                                             const std::string& request_study_uid = "");

}  // namespace custos::dicomweb
