// Shared helpers of the dicomweb tests: pydicom's test files and running python.
#pragma once

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace custos::dicomweb::test {

inline std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = pclose(p);
  if (status) *status = st;
  return out;
}

inline std::filesystem::path pydicom_files() {
  std::string dir = run("/usr/bin/python3 -c 'import pydicom.data as d; print(d.__path__[0])'");
  while (!dir.empty() && dir.back() == '\n') dir.pop_back();
  return std::filesystem::path(dir) / "test_files";
}

inline std::vector<std::byte> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  std::memcpy(out.data(), c.data(), c.size());
  return out;
}

}  // namespace custos::dicomweb::test
