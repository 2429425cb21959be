/**
 * The `sysemu` commands (the entry point is emu/cli.ts). `sysemu run [options] [--] ELF [ARGS...]` runs a static x86-64 Linux program and
 * exits with its status (128 + signal when a signal killed it, as a shell reports it).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runProgram, LaunchError } from './run_program.js';
import { versions } from './version.js';
import { DeadlockError } from './machine.js';

/** Exit status when every remaining task is blocked forever (no guest exit status exists): 125, like a tool error. */
const EXIT_DEADLOCK = 125;
import { registerSweep } from './sweep_command.js';
import { stracePrinter } from './strace_sink.js';
import { SIG, signalName } from '../kernel/uapi/signal.js';
import { parseFailUsercopy, type FaultAttr } from '../kernel/fault_inject.js';
import { formatPidnsTree } from '../kernel/trace/pidns_tree.js';
import { CLONE_WITH_PIDS_NR_DEFAULT } from '../kernel/kernel.js';

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

interface RunFlags {
  strace?: boolean;
  pidnsTree?: boolean;
  nsLastPid?: number;
  pidMax: number;
  cloneWithPidsNr: number;
  failUsercopy?: string;
  env: string[];
  clearEnv?: boolean;
  seed: number;
  clock: 'real' | 'virtual';
  quantum: number;
}

function guestEnv(flags: RunFlags): string[] {
  const base = flags.clearEnv ? [] : Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  for (const kv of flags.env) {
    if (!kv.includes('=')) throw new InvalidArgumentError(`--env expects K=V, got "${kv}"`);
    const key = kv.slice(0, kv.indexOf('=') + 1);
    const i = base.findIndex((e) => e.startsWith(key));
    if (i >= 0) base[i] = kv;
    else base.push(kv);
  }
  return base;
}

function faultAttr(spec: string | undefined): FaultAttr | null {
  if (spec === undefined) return null;
  try {
    return parseFailUsercopy(spec, (line) => process.stderr.write(`sysemu: ${line}\n`));
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function runCommand(elf: string, args: string[], flags: RunFlags): number {
  const err = (line: string) => process.stderr.write(line + '\n');
  const result = runProgram(elf, {
    argv: [elf, ...args],
    envp: guestEnv(flags),
    seed: flags.seed,
    clock: flags.clock,
    quantum: flags.quantum,
    pidMax: flags.pidMax,
    nsLastPid: flags.nsLastPid,
    cloneWithPidsNr: flags.cloneWithPidsNr,
    faultAttr: faultAttr(flags.failUsercopy),
    trace: flags.strace ? stracePrinter(err) : undefined,
  });
  if (flags.pidnsTree) err(formatPidnsTree(result.machine.kernel.history.list()));
  if (result.signal !== null) {
    // As a shell does: SIGPIPE (a closed output pipe) and SIGINT end the guest without a message.
    if (result.signal === SIG.SIGPIPE || result.signal === SIG.SIGINT) return 128 + result.signal;
    const f = result.fault;
    const where = f ? ` at address 0x${f.address.toString(16)} (rip 0x${f.rip.toString(16)})` : '';
    process.stderr.write(`sysemu: guest killed by ${signalName(result.signal)}${where}\n`);
    return 128 + result.signal;
  }
  return result.exitCode ?? 0;
}

export function main(argv: string[]): number {
  const program = new Command('sysemu')
    .description('Run static x86-64 Linux programs on an emulated CPU whose syscalls a TypeScript Linux kernel answers')
    .version(versions(), '-V, --version', 'print the versions of sysemu, Unicorn and koffi')
    .showHelpAfterError('(run sysemu --help for usage)')
    .enablePositionalOptions()
    .exitOverride();
  let status = 0;
  program
    .command('run')
    .description('run ELF with ARGS and exit with its status')
    .argument('<ELF>', 'static x86-64 Linux executable')
    .argument('[ARGS...]', 'arguments passed to the guest (argv[1]...)')
    .option('--strace', 'print each syscall to stderr in strace format')
    .option('-e, --env <K=V>', 'set a variable in the guest environment (repeatable)', collect, [])
    .option('--clear-env', 'start the guest with an empty environment')
    .option('--seed <n>', 'seed for AT_RANDOM, getrandom and other random choices', intArg('--seed', 0, 2 ** 53), 0)
    .addOption(new Option('--clock <kind>', 'time source').choices(['real', 'virtual']).default('real'))
    .option('--quantum <n>', 'instructions per time slice while several tasks can run', intArg('--quantum', 1000, 1e9), 200000)
    .option('--pidns-tree', 'at exit, print every task that existed: pids per namespace level, parent, status')
    .option('--pid-max <n>', 'pid_max of the root pid namespace', intArg('--pid-max', 301, 4194304), 32768)
    .option('--ns-last-pid <n>', 'ns_last_pid of the root namespace at start (next pid is n+1)', intArg('--ns-last-pid', 0, 4194304))
    .option('--clone-with-pids-nr <n>', `syscall number of clone_with_pids (2009 patches: 299, now recvmmsg)`, intArg('--clone-with-pids-nr', 0, 4095), CLONE_WITH_PIDS_NR_DEFAULT)
    .option('--fail-usercopy <spec>', 'inject user-copy faults, e.g. nth=3 or site=clone3:*,probability=50,seed=7,verbose=1')
    .passThroughOptions()
    .action((elf: string, args: string[], flags: RunFlags) => {
      status = runCommand(elf, args, flags);
    });
  registerSweep(program, (s) => {
    status = s;
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof DeadlockError) {
      process.stderr.write(`sysemu: deadlock: ${e.message}\n`);
      return EXIT_DEADLOCK;
    }
    // Thrown by this file's own checks (commander prints and wraps the errors of its option parsers itself).
    if (e instanceof InvalidArgumentError || e instanceof RangeError) {
      process.stderr.write(`sysemu: ${e.message}\n`);
      return 2;
    }
    const code = (e as { exitCode?: number }).exitCode;
    if (code !== undefined) return code === 0 ? 0 : 2;
    if (e instanceof LaunchError) {
      process.stderr.write(`sysemu: ${e.message}\n`);
      return e.exitStatus;
    }
    throw e;
  }
  return status;
}
