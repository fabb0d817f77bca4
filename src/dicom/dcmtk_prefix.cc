#include "dicom/dcmtk_prefix.h"

#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace custos::dicom {
namespace {

E_TransferSyntax dcmtk_xfer(Encoding e) {
  switch (e) {
    case Encoding::kImplicitLittle: return EXS_LittleEndianImplicit;
    case Encoding::kExplicitBig: return EXS_BigEndianExplicit;
    case Encoding::kExplicitLittle:
    case Encoding::kDeflatedExplicitLittle: return EXS_LittleEndianExplicit;
  }
  return EXS_LittleEndianExplicit;
}

}  // namespace

Status read_prefix(const ScanSummary& scan, DcmDataset& ds, const std::string& what) {
  if (scan.dataset_prefix.empty()) return {};
  DcmInputBufferStream stream;
  stream.setBuffer(scan.dataset_prefix.data(),
                   static_cast<offile_off_t>(scan.dataset_prefix.size()));
  stream.setEos();
  ds.transferInit();
  const OFCondition cond =
      ds.read(stream, dcmtk_xfer(scan.encoding), EGL_noChange, DCM_MaxReadLength);
  ds.transferEnd();
  // The prefix ends on an element boundary; EndOfStream there is a complete dataset.
  if (cond.bad() && cond != EC_EndOfStream) {
    return fail(ErrorCode::kRejected, what + std::string(cond.text()));
  }
  return {};
}

}  // namespace custos::dicom
