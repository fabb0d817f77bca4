// Zip import source: streams each entry of a .zip through libarchive, refusing zip-slip
// names, links, encrypted entries and archives that expand like a bomb.
#pragma once

#include <filesystem>
#include <string>

#include "base/error.h"
#include "source/source.h"

namespace custos::source {

// Delivers every regular-file entry of `archive` in archive order as
// "<archive>!/<entry path>". Nothing is unpacked to memory or disk beyond the caller's
// read buffer. A corrupt archive or one over the expansion limits is reported to
// sink.on_rejected once, under the archive's path, and the walk stops there.
// Errors only when the archive file cannot be examined at all (posix_error codes).
[[nodiscard]] Status walk_zip(const std::filesystem::path& archive, const WalkOptions& options,
                              ItemSink& sink);

// The same for a zip that arrives as a stream (a browser upload): read forward through the
// entries' local headers, never seeking; the expansion ratio is checked against the
// compressed bytes consumed so far. Entries are shown as "<display_name>!/<entry path>";
// a read error of `reader` itself ends the walk and is reported under display_name.
void walk_zip_stream(ByteReader& reader, const std::string& display_name,
                     const WalkOptions& options, ItemSink& sink);

}  // namespace custos::source
