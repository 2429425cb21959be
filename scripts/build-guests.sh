#!/usr/bin/env bash
# Builds the guest programs into guest/build/ (gitignored):
#   -nostdlib assembly:  hello-asm, syscall_abi
#   glibc static (gcc -static -O2):  hello-glibc, auxv, efault, segv, sigill
#   musl static (musl-gcc -static -O2):  hello-musl
#   both libcs (<name>-glibc, <name>-musl): the clone-family guests in PROCESS_GUESTS
#     and, with -pthread, the thread and futex guests in THREAD_GUESTS
# Idempotent: a target is rebuilt only when its source, a header in
# guest/include/ or this script is newer, or the flags changed.
# Environment: CLONE_WITH_PIDS_NR=N builds clone_with_pids with that syscall
# number (default 600, see guest/include/clone_with_pids.h); CC, MUSL_CC.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self=$root/scripts/build-guests.sh
cd "$root" # paths below are relative to the repository, so logs read the same everywhere
src=guest/src
asm=guest/asm
inc=guest/include
out=guest/build
CC=${CC:-gcc}
MUSL_CC=${MUSL_CC:-musl-gcc}
COMMON="-static -O2 -Wall -Wextra -I$inc"
EXTRA=""
if [[ -n "${CLONE_WITH_PIDS_NR:-}" ]]; then
  EXTRA="-D__NR_clone_with_pids=$CLONE_WITH_PIDS_NR"
fi
PROCESS_GUESTS="clone3_args clone3_set_tid pid_views wait_status clone_tids vfork_mem fork_many clone_with_pids pidfd_poll"
THREAD_GUESTS="threads_counter threads_condvar threads_tls threads_exit_group threads_robust futex_errors"

built=0
uptodate=0

musl_version() {
  local specs libc
  specs=$(grep -o -- '-specs "[^"]*"' "$(command -v "$MUSL_CC")" 2>/dev/null | sed 's/-specs "\(.*\)"/\1/' || true)
  libc=$(dirname "${specs:-/usr/lib/x86_64-linux-musl/x}")/libc.so
  if [[ -x "$libc" ]]; then
    "$libc" 2>&1 | sed -n 's/^Version /musl /p'
  else
    echo "musl (version unknown)"
  fi
}

print_compilers() {
  echo "guest build: $CC: $("$CC" --version | head -n1)"
  if have_musl; then
    echo "guest build: $MUSL_CC: $(musl_version) with $("$CC" --version | head -n1)"
  else
    echo "guest build: $MUSL_CC not found: -musl guests are skipped (apt-get install musl-tools)"
  fi
}

have_musl() { command -v "$MUSL_CC" >/dev/null 2>&1; }

# needs_build TARGET SOURCE: true when TARGET is missing or older than its inputs.
needs_build() {
  local target=$1 source=$2 dep
  [[ -e "$target" ]] || return 0
  for dep in "$source" "$inc"/*.h "$self" "$out/.flags"; do
    [[ "$dep" -nt "$target" ]] && return 0
  done
  return 1
}

# build NAME SOURCE COMPILER FLAGS...
build() {
  local name=$1 source=$2 compiler=$3
  shift 3
  if ! needs_build "$out/$name" "$source"; then
    uptodate=$((uptodate + 1))
    return
  fi
  echo "  $compiler $* -o $out/$name $source"
  "$compiler" "$@" -o "$out/$name" "$source"
  built=$((built + 1))
}

# The flags stamp makes a change of CLONE_WITH_PIDS_NR (or CC) rebuild everything.
update_flags_stamp() {
  local flags="$CC|$MUSL_CC|$COMMON|$EXTRA"
  if [[ ! -e "$out/.flags" ]] || [[ "$(cat "$out/.flags")" != "$flags" ]]; then
    printf '%s' "$flags" >"$out/.flags"
  fi
}

main() {
  mkdir -p "$out"
  print_compilers
  update_flags_stamp
  build hello-asm "$asm/hello.S" "$CC" -nostdlib -static -no-pie
  build syscall_abi "$asm/syscall_abi.S" "$CC" -nostdlib -static -no-pie
  build hello-glibc "$src/hello.c" "$CC" $COMMON
  for g in auxv efault segv sigill; do
    build "$g" "$src/$g.c" "$CC" $COMMON
  done
  for g in $PROCESS_GUESTS; do
    build "$g-glibc" "$src/$g.c" "$CC" $COMMON $EXTRA
  done
  for g in $THREAD_GUESTS; do
    build "$g-glibc" "$src/$g.c" "$CC" $COMMON -pthread
  done
  if have_musl; then
    build hello-musl "$src/hello.c" "$MUSL_CC" $COMMON
    for g in $PROCESS_GUESTS; do
      build "$g-musl" "$src/$g.c" "$MUSL_CC" $COMMON $EXTRA
    done
    for g in $THREAD_GUESTS; do
      build "$g-musl" "$src/$g.c" "$MUSL_CC" $COMMON -pthread
    done
  fi
  echo "guest build: $built built, $uptodate up to date, in guest/build/"
}

main "$@"
