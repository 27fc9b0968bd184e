#!/usr/bin/env bash
# Fails if any tracked C++ file is not what clang-format makes of it with the repository's
# .clang-format (prints each difference). data/ is left out: its .h file is third-party data the
# profile generator parses as published. To fix: run clang-format -i on the files it names.
# Usage: scripts/check-format.sh        (CLANG_FORMAT=clang-format-NN to choose the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
SOURCES=('*.cpp' '*.hpp' '*.h' ':(exclude)data/')
files=$(git ls-files "${SOURCES[@]}" | wc -l)
git ls-files -z "${SOURCES[@]}" | xargs -0 "$CLANG_FORMAT" --dry-run --Werror
echo "check-format: $files tracked C++ files match .clang-format ($("$CLANG_FORMAT" --version))"
