// Folder import source: a recursive, sorted walk that puts the files a DICOMDIR lists
// first (resolving CD file names case-insensitively), then every other file once.
#pragma once

#include <filesystem>

#include "base/error.h"
#include "source/source.h"

namespace custos::source {

// Walks `root` (a directory) and delivers every regular file exactly once. Symlinked
// directories are not followed; symlinks to regular files are delivered. Unreadable
// subfolders and files go to sink.on_rejected, DICOMDIR references that are absent to
// sink.on_missing. Errors only when `root` itself cannot be listed (posix_error codes).
// Not thread-safe with respect to `sink`; holds one file descriptor per open directory
// level while listing and one file descriptor while delivering.
[[nodiscard]] Status walk_folder(const std::filesystem::path& root, ItemSink& sink);

}  // namespace custos::source
