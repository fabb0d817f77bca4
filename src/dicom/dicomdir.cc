// DCMTK bridge for DICOMDIR files: lists the ReferencedFileID of every directory record.
// The bytes are vetted by the stream scanner first, so DCMTK never sees hostile structure.
#include "dicom/dicomdir.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/posix_file.h"
#include "dicom/dcmtk_prefix.h"
#include "dicom/header_reader.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom {
namespace {

// A DICOMDIR is read whole into memory (DCMTK builds its tree from it). Real ones stay
// well under 50 MB even for a DVD of tens of thousands of images.
constexpr std::uint64_t kMaxDicomdirBytes = 128ull << 20;
constexpr std::size_t kChunkBytes = 1u << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// Appends one value of ReferencedFileID to `parts`. Values are normally single components
// ("IM000001"), but some writers put a whole "DICOM/IM1" path into one value, so '/' is
// split too. Returns a reason when the value cannot be used inside the DICOMDIR's folder.
std::optional<std::string> append_components(std::string_view value, bool first_value,
                                             std::vector<std::string>& parts) {
  value = trim(value);
  if (first_value && (value.empty() || value.front() == '/' || value.front() == '\\' ||
                      (value.size() >= 2 && value[1] == ':'))) {
    return "is an absolute path";
  }
  while (!value.empty()) {
    const std::size_t slash = value.find_first_of("/\\");
    std::string_view part = trim(value.substr(0, slash));
    value = slash == std::string_view::npos ? std::string_view{} : value.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return "has a '..' component (escapes the folder)";
    for (const char c : part) {
      if (static_cast<unsigned char>(c) < 0x20) return "has a control character";
    }
    parts.emplace_back(part);
  }
  return std::nullopt;
}

// The DICOMDIR's bytes through the scanner: refuses nesting, lying lengths and deflate
// bombs before DCMTK parses anything, and gives the (inflated) dataset.
Result<ScanSummary> scan_file(const std::filesystem::path& path) {
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  auto size = file_size(fd->get(), path);
  if (!size) return fail(size.error());
  if (*size > kMaxDicomdirBytes) {
    return fail(ErrorCode::kRejected,
                "larger than " + std::to_string(kMaxDicomdirBytes) + " bytes");
  }
  ScanLimits limits;
  limits.max_header_bytes = static_cast<std::size_t>(kMaxDicomdirBytes);
  StreamScanner scanner(limits, *size);
  std::vector<std::byte> buf(kChunkBytes);
  std::uint64_t total = 0;
  for (;;) {
    auto n = read_some(fd->get(), buf, path);
    if (!n) return fail(n.error());
    if (*n == 0) break;
    total += *n;
    if (total > kMaxDicomdirBytes) {
      return fail(ErrorCode::kRejected,
                  "grew beyond " + std::to_string(kMaxDicomdirBytes) + " bytes while being read");
    }
    scanner.feed(std::span<const std::byte>(buf.data(), *n));
  }
  return scanner.finish();
}

Result<std::vector<std::string>> references_from(const ScanSummary& scan) {
  if (!scan.media_storage_sop_class_uid.empty() &&
      scan.media_storage_sop_class_uid != UID_MediaStorageDirectoryStorage) {
    return fail(ErrorCode::kRejected, "not a DICOMDIR (media storage SOP class " +
                                          scan.media_storage_sop_class_uid + ")");
  }
  DcmDataset ds;
  if (auto st = read_prefix(scan, ds, "cannot parse: "); !st) return fail(st.error());
  DcmSequenceOfItems* records = nullptr;  // owned by ds
  if (ds.findAndGetSequence(DCM_DirectoryRecordSequence, records).bad() || records == nullptr) {
    return fail(ErrorCode::kRejected, "no DirectoryRecordSequence (0004,1220)");
  }

  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  const unsigned long count = records->card();
  for (unsigned long i = 0; i < count; ++i) {
    DcmItem* record = records->getItem(i);  // owned by the sequence
    if (record == nullptr) continue;
    DcmElement* element = nullptr;  // owned by the record
    if (record->findAndGetElement(DCM_ReferencedFileID, element, OFFalse).bad() ||
        element == nullptr) {
      continue;
    }
    const unsigned long vm = element->getVM();
    std::vector<std::string> parts;
    for (unsigned long v = 0; v < vm; ++v) {
      OFString value;
      if (element->getOFString(value, v).bad()) {
        return fail(ErrorCode::kRejected,
                    "record " + std::to_string(i + 1) + ": unreadable ReferencedFileID");
      }
      if (auto why =
              append_components(std::string_view(value.c_str(), value.length()), v == 0, parts)) {
        return fail(ErrorCode::kRejected,
                    "record " + std::to_string(i + 1) + ": ReferencedFileID " + *why);
      }
    }
    if (parts.empty()) continue;
    std::string joined;
    for (const auto& p : parts) {
      if (!joined.empty()) joined += '/';
      joined += p;
    }
    if (seen.insert(joined).second) out.push_back(std::move(joined));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> read_dicomdir_references(
    const std::filesystem::path& dicomdir_file) {
  const std::string context = "DICOMDIR " + dicomdir_file.string();
  quiet_dcmtk_logging();  // DCMTK's own warnings would go to the console
  try {
    auto scan = scan_file(dicomdir_file);
    if (!scan) {
      // The input could not even be opened: keep the I/O code (not found, permission).
      if (scan.error().code == ErrorCode::kNotFound ||
          scan.error().code == ErrorCode::kPermissionDenied ||
          scan.error().code == ErrorCode::kIoError) {
        return fail(scan.error());
      }
      return fail(ErrorCode::kRejected, context + ": " + scan.error().message);
    }
    auto refs = references_from(*scan);
    if (!refs) return fail(ErrorCode::kRejected, context + ": " + refs.error().message);
    return refs;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kRejected, context + ": " + e.what());
  } catch (...) {
    return fail(ErrorCode::kRejected, context + ": unexpected failure");
  }
}

}  // namespace custos::dicom
