// libqrencode stays in this file.
#include "cli/qr_terminal.h"

#include <qrencode.h>

#include <memory>

namespace custos::cli {

Result<std::string> qr_terminal(std::string_view text) {
  const std::string s(text);
  struct Free {
    void operator()(QRcode* q) const { QRcode_free(q); }
  };
  const std::unique_ptr<QRcode, Free> qr(
      QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) return fail(ErrorCode::kInvalidArgument, "text too long for a QR code");
  constexpr int kBorder = 4;
  const int w = qr->width;
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= w || y >= w) return false;
    return (qr->data[y * w + x] & 1) != 0;
  };
  // Light-on-dark terminals and dark-on-light ones both scan when the quiet zone is drawn;
  // "dark" modules are printed as spaces on a filled background, which scanners read on the
  // common light-text-on-dark-background terminal.
  std::string out;
  for (int y = -kBorder; y < w + kBorder; y += 2) {
    for (int x = -kBorder; x < w + kBorder; ++x) {
      const bool top = dark(x, y);
      const bool bottom = dark(x, y + 1);
      if (top && bottom) out += " ";
      else if (top) out += "\u2584";
      else if (bottom) out += "\u2580";
      else out += "\u2588";
    }
    out += "\n";
  }
  return out;
}

}  // namespace custos::cli
