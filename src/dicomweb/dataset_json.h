// The DICOM JSON model (PS3.18 F.2) of a parsed dataset: WADO-RS metadata and the
// building block of every DICOMweb JSON answer. Written as text straight into a sink.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "base/error.h"
#include "dicom/element_reader.h"
#include "dicomweb/json_writer.h"

namespace custos::dicomweb {

struct JsonOptions {
  // BulkDataURI = bulk_uri_prefix + "/" + tag path (bulk_tag_path()).
  std::string bulk_uri_prefix;
  // Values longer than this (bytes) of a VR that may be bulk data (PS3.18 F.2.6: DS FL FD
  // IS LT OB OD OF OL OV OW SL SS ST SV UC UL UN UR US UT UV) become BulkDataURI.
  std::size_t bulk_threshold = 1024;
  // Binary VRs (OB OD OF OL OV OW UN) at or below the threshold: InlineBinary (base64)
  // when true; BulkDataURI when false (as Orthanc's DICOMweb plugin answers).
  bool inline_binary = false;
  // The file meta group (0002,xxxx): left out of metadata, as Orthanc does.
  bool include_meta_group = false;
};

// Writes the dataset as one JSON object. Never fails on content: values that are not
// valid for their VR are dropped (IS/DS that are no numbers, as Orthanc does), text is
// converted to UTF-8 from Specific Character Set. Group lengths (gggg,0000) and
// (FFFC,FFFC) padding are left out. Pixel data is always a BulkDataURI.
// Errors: only those of the sink.
[[nodiscard]] Status write_dataset_json(const dicom::Dataset& ds, const JsonOptions& options,
                                        JsonWriter& out);
[[nodiscard]] Status write_dataset_json(const dicom::Dataset& ds, const JsonOptions& options,
                                        const Sink& sink);

// The path of an element for BulkDataURIs: "7FE00010" at the top level,
// "00540016/0/00181072" inside item 0 (0-based) of a sequence, and so on.
[[nodiscard]] std::string bulk_tag_path(const dicom::Dataset& ds, std::uint32_t index);

// Where the bulk data of one instance is served: {base}/studies/{st}/series/{se}/instances/{sop}/bulk.
struct BulkUriBase {
  std::string base;  // e.g. "https://host/dicom-web" (no trailing slash)
  std::string study_uid;
  std::string series_uid;
  std::string sop_uid;
  [[nodiscard]] std::string prefix() const {
    return base + "/studies/" + study_uid + "/series/" + series_uid + "/instances/" + sop_uid +
           "/bulk";
  }
};

// The WADO-RS metadata of one stored instance: the DICOM JSON object of its dataset (no
// meta group; pixel data and values over 1 KiB as BulkDataURI). Not wrapped in an array.
// Errors: those of read_elements (kRejected, kUnsupported for deflated files).
[[nodiscard]] Result<std::string> instance_metadata_json(std::span<const std::byte> file,
                                                         const BulkUriBase& base);

}  // namespace custos::dicomweb
