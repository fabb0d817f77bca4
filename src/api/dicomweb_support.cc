#include "api/dicomweb_support.h"

#include <algorithm>
#include <set>

#include "dicomweb/qido.h"
#include "net/http/media_type.h"

namespace custos::api {

std::string dicomweb_base(const http::Request& r) {
  std::string authority;
  if (auto host = r.header("Host")) {
    const bool plausible =
        !host->empty() && host->size() <= 255 &&
        std::all_of(host->begin(), host->end(), [](unsigned char c) {
          return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        });
    if (plausible) authority = std::string(*host);
  }
  if (authority.empty()) authority = "127.0.0.1";
  return std::string(r.tls() ? "https://" : "http://") + authority + "/dicom-web";
}

std::vector<dicomweb::MediaRange> accept_list(const http::Request& r) {
  std::vector<dicomweb::MediaRange> out;
  auto h = r.header("Accept");
  if (!h) return out;
  for (auto& item : http::parse_accept(*h)) {
    out.push_back({std::move(item.media.type), std::move(item.media.subtype),
                   std::move(item.media.params), item.q});
  }
  return out;
}

Result<std::vector<index::InstanceRow>> instances_at(Services& s, const vault::Caller& caller,
                                                     const std::string& study,
                                                     const std::string& series,
                                                     const std::string& sop) {
  std::vector<index::InstanceRow> rows;
  auto st = s.vault.browse(caller, [&](index::ReadTxn& txn) -> Status {
    if (!sop.empty()) {
      auto found = txn.instances_by_sop(sop);
      if (!found) return fail(found.error());
      for (auto& row : *found) {
        if (row.study_uid == study && row.series_uid == series) rows.push_back(std::move(row));
      }
      dicomweb::keep_first_versions(rows);
      return {};
    }
    std::vector<std::string> series_uids;
    if (!series.empty()) {
      series_uids.push_back(series);
    } else {
      auto all = txn.series_of(study);
      if (!all) return fail(all.error());
      for (const auto& se : *all) series_uids.push_back(se.series_uid);
    }
    for (const auto& se : series_uids) {
      auto found = txn.instances_in(study, se);
      if (!found) return fail(found.error());
      dicomweb::keep_first_versions(*found);  // before the unstable sort
      std::sort(found->begin(), found->end(), [](const auto& a, const auto& b) {
        return a.instance_number.value_or(1L << 30) < b.instance_number.value_or(1L << 30);
      });
      for (auto& row : *found) rows.push_back(std::move(row));
    }
    return {};
  });
  if (!st) return fail(st.error());
  if (rows.empty()) {
    std::string what = !sop.empty() ? "instance " + sop : !series.empty() ? "series " + series
                                                                         : "study " + study;
    return fail(ErrorCode::kNotFound, "no " + what.substr(0, 80) + " in the vault");
  }
  return rows;
}

Result<std::shared_ptr<const LoadedInstance>> load_instance(Services& s,
                                                            const vault::Caller& caller,
                                                            const index::InstanceRow& row,
                                                            vault::Vault::ContentCheck check) {
  auto loaded = std::make_shared<LoadedInstance>();
  loaded->row = row;
  const auto size = static_cast<std::size_t>(row.size);
  loaded->storage = std::make_unique_for_overwrite<std::byte[]>(size);
  const std::span<std::byte> into(loaded->storage.get(), size);
  if (auto st = s.vault.read_instance_into(caller, row.sha256, into, check); !st) {
    return fail(st.error());
  }
  loaded->bytes = into;
  auto ds = dicom::read_elements(loaded->bytes);
  if (!ds) return fail(with_context(ds.error(), "instance " + row.sop_uid.substr(0, 64)));
  loaded->dataset = std::move(*ds);
  return std::shared_ptr<const LoadedInstance>(std::move(loaded));
}

render::PixelDescription pixel_description(const dicomweb::ImageAttributes& a) {
  render::PixelDescription d;
  d.transfer_syntax_uid = a.transfer_syntax_uid;
  d.rows = static_cast<int>(a.rows);
  d.columns = static_cast<int>(a.columns);
  d.samples_per_pixel = static_cast<int>(a.samples_per_pixel);
  d.bits_allocated = static_cast<int>(a.bits_allocated);
  d.bits_stored = static_cast<int>(a.bits_stored);
  d.high_bit = static_cast<int>(a.high_bit);
  d.pixel_signed = a.pixel_representation == 1;
  d.photometric = a.photometric_interpretation;
  d.planar_configuration = static_cast<int>(a.planar_configuration);
  d.rescale_slope = a.rescale_slope;
  d.rescale_intercept = a.rescale_intercept;
  d.window_centers = a.window_centers;
  d.window_widths = a.window_widths;
  d.voi_lut_function = a.voi_lut_function;
  return d;
}

audit::Uids uids_of(const std::vector<index::InstanceRow>& rows) {
  std::set<std::string> studies, series;
  audit::Uids uids;
  for (const auto& r : rows) {
    studies.insert(r.study_uid);
    series.insert(r.series_uid);
    uids.instances.push_back(r.sop_uid);
  }
  uids.studies.assign(studies.begin(), studies.end());
  uids.series.assign(series.begin(), series.end());
  return uids;
}

}  // namespace custos::api
