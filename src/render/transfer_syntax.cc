#include "render/transfer_syntax.h"

namespace custos::render {

Codec codec_of(std::string_view uid) {
  while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.remove_suffix(1);
  if (uid == "1.2.840.10008.1.2" || uid == "1.2.840.10008.1.2.1" ||
      uid == "1.2.840.10008.1.2.1.99") {
    return Codec::kNative;  // deflate applies to the dataset; pixel bytes arrive inflated
  }
  if (uid == "1.2.840.10008.1.2.2") return Codec::kNativeBigEndian;
  if (uid == "1.2.840.10008.1.2.5") return Codec::kRle;
  if (uid == "1.2.840.10008.1.2.4.50" || uid == "1.2.840.10008.1.2.4.51" ||
      uid == "1.2.840.10008.1.2.4.57" || uid == "1.2.840.10008.1.2.4.70") {
    return Codec::kJpeg;
  }
  if (uid == "1.2.840.10008.1.2.4.80" || uid == "1.2.840.10008.1.2.4.81") return Codec::kJpegLs;
  if (uid == "1.2.840.10008.1.2.4.90" || uid == "1.2.840.10008.1.2.4.91") return Codec::kJpeg2000;
  return Codec::kUnknown;
}

}  // namespace custos::render
