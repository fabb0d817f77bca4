// libFuzzer target: what the importer does with a file's bytes, in one process: scan, then
// let DCMTK parse the header prefix the scanner kept. (In the product the DCMTK part runs in
// a resource-limited worker; here a crash is reported so it can be fixed or fenced.)
#include <cstddef>
#include <cstdint>
#include <span>

#include "dicom/header_reader.h"
#include "dicom/stream_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  custos::dicom::quiet_dcmtk_logging();
  custos::dicom::ScanLimits limits;
  limits.max_header_bytes = 1 << 20;
  limits.max_inflated_bytes = 16 << 20;
  custos::dicom::StreamScanner scanner(limits, size);
  scanner.feed(std::as_bytes(std::span(data, size)));
  auto scan = scanner.finish();
  if (scan) (void)custos::dicom::read_header(*scan);
  return 0;
}
