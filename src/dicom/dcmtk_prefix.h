// Internal to the dicom module: DCMTK's parse of a scanned header prefix. Shared by the
// header reader and the DICOMDIR reader so both read the scanner's output the same way.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <string>

#include "base/error.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom {

// Reads scan.dataset_prefix (in scan.encoding; deflated data is already inflated) into ds.
// Errors: kRejected with `what` and DCMTK's reason.
[[nodiscard]] Status read_prefix(const ScanSummary& scan, DcmDataset& ds, const std::string& what);

}  // namespace custos::dicom
