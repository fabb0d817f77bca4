// QIDO-RS answers (PS3.18 10.6) from index rows: match, sort, page, and write the DICOM
// JSON array of the required return attributes (Tables 10.6.3-3/-4/-5) the index holds.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "dicomweb/qido_query.h"
#include "index/index.h"
#include "index/records.h"

namespace custos::dicomweb {

struct QidoContext {
  std::string base_url;  // RetrieveURL = base_url + "/studies/{st}[/series/{se}[/instances/{sop}]]"
};

// The rows a query runs over. Series rows find their study by UID; instance rows find
// their series by (study UID, series UID).
struct QidoRows {
  std::vector<index::StudyRow> studies;
  std::vector<index::SeriesRow> series;      // series and instance levels
  std::vector<index::InstanceRow> instances;  // instance level
};

// Reads the rows `query` needs within one read transaction: studies (those of the path, or
// all, filtered by the study-level keys first), their series, their instances.
// Errors: those of the index.
[[nodiscard]] Result<QidoRows> read_qido_rows(index::ReadTxn& txn, const QidoQuery& query);

// DICOMweb shows one instance per SOP Instance UID: of the versions a conflict keeps (same
// UID, other bytes), only the first in `rows` stays (the index lists versions of one UID in
// storage order). Other rows keep their order. The other versions stay in the vault
// (export, show); Orthanc likewise keeps the first it received.
void keep_first_versions(std::vector<index::InstanceRow>& rows);

// The QIDO-RS JSON array. Order: studies by StudyDate then StudyTime, newest first, then
// StudyInstanceUID; series by SeriesNumber then UID; instances by InstanceNumber then UID
// (rows without a number last). Then offset and limit. Never fails on row content.
[[nodiscard]] std::string qido_json(const QidoQuery& query, const QidoRows& rows,
                                    const QidoContext& context);

}  // namespace custos::dicomweb
