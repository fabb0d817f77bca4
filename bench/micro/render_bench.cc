// What rendering costs per request: a 512x512 16-bit CT frame (synthetic, CT-like noise
// and anatomy-sized shapes) through render() to JPEG q90 and to PNG, a 128x128 thumbnail,
// and the decoder pool's round trip for a 512x512 JPEG-LS frame (made with DCMTK's dcmcjpls
// from the same frame when the tool is present).
// usage: render_bench [ITERATIONS]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "render/decoder.h"
#include "render/render.h"
#include "render/worker_protocol.h"

using namespace custos::render;
using Clock = std::chrono::steady_clock;

namespace {

struct Ct {
  PixelDescription d;
  Decoded f;
};

Ct make_ct() {
  Ct ct;
  ct.d.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  ct.d.rows = ct.d.columns = 512;
  ct.d.bits_allocated = 16;
  ct.d.bits_stored = 16;
  ct.d.high_bit = 15;
  ct.d.pixel_signed = true;
  ct.d.rescale_intercept = -1024;
  ct.d.window_centers = {40};
  ct.d.window_widths = {400};
  ct.f.rows = ct.f.columns = 512;
  ct.f.bits = 16;
  ct.f.bits_stored = 16;
  ct.f.is_signed = true;
  std::mt19937 random(1);
  std::normal_distribution<double> noise(0, 12);
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 512; ++x) {
      const double r = std::hypot(x - 256, y - 256);
      double hu = r < 200 ? 40 : -1000;                    // body
      if (std::hypot(x - 180, y - 230) < 60 || std::hypot(x - 330, y - 230) < 60) hu = -850;
      if (std::hypot(x - 256, y - 380) < 25) hu = 700;     // bone
      hu += r < 200 ? noise(random) : noise(random) / 4;
      ct.f.data16.push_back(static_cast<std::uint16_t>(static_cast<int>(hu + 1024)));
    }
  }
  return ct;
}

template <class F>
double time_us(int n, F&& f) {
  f();  // warm
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) f();
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}

// A JPEG-LS encoding of the frame, made by dcmcjpls; empty when the tool is absent.
std::string jpeg_ls_frame(const Ct& ct) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("render-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ct.raw", std::ios::binary)
      .write(reinterpret_cast<const char*>(ct.f.data16.data()),
             static_cast<std::streamsize>(ct.f.data16.size() * 2));
  const std::string script =
      "import numpy as np, pydicom, sys\n"
      "from pydicom.dataset import Dataset, FileMetaDataset\n"
      "from pydicom.uid import ExplicitVRLittleEndian, generate_uid\n"
      "d = sys.argv[1]\n"
      "a = np.fromfile(d + '/ct.raw', dtype='<i2').reshape(512, 512)\n"
      "ds = Dataset(); ds.file_meta = FileMetaDataset()\n"
      "ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian\n"
      "ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'\n"
      "ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()\n"
      "ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID\n"
      "ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID\n"
      "ds.Rows = ds.Columns = 512; ds.SamplesPerPixel = 1; ds.BitsAllocated = 16\n"
      "ds.BitsStored = 16; ds.HighBit = 15; ds.PixelRepresentation = 1\n"
      "ds.PhotometricInterpretation = 'MONOCHROME2'; ds.PixelData = a.tobytes()\n"
      "ds.is_little_endian = True; ds.is_implicit_VR = False\n"
      "ds.save_as(d + '/ct.dcm', write_like_original=False)\n";
  std::ofstream(dir / "make.py") << script;
  const std::string cmd = "/usr/bin/python3 " + (dir / "make.py").string() + " " + dir.string() +
                          " && dcmcjpls " + (dir / "ct.dcm").string() + " " +
                          (dir / "ct_ls.dcm").string() +
                          " && /usr/bin/python3 -c \"import pydicom, sys; from pydicom.encaps "
                          "import generate_pixel_data_frame as g; ds = pydicom.dcmread(sys.argv[1]); "
                          "open(sys.argv[2], 'wb').write(next(g(ds.PixelData)))\" " +
                          (dir / "ct_ls.dcm").string() + " " + (dir / "ct.jls").string();
  std::string out;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream in(dir / "ct.jls", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
  }
  fs::remove_all(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 300;
  auto decoder = Decoder::open({});  // fork the workers before anything else
  if (!decoder) {
    std::fprintf(stderr, "decoder: %s\n", decoder.error().message.c_str());
    return 1;
  }
  const Ct ct = make_ct();
  RenderOptions jpeg;
  RenderOptions png;
  png.format = Format::kPng;
  RenderOptions thumb;
  thumb.viewport = Viewport{};
  std::size_t jpeg_size = 0;
  std::size_t png_size = 0;
  const double jpeg_us = time_us(n, [&] { jpeg_size = render(ct.d, ct.f, jpeg)->size(); });
  const double png_us = time_us(n, [&] { png_size = render(ct.d, ct.f, png)->size(); });
  const double thumb_us = time_us(n, [&] { (void)render(ct.d, ct.f, thumb); });
  const std::vector<std::byte> native(reinterpret_cast<const std::byte*>(ct.f.data16.data()),
                                      reinterpret_cast<const std::byte*>(ct.f.data16.data()) +
                                          ct.f.data16.size() * 2);
  const std::vector<std::span<const std::byte>> native_spans{native};
  const double native_us = time_us(n, [&] { (void)(*decoder)->decode(ct.d, native_spans); });
  std::printf("512x512 16-bit CT, render(): JPEG q90 %.0f us (%zu bytes), PNG %.0f us (%zu bytes), "
              "thumbnail 128 JPEG %.0f us; native decode %.0f us\n",
              jpeg_us, jpeg_size, png_us, png_size, thumb_us, native_us);

  const std::string jls = jpeg_ls_frame(ct);
  if (jls.empty()) {
    std::printf("JPEG-LS round trip: skipped (dcmcjpls or pydicom missing)\n");
    return 0;
  }
  PixelDescription d = ct.d;
  d.transfer_syntax_uid = "1.2.840.10008.1.2.4.80";
  const std::vector<std::span<const std::byte>> spans{
      std::span(reinterpret_cast<const std::byte*>(jls.data()), jls.size())};
  bool ok = true;
  const double pool_us = time_us(n / 3 + 1, [&] {
    auto r = (*decoder)->decode(d, spans);
    ok = ok && r && r->data16 == ct.f.data16;
  });
  // The same decode without isolation (DCMTK in this process), to show what the pool adds.
  DecodeRequest request;
  request.codec = Codec::kJpegLs;
  request.description = d;
  request.fragments.emplace_back(spans[0].begin(), spans[0].end());
  const double direct_us = time_us(n / 3 + 1, [&] { (void)dcmtk_decode(request); });
  std::printf("512x512 JPEG-LS frame (%zu bytes): decoder pool %.0f us per frame, same decode "
              "in process %.0f us (isolation adds %.0f us; lossless round trip %s)\n",
              jls.size(), pool_us, direct_us, pool_us - direct_us, ok ? "exact" : "WRONG");
  return ok ? 0 : 1;
}
