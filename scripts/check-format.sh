#!/usr/bin/env bash
# Fails if any tracked C++ file is not what clang-format makes of it with the repository's
# .clang-format (prints each difference). To fix: git ls-files '*.cpp' '*.hpp' '*.h' | xargs clang-format -i
# Usage: scripts/check-format.sh        (CLANG_FORMAT=clang-format-NN to choose the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
files=$(git ls-files '*.cpp' '*.hpp' '*.h' | wc -l)
git ls-files -z '*.cpp' '*.hpp' '*.h' | xargs -0 "$CLANG_FORMAT" --dry-run --Werror
echo "check-format: $files tracked C++ files match .clang-format ($("$CLANG_FORMAT" --version))"
