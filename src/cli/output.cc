#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "vault/layout.h"

namespace custos::cli {
namespace {

using json = nlohmann::ordered_json;

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// Cuts text to at most `width` characters (UTF-8 aware), marking the cut with '~'.
std::string fit(const std::string& text, std::size_t width) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == width) {
        std::size_t j = i;
        do { --j; } while (j > 0 && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80);
        return text.substr(0, j) + "~";
      }
      ++chars;
    }
  }
  return text;
}

std::string pad(const std::string& text, std::size_t width) {
  const std::string cut = fit(text, width);
  std::size_t chars = 0;
  for (const char c : cut) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
  }
  return cut + std::string(width > chars ? width - chars : 0, ' ');
}

// RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs it as a formula.
std::string csv_field(const std::string& value) {
  std::string v = value;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string display_date(const std::string& dicom_date) {
  const std::string d = vault::iso_date(dicom_date);
  return d.empty() ? (dicom_date.empty() ? "-" : dicom_date) : d;
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1e9) return fmt::format("{:.1f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{} B", bytes);
}

void print_import(std::ostream& out, const vault::ImportSummary& s) {
  out << fmt::format("Imported {} in {:.1f} s ({})\n", human_bytes(s.bytes_read), s.seconds,
                     s.seconds > 0 ? human_bytes(static_cast<std::uint64_t>(
                                         static_cast<double>(s.bytes_read) / s.seconds)) + "/s"
                                   : "-");
  out << fmt::format("  {:<22}{:>8}\n", "files seen", s.files_seen);
  out << fmt::format("  {:<22}{:>8}\n", "instances added", s.instances_added);
  out << fmt::format("  {:<22}{:>8}\n", "already in the vault", s.duplicates);
  out << fmt::format("  {:<22}{:>8}\n", "conflicts (kept both)", s.conflicts);
  out << fmt::format("  {:<22}{:>8}\n", "not DICOM (skipped)", s.skipped_non_dicom);
  out << fmt::format("  {:<22}{:>8}\n", "rejected", s.rejected.size());
  out << fmt::format("  {:<22}{:>8}\n", "studies", s.studies.size());
  if (!s.missing.empty()) out << fmt::format("  {:<22}{:>8}\n", "missing (DICOMDIR)", s.missing.size());
  for (const auto& r : s.rejected) out << "rejected: " << r.path << ": " << r.reason << "\n";
  for (const auto& m : s.missing) out << "missing:  " << m.path << ": " << m.reason << "\n";
  for (const auto& f : s.flagged) out << "warning:  " << f.path << ": " << f.reason << "\n";
  if (s.error) out << "stopped:  " << *s.error << "\n";
}

void print_studies(std::ostream& out, const std::vector<index::StudyRow>& studies,
                   const std::string& encryption) {
  out << fmt::format("Vault: {} studies ({})\n", studies.size(),
                     encryption == "none" ? "not encrypted" : "encrypted: " + encryption);
  if (studies.empty()) return;
  out << pad("DATE", 11) << "  " << pad("PATIENT", 22) << "  " << pad("MOD", 6) << "  "
      << pad("BODY PART", 12) << "  " << pad("DESCRIPTION", 28) << "  " << "IMAGES  STUDY UID\n";
  for (const auto& s : studies) {
    out << pad(display_date(s.study_date), 11) << "  " << pad(s.patient_name, 22) << "  "
        << pad(join(s.modalities, ","), 6) << "  " << pad(join(s.body_parts, ","), 12) << "  "
        << pad(s.study_description, 28) << "  " << fmt::format("{:>6}", s.instance_count) << "  "
        << s.study_uid << "\n";
  }
}

void print_show(std::ostream& out, const vault::ShowResult& r) {
  for (const auto& p : r.patients) {
    out << fmt::format("Patient {}  {}  born {}  sex {}  ({} studies)\n", p.patient_id,
                       p.patient_name, display_date(p.birth_date), p.sex.empty() ? "-" : p.sex,
                       p.studies);
  }
  for (const auto& s : r.studies) {
    out << fmt::format("Study {}\n  date {}  {}  {}\n  patient {} ({})\n  {} series, {} images, {}\n",
                       s.study_uid, display_date(s.study_date), join(s.modalities, ","),
                       s.study_description, s.patient_name, s.patient_id, s.series_count,
                       s.instance_count, human_bytes(s.bytes));
  }
  for (const auto& s : r.series) {
    out << fmt::format("Series {}  #{}  {}  {}  {} images\n", s.series_uid,
                       s.series_number ? std::to_string(*s.series_number) : "-", s.modality,
                       s.series_description, s.instance_count);
  }
  for (const auto& i : r.instances) {
    out << fmt::format("Instance {}  #{}  {}x{}  {}  sha256 {}  from {}\n", i.sop_uid,
                       i.instance_number ? std::to_string(*i.instance_number) : "-",
                       i.columns.value_or(0), i.rows.value_or(0), human_bytes(i.size), i.sha256,
                       i.source);
  }
}

void print_verify(std::ostream& out, const vault::VerifyReport& r) {
  out << fmt::format("Verified {} objects ({}): {} intact, {} failed\n", r.checked,
                     human_bytes(r.bytes), r.ok, r.failures.size());
  for (const auto& f : r.failures) {
    out << fmt::format("FAILED {} (SOP Instance {}, study {}): {}\n", f.sha256, f.sop_uid,
                       f.study_uid, f.reason);
  }
  if (!r.unreferenced.empty()) {
    out << fmt::format("{} stored objects are not in the index (left by an interrupted import; "
                       "a re-import reuses them)\n",
                       r.unreferenced.size());
  }
}

void print_export(std::ostream& out, const vault::ExportSummary& r) {
  out << fmt::format("Exported {} files ({}) to {}\n", r.files_written, human_bytes(r.bytes_written),
                     r.out_dir);
  for (const auto& s : r.studies) out << "  " << s.folder << "  (" << s.instances << " files)\n";
  for (const auto& f : r.failed) out << "FAILED " << f.path << ": " << f.reason << "\n";
}

void print_log(std::ostream& out, const std::vector<vault::ScanLogEntry>& log) {
  out << pad("DATE", 11) << "  " << pad("BODY PART", 12) << "  " << pad("MOD", 6) << "  "
      << pad("DESCRIPTION", 28) << "  " << pad("LOCATION", 20) << "  SERIES  IMAGES  FOLDER\n";
  for (const auto& e : log) {
    out << pad(e.date.empty() ? "-" : e.date, 11) << "  " << pad(e.body_part, 12) << "  "
        << pad(e.modality, 6) << "  " << pad(e.description, 28) << "  " << pad(e.institution, 20)
        << "  " << fmt::format("{:>6}  {:>6}", e.series, e.images) << "  " << e.folder << "\n";
  }
}

void print_log_csv(std::ostream& out, const std::vector<vault::ScanLogEntry>& log) {
  out << "date,body_part,modality,description,location,series,images,folder,study_uid\r\n";
  for (const auto& e : log) {
    out << csv_field(e.date) << "," << csv_field(e.body_part) << "," << csv_field(e.modality)
        << "," << csv_field(e.description) << "," << csv_field(e.institution) << "," << e.series
        << "," << e.images << "," << csv_field(e.folder) << "," << csv_field(e.study_uid) << "\r\n";
  }
}

}  // namespace custos::cli
