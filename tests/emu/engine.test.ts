/**
 * The Unicorn binding on the real engine: memory errors, the syscall hook (RIP inside it, rcx/r11 untouched by
 * Unicorn), batched registers, exceptions thrown in a hook, contexts moved between engines, callback cleanup.
 */
import { describe, expect, it } from 'vitest';
import { UcError } from '../../emu/engine.js';
import { Hart } from '../../emu/hart.js';
import { UnicornCpu } from '../../emu/cpu.js';
import { PT, newPtRegs } from '../../kernel/arch/x86/ptregs.js';

const CODE = 0x400000;
// mov eax, 39; syscall; mov rbx, rax; hlt
const GETPID_THEN_HLT = [0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc3, 0xf4];

function cpuWith(code: number[]): Hart {
  const cpu = new Hart();
  cpu.map(CODE, 0x1000, 5);
  cpu.write(CODE, Uint8Array.from(code));
  return cpu;
}

describe('Engine memory', () => {
  it('reads back what it wrote and fails whole on an unmapped byte', () => {
    const cpu = new Hart();
    cpu.map(0x10000, 0x1000, 3);
    cpu.write(0x10ffe, Uint8Array.of(1, 2));
    const b = new Uint8Array(2);
    cpu.read(0x10ffe, b);
    expect([...b]).toEqual([1, 2]);
    expect(() => cpu.read(0x10fff, new Uint8Array(2))).toThrow(UcError);
    expect(() => cpu.map(0x10000, 0x1000, 3)).toThrow(/uc_mem_map/);
    cpu.destroy();
  });
});

describe('syscall hook', () => {
  it('sees RIP at the syscall instruction and rcx/r11 as the guest left them', () => {
    const cpu = cpuWith(GETPID_THEN_HLT);
    const seen = newPtRegs();
    cpu.engine.onSyscall(() => {
      cpu.readRegs(seen);
      cpu.writeSyscallReturn(1234n, seen[PT.rip] + 2n, seen[PT.eflags]);
    });
    const regs = newPtRegs();
    regs[PT.rip] = BigInt(CODE);
    regs[PT.rcx] = 0x1111n;
    regs[PT.r11] = 0x2222n;
    regs[PT.eflags] = 0x202n;
    cpu.writeRegs(regs);
    expect(cpu.engine.run(BigInt(CODE))).toEqual({ kind: 'stopped' });
    expect(seen[PT.rip]).toBe(BigInt(CODE + 5));
    expect(seen[PT.rcx]).toBe(0x1111n);
    expect(seen[PT.r11]).toBe(0x2222n);
    cpu.readRegs(regs);
    expect(regs[PT.rbx]).toBe(1234n);
    expect(regs[PT.rcx]).toBe(BigInt(CODE + 7));
    cpu.destroy();
  });

  it('rethrows an exception from the hook after the engine stops', () => {
    const cpu = cpuWith(GETPID_THEN_HLT);
    cpu.engine.onSyscall(() => {
      throw new Error('kernel bug');
    });
    expect(() => cpu.engine.run(BigInt(CODE))).toThrow('kernel bug');
    cpu.destroy();
  });

  it('stops after the syscall when the hook asks, with RIP on the next instruction', () => {
    const cpu = cpuWith(GETPID_THEN_HLT);
    cpu.engine.onSyscall(() => cpu.stop());
    expect(cpu.engine.run(BigInt(CODE))).toEqual({ kind: 'stopped' });
    const regs = newPtRegs();
    cpu.readRegs(regs);
    expect(regs[PT.rip]).toBe(BigInt(CODE + 7));
    cpu.destroy();
  });
});

describe('faults', () => {
  it('reports a fetch from an unmapped address with the address', () => {
    const cpu = cpuWith([0xff, 0xe0]); // jmp rax
    const regs = newPtRegs();
    regs[PT.rax] = 0xdead000n;
    cpu.writeRegs(regs);
    expect(cpu.engine.run(BigInt(CODE))).toEqual({ kind: 'fault', access: 'fetch', unmapped: true, address: 0xdead000 });
    cpu.destroy();
  });

  it('reports ud2 as an invalid instruction', () => {
    const cpu = cpuWith([0x0f, 0x0b]);
    const r = cpu.engine.run(BigInt(CODE));
    expect(r.kind === 'invalid-insn' || (r.kind === 'interrupt' && r.intno === 6)).toBe(true);
    cpu.destroy();
  });
});

describe('contexts', () => {
  it('carries the whole CPU state (vector registers too) to another engine', () => {
    // mov rax, 7; movq xmm0, rax; syscall; movq rax, xmm0; hlt
    const code = [0x48, 0xc7, 0xc0, 7, 0, 0, 0, 0x66, 0x48, 0x0f, 0x6e, 0xc0, 0x0f, 0x05, 0x66, 0x48, 0x0f, 0x7e, 0xc0, 0xf4];
    const a = cpuWith(code);
    const b = cpuWith(code);
    let ctx: ReturnType<Hart['saveContext']> | null = null;
    a.engine.onSyscall(() => {
      ctx = a.saveContext();
      a.stop();
    });
    a.engine.run(BigInt(CODE));
    const regs = newPtRegs();
    a.readRegs(regs);
    b.restoreContext(ctx!);
    b.writeRegs(regs);
    b.engine.run(regs[PT.rip]);
    b.readRegs(regs);
    expect(regs[PT.rax]).toBe(7n);
    ctx!.free();
    a.destroy();
    b.destroy();
  });
});

describe('UnicornCpu', () => {
  it('keeps a detached address space in JS and writes it into a hart when it first runs', () => {
    const lent: Hart[] = [];
    const pool = { acquire: () => (lent.push(new Hart()), lent.at(-1)!), release: (h: Hart) => h.destroy() };
    const cpu = new UnicornCpu(pool);
    cpu.map(CODE, 0x1000, 5);
    cpu.write(CODE, Uint8Array.from(GETPID_THEN_HLT));
    const shared = cpu.allocShared(0x1000);
    shared.write(0, Uint8Array.of(42));
    cpu.mapShared(0x600000, 0x1000, 1, shared, 0);
    const b = new Uint8Array(1);
    cpu.read(0x600000, b);
    expect(b[0]).toBe(42);
    expect(lent.length).toBe(0);
    const regs = newPtRegs();
    regs[PT.rip] = BigInt(CODE);
    cpu.writeRegs(regs);
    expect(lent.length).toBe(1);
    cpu.hart.engine.onSyscall(() => cpu.writeSyscallReturn(5n, 0n, 0n));
    expect(cpu.hart.engine.run(BigInt(CODE))).toEqual({ kind: 'stopped' });
    cpu.readRegs(regs);
    expect(regs[PT.rbx]).toBe(5n);
    cpu.close();
  });
});
