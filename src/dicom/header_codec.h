// Byte encoding of a scan summary (request) and an instance header (reply) for the pipe
// between the importer and its parse worker. Length-prefixed fields; decoding checks bounds.
#pragma once

#include <cstddef>
#include <vector>

#include "base/error.h"
#include "dicom/header_reader.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom {

[[nodiscard]] std::vector<std::byte> encode_request(const ScanSummary& scan);
[[nodiscard]] Result<ScanSummary> decode_request(std::span<const std::byte> bytes);
[[nodiscard]] std::vector<std::byte> encode_reply(const Result<InstanceHeader>& header);
[[nodiscard]] Result<InstanceHeader> decode_reply(std::span<const std::byte> bytes);

}  // namespace custos::dicom
