#include "dicom/header_codec.h"

#include <cstring>
#include <string>

namespace custos::dicom {
namespace {

class Writer {
 public:
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::byte>(v >> (8 * i)));
  }
  void str(const std::string& s) {
    u64(s.size());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    out_.insert(out_.end(), p, p + s.size());
  }
  void bytes(const std::vector<std::byte>& b) {
    u64(b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }
  void opt(const std::optional<long>& v) {
    u64(v ? 1 : 0);
    u64(v ? static_cast<std::uint64_t>(*v) : 0);
  }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}
  bool u64(std::uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(in_[i]) << (8 * i);
    in_ = in_.subspan(8);
    return true;
  }
  bool str(std::string& s) {
    std::uint64_t n = 0;
    if (!u64(n) || n > in_.size()) return false;
    s.assign(reinterpret_cast<const char*>(in_.data()), n);
    in_ = in_.subspan(n);
    return true;
  }
  bool bytes(std::vector<std::byte>& b) {
    std::uint64_t n = 0;
    if (!u64(n) || n > in_.size()) return false;
    b.assign(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(n));
    in_ = in_.subspan(n);
    return true;
  }
  bool opt(std::optional<long>& v) {
    std::uint64_t has = 0, value = 0;
    if (!u64(has) || !u64(value)) return false;
    v = has ? std::optional<long>(static_cast<long>(value)) : std::nullopt;
    return true;
  }

 private:
  std::span<const std::byte> in_;
};

Error malformed() { return Error{ErrorCode::kInternal, "parse worker: malformed message"}; }

}  // namespace

std::vector<std::byte> encode_request(const ScanSummary& s) {
  Writer w;
  w.u64(static_cast<std::uint64_t>(s.encoding));
  w.str(s.transfer_syntax_uid);
  w.str(s.media_storage_sop_class_uid);
  w.bytes(s.dataset_prefix);
  return w.take();
}

Result<ScanSummary> decode_request(std::span<const std::byte> bytes) {
  Reader r(bytes);
  ScanSummary s;
  std::uint64_t enc = 0;
  if (!r.u64(enc) || enc > 3 || !r.str(s.transfer_syntax_uid) ||
      !r.str(s.media_storage_sop_class_uid) || !r.bytes(s.dataset_prefix)) {
    return fail(malformed());
  }
  s.encoding = static_cast<Encoding>(enc);
  return s;
}

std::vector<std::byte> encode_reply(const Result<InstanceHeader>& header) {
  Writer w;
  if (!header) {
    w.u64(1);
    w.u64(static_cast<std::uint64_t>(header.error().code));
    w.str(header.error().message);
    return w.take();
  }
  const InstanceHeader& h = *header;
  w.u64(0);
  for (const std::string* s :
       {&h.specific_character_set, &h.patient_name, &h.patient_id, &h.patient_birth_date,
        &h.patient_sex, &h.study_uid, &h.study_date, &h.study_time, &h.accession_number,
        &h.study_description, &h.referring_physician_name, &h.study_id, &h.institution_name,
        &h.body_part_examined, &h.series_uid, &h.series_description, &h.modality,
        &h.series_date, &h.sop_uid, &h.sop_class_uid, &h.transfer_syntax_uid,
        &h.timezone_offset}) {
    w.str(*s);
  }
  for (const std::optional<long>* v :
       {&h.series_number, &h.instance_number, &h.number_of_frames, &h.rows, &h.columns,
        &h.bits_allocated}) {
    w.opt(*v);
  }
  return w.take();
}

Result<InstanceHeader> decode_reply(std::span<const std::byte> bytes) {
  Reader r(bytes);
  std::uint64_t failed = 0;
  if (!r.u64(failed)) return fail(malformed());
  if (failed) {
    std::uint64_t code = 0;
    std::string message;
    if (!r.u64(code) || code > static_cast<std::uint64_t>(ErrorCode::kInternal) ||
        !r.str(message)) {
      return fail(malformed());
    }
    return fail(static_cast<ErrorCode>(code), std::move(message));
  }
  InstanceHeader h;
  for (std::string* s :
       {&h.specific_character_set, &h.patient_name, &h.patient_id, &h.patient_birth_date,
        &h.patient_sex, &h.study_uid, &h.study_date, &h.study_time, &h.accession_number,
        &h.study_description, &h.referring_physician_name, &h.study_id, &h.institution_name,
        &h.body_part_examined, &h.series_uid, &h.series_description, &h.modality,
        &h.series_date, &h.sop_uid, &h.sop_class_uid, &h.transfer_syntax_uid,
        &h.timezone_offset}) {
    if (!r.str(*s)) return fail(malformed());
  }
  for (std::optional<long>* v :
       {&h.series_number, &h.instance_number, &h.number_of_frames, &h.rows, &h.columns,
        &h.bits_allocated}) {
    if (!r.opt(*v)) return fail(malformed());
  }
  return h;
}

}  // namespace custos::dicom
