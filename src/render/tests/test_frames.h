// Test support: the pydicom-derived frames and expectations written by make_frames.py into
// a temporary folder once per test program, and small helpers to read them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "render/pixels.h"

namespace custos::render::testing {

namespace fs = std::filesystem;

inline const fs::path& frames_dir() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() /
                       ("custos-render-frames-" + std::to_string(::getpid()));
    const std::string cmd = std::string("/usr/bin/python3 ") + CUSTOS_SOURCE_DIR +
                            "/src/render/tests/make_frames.py " + d.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) return fs::path();
    std::atexit([] { std::error_code ec; fs::remove_all(frames_dir(), ec); });
    return d;
  }();
  return dir;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string name;
  PixelDescription description;
  int frames = 1;
  int tolerance = 0;
  bool has_reference = false;
};

inline std::vector<double> numbers(const std::string& text) {
  std::vector<double> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    if (!item.empty()) out.push_back(std::stod(item));
  }
  return out;
}

inline Case load_case(const std::string& name) {
  std::map<std::string, std::string> kv;
  std::istringstream in(read_file(frames_dir() / (name + ".txt")));
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  Case c;
  c.name = name;
  PixelDescription& d = c.description;
  d.transfer_syntax_uid = kv["transfer_syntax_uid"];
  d.rows = std::stoi(kv["rows"]);
  d.columns = std::stoi(kv["columns"]);
  d.samples_per_pixel = std::stoi(kv["samples_per_pixel"]);
  d.bits_allocated = std::stoi(kv["bits_allocated"]);
  d.bits_stored = std::stoi(kv["bits_stored"]);
  d.high_bit = std::stoi(kv["high_bit"]);
  d.pixel_signed = kv["pixel_signed"] == "1";
  d.photometric = kv["photometric"];
  d.planar_configuration = std::stoi(kv["planar_configuration"]);
  d.rescale_slope = std::stod(kv["rescale_slope"]);
  d.rescale_intercept = std::stod(kv["rescale_intercept"]);
  d.window_centers = numbers(kv["window_centers"]);
  d.window_widths = numbers(kv["window_widths"]);
  c.frames = std::stoi(kv["frames"]);
  c.tolerance = std::stoi(kv["tolerance"]);
  c.has_reference = kv["has_reference"] == "1";
  return c;
}

inline std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::istringstream in(read_file(frames_dir() / "cases.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// A frame's fragments, owned.
inline std::vector<std::vector<std::byte>> load_fragments(const std::string& name, int frame) {
  const std::string raw = read_file(frames_dir() / (name + "." + std::to_string(frame) + ".frag"));
  std::vector<std::vector<std::byte>> out;
  std::size_t pos = 0;
  while (pos + 4 <= raw.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data() + pos);
    const std::size_t n = p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::size_t>(p[3]) << 24;
    pos += 4;
    const auto* b = reinterpret_cast<const std::byte*>(raw.data() + pos);
    out.emplace_back(b, b + std::min(n, raw.size() - pos));
    pos += n;
  }
  return out;
}

inline std::vector<std::int32_t> load_expected(const std::string& name, int frame) {
  const std::string raw =
      read_file(frames_dir() / (name + "." + std::to_string(frame) + ".expected"));
  std::vector<std::int32_t> out(raw.size() / 4);
  std::memcpy(out.data(), raw.data(), out.size() * 4);
  return out;
}

// The decoded values as int32 (signedness applied), interleaved.
inline std::vector<std::int32_t> values(const Decoded& f) {
  std::vector<std::int32_t> out;
  if (f.bits == 8) {
    out.assign(f.data8.begin(), f.data8.end());
  } else {
    for (const auto v : f.data16) {
      out.push_back(f.is_signed ? static_cast<std::int16_t>(v) : static_cast<std::int32_t>(v));
    }
  }
  return out;
}

struct Spans {
  std::vector<std::span<const std::byte>> spans;
  explicit Spans(const std::vector<std::vector<std::byte>>& fragments) {
    for (const auto& f : fragments) spans.emplace_back(f);
  }
};

}  // namespace custos::render::testing
