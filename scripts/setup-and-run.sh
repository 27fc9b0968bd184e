#!/usr/bin/env bash
# Fresh Debian 12 machine (as root): installs the build dependencies, builds dumpprocs and runs the
# main job on the bundled Windows 7 sample dump: the MmProcessLinks view the article shows.
set -euo pipefail
cd "$(dirname "$0")/.."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential cmake g++ python3 xz-utils \
  libcli11-dev libfmt-dev libspdlog-dev catch2 nlohmann-json3-dev liblzma-dev llvm-14-dev \
  libmspack-dev pkg-config
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target dumpprocs
./build/src/dumpprocs testdata/win7sp1_7601_article.dmp --view mm
