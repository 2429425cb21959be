/** wait4/waitid options, idtypes and siginfo codes (include/uapi/linux/wait.h, asm-generic/siginfo.h). */
export const WNOHANG = 0x00000001;
export const WUNTRACED = 0x00000002;
export const WSTOPPED = WUNTRACED;
export const WEXITED = 0x00000004;
export const WCONTINUED = 0x00000008;
export const WNOWAIT = 0x01000000;
export const __WNOTHREAD = 0x20000000;
export const __WALL = 0x40000000;
export const __WCLONE = 0x80000000;

export const P_ALL = 0;
export const P_PID = 1;
export const P_PGID = 2;
export const P_PIDFD = 3;

export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;

/** sizeof(siginfo_t) and sizeof(struct rusage) on x86-64, in bytes. */
export const SIGINFO_SIZE = 128;
export const RUSAGE_SIZE = 144;
