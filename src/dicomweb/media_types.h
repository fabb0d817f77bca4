// Media types of WADO-RS retrieval (PS3.18 8.7): which representation to send for an
// already-parsed Accept list. Only original bytes are offered: no transcoding.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace custos::dicomweb {

inline constexpr char kApplicationDicom[] = "application/dicom";
inline constexpr char kApplicationDicomJson[] = "application/dicom+json";
inline constexpr char kApplicationJson[] = "application/json";
inline constexpr char kOctetStream[] = "application/octet-stream";
inline constexpr char kMultipartRelated[] = "multipart/related";
inline constexpr char kExplicitVrLittleEndian[] = "1.2.840.10008.1.2.1";
inline constexpr char kImplicitVrLittleEndian[] = "1.2.840.10008.1.2";

// One element of an Accept header, parsed by the HTTP layer: type and subtype lower-case,
// parameter names lower-case, values unquoted.
struct MediaRange {
  std::string type;
  std::string subtype;
  std::map<std::string, std::string> params;
  double q = 1.0;
};

// What to send: the multipart Content-Type (without boundary, which the server adds) and
// each part's Content-Type.
struct RetrieveChoice {
  std::string content_type;       // multipart/related; type="application/dicom"
  std::string part_content_type;  // application/dicom; transfer-syntax=1.2.840.10008.1.2.1
  std::string transfer_syntax_uid;  // of what is sent (always the stored one)
};

// The media type PS3.18 Table 8.7.3-5 gives frames of a transfer syntax ("image/jpeg",
// "image/jls", "image/jp2", "image/jpx", "image/x-dicom-rle", "image/jphc", "video/mpeg",
// "video/mp4", "video/H265"); "application/octet-stream" for native syntaxes.
[[nodiscard]] std::string_view frame_media_type(std::string_view transfer_syntax_uid);
// Whether pixel data in this syntax is native (not encapsulated).
[[nodiscard]] bool is_uncompressed(std::string_view transfer_syntax_uid);

// Instances, series, studies (application/dicom parts). An empty list, "*/*",
// "multipart/*" or multipart/related with type application/dicom and transfer-syntax "*"
// or absent (Orthanc's reading, see README) or equal to the stored syntax: the original
// bytes. Ranges are tried by decreasing q; q=0 is refused.
// Errors: kUnsupported with the reason (another transfer syntax was asked for and
// transcoding is not offered, or no acceptable media type): the server answers 406.
[[nodiscard]] Result<RetrieveChoice> choose_instance_media(std::span<const MediaRange> accept,
                                                           std::string_view stored_ts);

// Frames. multipart/related with type application/octet-stream: transfer-syntax "*" sends
// the frames as stored; absent or Explicit VR Little Endian only when the stored syntax
// is little-endian native. type image/jpeg etc.: when the stored syntax has that media
// type and the transfer-syntax parameter, if any, is "*" or the stored one. "*/*" or an
// empty list: the stored representation.
// Errors: kUnsupported with the reason (the server answers 406).
[[nodiscard]] Result<RetrieveChoice> choose_frame_media(std::span<const MediaRange> accept,
                                                        std::string_view stored_ts);

}  // namespace custos::dicomweb
