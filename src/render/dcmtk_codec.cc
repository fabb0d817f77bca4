// DCMTK adapter, run only inside decoder worker processes: JPEG (baseline, extended,
// lossless) through dcmjpeg and JPEG-LS through dcmjpls. The frame's fragments become a
// one-frame dataset in memory; DCMTK decompresses it to explicit little endian, converting
// YBR to RGB, and reports the layout it produced.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstring>
#include <string>

#include "render/native.h"
#include "render/worker_protocol.h"

namespace custos::render {
namespace {

Result<NativeFrame> failed(const char* what, const OFCondition& c) {
  return fail(ErrorCode::kCorruption,
              std::string("could not decode the frame: ") + what + " (" + c.text() + ")");
}

}  // namespace

void prepare_codecs() {
  static const bool done = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    (void)dcmDataDict.isDictionaryLoaded();
    return true;
  }();
  (void)done;
}

Result<NativeFrame> dcmtk_decode(const DecodeRequest& request) {
  prepare_codecs();
  const PixelDescription& d = request.description;
  const DcmXfer xfer(d.transfer_syntax_uid.c_str());
  if (xfer.getXfer() == EXS_Unknown || !xfer.isEncapsulated()) {
    return fail(ErrorCode::kUnsupported, "transfer syntax " + d.transfer_syntax_uid +
                                             " cannot be rendered");
  }
  DcmDataset dataset;
  dataset.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(d.rows));
  dataset.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(d.columns));
  dataset.putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(d.samples_per_pixel));
  dataset.putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(d.bits_allocated));
  dataset.putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(d.bits_stored));
  dataset.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(d.high_bit));
  dataset.putAndInsertUint16(DCM_PixelRepresentation, d.pixel_signed ? 1 : 0);
  dataset.putAndInsertString(DCM_PhotometricInterpretation, d.photometric.c_str());
  if (d.samples_per_pixel > 1) {
    dataset.putAndInsertUint16(DCM_PlanarConfiguration,
                               static_cast<Uint16>(d.planar_configuration));
  }
  dataset.putAndInsertString(DCM_NumberOfFrames, "1");

  auto* sequence = new DcmPixelSequence(DCM_PixelSequenceTag);
  sequence->insert(new DcmPixelItem(DCM_PixelItemTag));  // empty basic offset table
  for (const auto& fragment : request.fragments) {
    auto* item = new DcmPixelItem(DCM_PixelItemTag);
    // Items have even length; a pad byte after the JPEG EOI marker is harmless.
    std::vector<Uint8> bytes(fragment.size() + (fragment.size() % 2));
    if (!fragment.empty()) std::memcpy(bytes.data(), fragment.data(), fragment.size());
    item->putUint8Array(bytes.data(), static_cast<Uint32>(bytes.size()));
    sequence->insert(item);
  }
  auto* pixel_data = new DcmPixelData(DCM_PixelData);
  pixel_data->putOriginalRepresentation(xfer.getXfer(), nullptr, sequence);
  dataset.insert(pixel_data, true);

  OFCondition c = dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
  if (c.bad()) return failed("the decoder refused it", c);
  if (!pixel_data->canWriteXfer(EXS_LittleEndianExplicit, xfer.getXfer())) {
    return fail(ErrorCode::kCorruption, "could not decode the frame");
  }
  NativeFrame out;
  out.description = d;
  out.description.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  Uint16 v = 0;
  OFString text;
  if (dataset.findAndGetOFString(DCM_PhotometricInterpretation, text).good()) {
    out.description.photometric = text.c_str();
  }
  if (dataset.findAndGetUint16(DCM_PlanarConfiguration, v).good()) {
    out.description.planar_configuration = v;
  }
  if (dataset.findAndGetUint16(DCM_BitsAllocated, v).good()) out.description.bits_allocated = v;
  if (dataset.findAndGetUint16(DCM_BitsStored, v).good()) out.description.bits_stored = v;
  if (dataset.findAndGetUint16(DCM_HighBit, v).good()) out.description.high_bit = v;
  if (dataset.findAndGetUint16(DCM_PixelRepresentation, v).good()) {
    out.description.pixel_signed = v == 1;
  }
  auto size = native_frame_size(out.description);
  if (!size) return fail(size.error());
  Uint8* data = nullptr;
  const Uint32 length = pixel_data->getLength(EXS_LittleEndianExplicit);
  c = pixel_data->getUint8Array(data);
  if (c.bad() || data == nullptr || length < *size) {
    return fail(ErrorCode::kCorruption, "could not decode the frame: it holds fewer pixels "
                                        "than the image size needs");
  }
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  out.bytes.assign(bytes, bytes + *size);
  return out;
}

}  // namespace custos::render
