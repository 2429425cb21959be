#!/usr/bin/env bash
# Captures native golden outputs of the guest programs into tests/golden/:
#   <guest>.stdout    everything the guest wrote to fd 1 (a regular file)
#   <guest>.status    the exit status as a shell reports it (128 + N: killed by signal N)
#   hello-glibc.syscalls, hello-musl.syscalls
#                     syscall names in order, one per line, from strace -f -qq
#                     (the first line is the execve that started the guest)
# Each guest runs as pid 1 of a fresh pid namespace (unshare -pf --mount-proc),
# from guest/build/ as ./<guest>, with exactly the environment in GUEST_ENV;
# auxv gets the arguments in AUXV_ARGS. This needs root: without it the
# script prints a message and exits 0 without touching tests/golden/.
# Arguments (optional): capture only these guests, by source name
# (threads_tls: both libcs) or built name (threads_tls-musl).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/guest/build
golden=$root/tests/golden
GUEST_ENV=(LANG=C SYSEMU_GOLDEN=1)
AUXV_ARGS=(alpha "beta gamma")
SIMPLE_GUESTS="hello-asm hello-glibc hello-musl syscall_abi auxv efault segv sigill"
PROCESS_GUESTS="clone3_args clone3_set_tid pid_views wait_status clone_tids vfork_mem fork_many clone_with_pids pidfd_poll"
THREAD_GUESTS="threads_counter threads_condvar threads_tls threads_exit_group threads_robust futex_errors"

can_capture() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "capture-golden: skipped: needs root for unshare -pf --mount-proc"
    return 1
  fi
  if ! unshare -pf --mount-proc true 2>/dev/null; then
    echo "capture-golden: skipped: unshare -pf --mount-proc does not work on this machine"
    return 1
  fi
}

# in_fresh_pidns CMD...: runs CMD in guest/build as pid 1 of a new pid namespace.
in_fresh_pidns() {
  (cd "$build" && env -i "${GUEST_ENV[@]}" "$(command -v unshare)" -pf --mount-proc "$@")
}

# capture NAME ARGS...: writes NAME.stdout and NAME.status.
capture() {
  local name=$1 status=0
  shift
  if [[ ! -x "$build/$name" ]]; then
    echo "capture-golden: missing guest/build/$name (not built)" >&2
    return 1
  fi
  in_fresh_pidns "./$name" "$@" >"$golden/$name.stdout" 2>/dev/null || status=$?
  echo "$status" >"$golden/$name.status"
  summarize "$name" "$status"
}

summarize() {
  local name=$1 status=$2 notok
  notok=$(grep -c '^not ok' "$golden/$name.stdout" || true)
  printf '  %-24s status %-3s %s\n' "$name" "$status" \
    "$([[ $notok -gt 0 ]] && echo "WARNING: $notok 'not ok' lines" || echo "")"
}

# capture_syscalls NAME: syscall names of one run, stdout to a regular file as in capture.
capture_syscalls() {
  local name=$1 trace out
  command -v strace >/dev/null || { echo "capture-golden: strace not found: $name.syscalls skipped"; return 0; }
  trace=$(mktemp)
  out=$(mktemp)
  in_fresh_pidns "$(command -v strace)" -f -qq -o "$trace" "./$name" >"$out" 2>/dev/null || true
  # "4     brk(NULL) = 0x..." -> "brk"; drop signal and exit lines.
  sed -E -n 's/^([0-9]+ +)?([a-z_0-9]+)\(.*/\2/p' "$trace" >"$golden/$name.syscalls"
  echo "  $name.syscalls: $(wc -l <"$golden/$name.syscalls") syscalls"
  rm -f "$trace" "$out"
}

# wanted NAME: true when NAME (a guest, e.g. threads_tls-musl, or a source, e.g. threads_tls) was asked for,
# or nothing was (then every guest is captured).
wanted() {
  local name=$1 base=${1%-glibc}
  base=${base%-musl}
  [[ ${#ONLY[@]} -eq 0 ]] && return 0
  for w in "${ONLY[@]}"; do [[ $w == "$name" || $w == "$base" ]] && return 0; done
  return 1
}

main() {
  ONLY=("$@")
  can_capture || exit 0
  "$root/scripts/build-guests.sh"
  mkdir -p "$golden"
  echo "capture-golden: native runs on $(uname -sr), as pid 1 of a new pid namespace"
  for g in $SIMPLE_GUESTS; do
    wanted "$g" || continue
    if [[ $g == auxv ]]; then capture "$g" "${AUXV_ARGS[@]}"; else capture "$g"; fi
  done
  for g in $PROCESS_GUESTS $THREAD_GUESTS; do
    wanted "$g" || continue
    capture "$g-glibc"
    capture "$g-musl"
  done
  if wanted hello-glibc; then capture_syscalls hello-glibc; fi
  if wanted hello-musl; then capture_syscalls hello-musl; fi
  echo "capture-golden: wrote tests/golden/"
}

main "$@"
