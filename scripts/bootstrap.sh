#!/usr/bin/env bash
# Installs, only when missing, every Debian package that building, running, testing and
# benchmarking custos needs. Idempotent: a second run installs nothing and is quick.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config ninja-build
  # libraries
  libdcmtk-dev libsqlcipher-dev libarchive-dev libsodium-dev libssl-dev zlib1g-dev
  libqrencode-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libexpected-dev
  # rendering: JPEG 2000 decoding, JPEG and PNG encoding
  libopenjp2-7-dev libjpeg62-turbo-dev libpng-dev
  # tests
  libgtest-dev libgmock-dev dcmtk python3-pydicom python3-numpy zip unzip sqlite3 libxml2-utils
  openssl
  # browser tests of the web app (driven by playwright-core)
  chromium
  # sanitizers and fuzzing
  clang libclang-rt-14-dev
  # server: HTTP/TLS (Boost.Beast/Asio, header-only)
  libboost-dev
  # benchmark and conformance peers, load generator
  orthanc orthanc-dicomweb curl time wrk
)
# Node.js runs the standard DICOMweb client in the tests (and builds the web app). The
# machine image ships Node 20; a bare Debian 12 gets its own nodejs and npm.
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

npm_install() { # dir: npm ci when its node_modules is missing or older than the lock file
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && touch "$dir/node_modules"
  fi
}
here=$(cd "$(dirname "$0")/.." && pwd)

if [ ${#missing[@]} -eq 0 ]; then
  npm_install "$here/tests/node"
  npm_install "$here/web"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
# Non-interactive: no prompts from debconf.
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_install "$here/tests/node"
npm_install "$here/web"
