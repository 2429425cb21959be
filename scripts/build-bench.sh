#!/usr/bin/env bash
# Builds the benchmark guests (guest/bench/*.c) into guest/build/bench/ for scripts/bench.ts:
#   static glibc, gcc -static -O2, headers from guest/include/;
#   exit_asm with -nostdlib -no-pie (no libc at all), mutex with -pthread.
# Idempotent: a guest is rebuilt only when its source, a header in guest/include/
# or this script is newer than it. Environment: CC (default gcc).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self=$root/scripts/build-bench.sh
cd "$root"
src=guest/bench
inc=guest/include
out=guest/build/bench
CC=${CC:-gcc}
COMMON="-static -O2 -Wall -Wextra -I$inc"

built=0
uptodate=0

# needs_build TARGET SOURCE: true when TARGET is missing or older than its inputs.
needs_build() {
  local target=$1 source=$2 dep
  [[ -e "$target" ]] || return 0
  for dep in "$source" "$inc"/*.h "$self"; do
    [[ "$dep" -nt "$target" ]] && return 0
  done
  return 1
}

# flags_for NAME: the compiler flags of one guest.
flags_for() {
  case $1 in
    exit_asm) echo "-nostdlib -static -no-pie -O2 -Wall -Wextra" ;;
    mutex) echo "$COMMON -pthread" ;;
    *) echo "$COMMON" ;;
  esac
}

main() {
  mkdir -p "$out"
  local source name
  for source in "$src"/*.c; do
    name=$(basename "$source" .c)
    if ! needs_build "$out/$name" "$source"; then
      uptodate=$((uptodate + 1))
      continue
    fi
    # shellcheck disable=SC2046 # the flags are meant to split
    echo "  $CC $(flags_for "$name") -o $out/$name $source"
    "$CC" $(flags_for "$name") -o "$out/$name" "$source"
    built=$((built + 1))
  done
  echo "bench build: $built built, $uptodate up to date, in $out/"
}

main "$@"
