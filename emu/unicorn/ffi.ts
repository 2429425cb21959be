/**
 * The koffi binding of libunicorn: every uc_* prototype sysemu uses, in one table, and nothing else.
 * Loaded lazily on first use so that `--help` costs no native load.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { locateEngine, type EngineLocation } from './locate.js';

const ucEngine = koffi.opaque('uc_engine');
const ucContext = koffi.opaque('uc_context');
const ucEnginePtr = koffi.pointer('uc_engine_ptr', ucEngine);
koffi.pointer('uc_context_ptr', ucContext);

/**
 * Callback prototypes (unicorn.h uc_cb_insn_syscall_t, uc_cb_eventmem_t, uc_cb_hookintr_t); the user-data pointer
 * carries an engine id (see emu/trampolines.ts).
 */
export const CB = {
  syscall: koffi.proto('void uc_cb_insn_syscall(uc_engine_ptr uc, intptr_t user)'),
  eventmem: koffi.proto(
    'bool uc_cb_eventmem(uc_engine_ptr uc, int type, uint64_t address, int size, int64_t value, intptr_t user)',
  ),
  intr: koffi.proto('void uc_cb_hookintr(uc_engine_ptr uc, uint32_t intno, intptr_t user)'),
};
void ucEnginePtr;

function bind(lib: LibraryHandle) {
  return {
    uc_version: lib.func('unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)'),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_open: lib.func('int uc_open(int arch, int mode, _Out_ uc_engine_ptr *uc)'),
    uc_close: lib.func('int uc_close(uc_engine_ptr uc)'),
    uc_ctl: lib.func('int uc_ctl(uc_engine_ptr uc, int control, ...)'),
    uc_reg_read_batch: lib.func('int uc_reg_read_batch(uc_engine_ptr uc, int32_t *regs, uint64_t *vals, int count)'),
    uc_reg_write_batch: lib.func('int uc_reg_write_batch(uc_engine_ptr uc, int32_t *regs, uint64_t *vals, int count)'),
    uc_mem_map: lib.func('int uc_mem_map(uc_engine_ptr uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_map_ptr: lib.func('int uc_mem_map_ptr(uc_engine_ptr uc, uint64_t address, size_t size, uint32_t perms, uint64_t ptr)'),
    uc_mem_unmap: lib.func('int uc_mem_unmap(uc_engine_ptr uc, uint64_t address, size_t size)'),
    uc_mem_protect: lib.func('int uc_mem_protect(uc_engine_ptr uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_read: lib.func('int uc_mem_read(uc_engine_ptr uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)'),
    uc_mem_write: lib.func('int uc_mem_write(uc_engine_ptr uc, uint64_t address, const uint8_t *bytes, size_t size)'),
    uc_emu_start: lib.func('int uc_emu_start(uc_engine_ptr uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_emu_stop: lib.func('int uc_emu_stop(uc_engine_ptr uc)'),
    uc_hook_add: lib.func(
      'int uc_hook_add(uc_engine_ptr uc, _Out_ size_t *hh, int type, void *callback, intptr_t user, uint64_t begin, uint64_t end, ...)',
    ),
    uc_hook_del: lib.func('int uc_hook_del(uc_engine_ptr uc, size_t hh)'),
    uc_context_alloc: lib.func('int uc_context_alloc(uc_engine_ptr uc, _Out_ uc_context_ptr *context)'),
    uc_context_save: lib.func('int uc_context_save(uc_engine_ptr uc, uc_context_ptr context)'),
    uc_context_restore: lib.func('int uc_context_restore(uc_engine_ptr uc, uc_context_ptr context)'),
    uc_context_free: lib.func('int uc_context_free(uc_context_ptr context)'),
  };
}

export type Unicorn = ReturnType<typeof bind> & { location: EngineLocation; version: string };

let loaded: Unicorn | null = null;

/** Loads libunicorn once (see locate.ts for the search order); throws a one-line Error when there is none. */
export function unicorn(): Unicorn {
  if (loaded) return loaded;
  const location = locateEngine();
  if (!location) {
    throw new Error('no Unicorn engine found: run `npm run setup` (or set SYSEMU_LIBUNICORN to libunicorn.so.2)');
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(location.path);
  } catch (e) {
    throw new Error(`cannot load Unicorn from ${location.path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const fns = bind(lib);
  const major = [0];
  const minor = [0];
  const hex = fns.uc_version(major, minor) as number;
  const patch = (hex >> 8) & 0xff;
  loaded = { ...fns, location, version: `${major[0]}.${minor[0]}.${patch}` };
  if (location.source === 'system' && minor[0] === 0 && !process.env.SYSEMU_QUIET_ENGINE) {
    process.stderr.write(`sysemu: warning: using the system's Unicorn ${loaded.version} (slow memory stores); run \`npm run setup\` for 2.1\n`);
  }
  return loaded;
}
