// What the DICOMweb routes share: the base URL answers point at, the Accept list, finding a
// stored instance by its UIDs and loading its bytes (checked against the SHA-256), and the
// audit record of a read.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/services.h"
#include "dicom/element_reader.h"
#include "dicomweb/frames.h"
#include "dicomweb/media_types.h"
#include "index/records.h"
#include "net/http/request.h"
#include "render/pixels.h"
#include "vault/vault.h"

namespace custos::api {

// "https://127.0.0.1:8443/dicom-web": scheme from the connection, authority from the Host
// header when it is a plausible host[:port], else the local address.
[[nodiscard]] std::string dicomweb_base(const http::Request& r);

// The request's Accept list for dicomweb's media choice (empty when absent).
[[nodiscard]] std::vector<dicomweb::MediaRange> accept_list(const http::Request& r);

// One stored instance in memory and parsed. Bytes first: the dataset points into them.
struct LoadedInstance {
  index::InstanceRow row;
  std::unique_ptr<std::byte[]> storage;  // filled by the read, never zeroed first
  std::span<const std::byte> bytes;      // the instance: storage, row.size bytes
  dicom::Dataset dataset;
};

// The instances a WADO-RS path names (study; study+series; study+series+instance), in
// series then instance number order. Errors: kNotFound naming the UIDs.
[[nodiscard]] Result<std::vector<index::InstanceRow>> instances_at(Services& s,
                                                                   const vault::Caller& caller,
                                                                   const std::string& study,
                                                                   const std::string& series,
                                                                   const std::string& sop);

// Reads the whole instance (SHA-256 checked) and parses it. Errors: the vault's
// (kCorruption for damaged bytes), the element reader's (kRejected, kUnsupported).
// With ContentCheck::kByCaller the SHA-256 is the caller's to check (Vault::check_content)
// before the bytes count as the original: parsed, not trusted.
[[nodiscard]] Result<std::shared_ptr<const LoadedInstance>> load_instance(
    Services& s, const vault::Caller& caller, const index::InstanceRow& row,
    vault::Vault::ContentCheck check = vault::Vault::ContentCheck::kBeforeReturn);

// The renderer's view of an image's attributes.
[[nodiscard]] render::PixelDescription pixel_description(const dicomweb::ImageAttributes& a);

// Audit UIDs of a set of instances.
[[nodiscard]] audit::Uids uids_of(const std::vector<index::InstanceRow>& rows);

}  // namespace custos::api
