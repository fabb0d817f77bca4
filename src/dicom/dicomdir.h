// Reads the file references of a DICOMDIR (PS3.10 media directory) with DCMTK.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"

namespace custos::dicom {

// The ReferencedFileID of every directory record, as relative paths with '/' separators,
// in the order the DICOMDIR lists them (exactly as written: usually upper-case 8.3 names;
// the caller resolves case against the real directory). Duplicates removed.
// Errors: kNotFound / kPermissionDenied / kIoError when the file cannot be read;
// kRejected when it is not a valid DICOMDIR (the scanner's or DCMTK's reason), is larger
// than 128 MiB, or a reference escapes the root (absolute, or a ".." component).
// Thread-safe (each call owns its DCMTK objects); never throws.
[[nodiscard]] Result<std::vector<std::string>> read_dicomdir_references(
    const std::filesystem::path& dicomdir_file);

}  // namespace custos::dicom
