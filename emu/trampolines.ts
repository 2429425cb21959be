/**
 * The native entry points of every engine's hooks, registered with koffi once per process. koffi cannot call a
 * callback that was registered while another callback was running (it throws "Maximum call stack size exceeded"),
 * and sysemu creates engines inside the syscall hook (fork), so engines never register callbacks themselves:
 * each hook passes its engine's id as user data and these trampolines dispatch on it.
 */
import koffi from 'koffi';
import { CB } from './unicorn/ffi.js';

/** What an engine handles; each handler must not throw (Engine guards them). */
export interface HookTarget {
  onSyscallTrap(): void;
  onInvalidMemory(type: number, address: bigint): boolean;
  onInterrupt(intno: number): void;
}

const targets = new Map<number, HookTarget>();
let nextId = 1;

type Registered = ReturnType<typeof koffi.register>;
let registered: { syscall: Registered; mem: Registered; intr: Registered } | null = null;

/** The three trampolines, registered on first use; the first engine must be made outside any hook. */
export function trampolines(): NonNullable<typeof registered> {
  registered ??= {
    syscall: koffi.register((_uc: unknown, id: number) => targets.get(id)?.onSyscallTrap(), koffi.pointer(CB.syscall)),
    mem: koffi.register(
      (_uc: unknown, type: number, address: bigint, _size: number, _value: bigint, id: number) =>
        targets.get(id)?.onInvalidMemory(type, address) ?? false,
      koffi.pointer(CB.eventmem),
    ),
    intr: koffi.register((_uc: unknown, intno: number, id: number) => targets.get(id)?.onInterrupt(intno), koffi.pointer(CB.intr)),
  };
  return registered;
}

/** Registers an engine's handlers; returns the id to pass as the hooks' user data. */
export function addTarget(t: HookTarget): number {
  const id = nextId++;
  targets.set(id, t);
  return id;
}

export function removeTarget(id: number): void {
  targets.delete(id);
}
