/**
 * The two uprobe syscalls of recent x86-64 kernels, which only uprobe trampolines may call; sysemu has no
 * trampolines, so every call is from elsewhere: uprobe (336, 6.16+) returns -ENXIO, uretprobe (335, 6.11+)
 * kills the caller with SIGILL. Linux: arch/x86/kernel/uprobes.c.
 */
import { Errno } from '../../uapi/errno.js';
import { SIG } from '../../uapi/signal.js';
import { CTRL_EXIT } from '../../sched/syscall_control.js';
import { forceSigFatal } from '../../signal.js';
import type { SyscallDef } from './syscall_def.js';
import { PT } from './ptregs.js';

export const uprobeSyscalls: SyscallDef[] = [
  {
    name: 'uretprobe', support: 'full', args: [], note: 'no trampolines: always SIGILL',
    fn: (task, a) => {
      forceSigFatal(task, SIG.SIGILL, 0, a.regs[PT.rip]);
      return CTRL_EXIT;
    },
  },
  { name: 'uprobe', support: 'full', args: [], note: 'no trampolines: always -ENXIO', fn: () => -Errno.ENXIO },
];
