// DCMTK bridge for the data dictionary (see dictionary.h).
#include "dicom/dictionary.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dctag.h>
#include <dcmtk/dcmdata/dcvr.h>

#include <string>
#include <unordered_map>

namespace custos::dicom {
namespace {

VrCode from_name(const char* name) {
  if (name == nullptr || name[0] == '\0' || name[1] == '\0') return vr_code("UN");
  const std::string_view n(name);
  if (n == "xs") return vr_code("US");
  if (n == "ox" || n == "lt" || n == "px") return vr_code("OW");
  if (n == "up") return vr_code("UL");
  const auto c1 = static_cast<unsigned char>(name[0]);
  const auto c2 = static_cast<unsigned char>(name[1]);
  if (c1 < 'A' || c1 > 'Z' || c2 < 'A' || c2 > 'Z') return vr_code("UN");
  return static_cast<VrCode>(c1 << 8 | c2);
}

VrCode lookup(std::uint32_t tag) {
  const auto group = static_cast<Uint16>(tag >> 16);
  const auto element = static_cast<Uint16>(tag & 0xFFFFu);
  if (element == 0) return vr_code("UL");
  if (group & 1) return vr_code("UN");  // private: the creator decides, not the dictionary
  const DcmTag t(group, element);
  const DcmVR vr(t.getEVR());
  if (t.getEVR() == EVR_UNKNOWN || t.getEVR() == EVR_UNKNOWN2B) return vr_code("UN");
  return from_name(vr.getVRName());
}

}  // namespace

VrCode dictionary_vr(std::uint32_t tag) {
  thread_local std::unordered_map<std::uint32_t, VrCode> cache;
  if (const auto it = cache.find(tag); it != cache.end()) return it->second;
  const VrCode vr = lookup(tag);
  if (cache.size() < 65536) cache.emplace(tag, vr);
  return vr;
}

std::optional<std::uint32_t> tag_for_keyword(std::string_view keyword) {
  if (keyword.empty() || keyword.size() > 64) return std::nullopt;
  const std::string name(keyword);
  const DcmDataDictionary& dict = dcmDataDict.rdlock();
  const DcmDictEntry* entry = dict.findEntry(name.c_str());
  std::optional<std::uint32_t> tag;
  if (entry != nullptr && entry->getPrivateCreator() == nullptr) {
    tag = static_cast<std::uint32_t>(entry->getGroup()) << 16 | entry->getElement();
  }
  dcmDataDict.rdunlock();
  return tag;
}

std::string keyword_for_tag(std::uint32_t tag) {
  DcmTag t(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFFu));
  const char* name = t.getTagName();
  if (name == nullptr || std::string_view(name) == DcmTag_ERROR_TagName) return {};
  return name;
}

}  // namespace custos::dicom
