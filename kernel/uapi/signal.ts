/** x86-64 signal numbers (arch/x86/include/uapi/asm/signal.h) and _NSIG. */
export const SIG = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
} as const;

/** Highest signal number + 1 is 65: valid signals are 1..64 (_NSIG = 64). */
export const _NSIG = 64;

/** Signals whose default action dumps core (wait status gets 0x80 when a core is written). */
export const SIG_KERNEL_COREDUMP = new Set<number>([
  SIG.SIGQUIT, SIG.SIGILL, SIG.SIGTRAP, SIG.SIGABRT, SIG.SIGBUS, SIG.SIGFPE, SIG.SIGSEGV, SIG.SIGXCPU, SIG.SIGXFSZ,
  SIG.SIGSYS,
]);

const NAMES: string[] = [];
for (const [k, v] of Object.entries(SIG)) NAMES[v] = k;

/** "SIGSEGV" for 11; "SIGRTMIN+n" / "signal n" for the rest. */
export function signalName(signo: number): string {
  if (NAMES[signo]) return NAMES[signo];
  if (signo >= 32 && signo <= _NSIG) return signo === 32 ? 'SIGRTMIN' : `SIGRT_${signo - 32}`;
  return `signal ${signo}`;
}
