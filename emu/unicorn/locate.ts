/**
 * Finds libunicorn: `SYSEMU_LIBUNICORN` (a path), then the project-local 2.1.x fetched by `scripts/setup.mjs`
 * into `.engine/lib/`, then the system's `libunicorn.so.2` (Debian 12 ships 2.0.1, whose memory stores are slow).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EngineLocation {
  path: string;
  source: 'env' | 'project' | 'system';
}

const SYSTEM_PATHS = ['/usr/lib/x86_64-linux-gnu/libunicorn.so.2', '/usr/lib/libunicorn.so.2', '/usr/local/lib/libunicorn.so.2'];

/** The folder holding sysemu's package.json, found upward from this module (works from source and bundle). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'sysemu') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('sysemu: cannot find the project folder (package.json named sysemu)');
    dir = up;
  }
}

/** Where the engine library is, or null when there is none at all. */
export function locateEngine(): EngineLocation | null {
  const env = process.env.SYSEMU_LIBUNICORN;
  if (env) return { path: env, source: 'env' };
  const local = join(projectRoot(), '.engine', 'lib', 'libunicorn.so.2');
  if (existsSync(local)) return { path: local, source: 'project' };
  const sys = SYSTEM_PATHS.find((p) => existsSync(p));
  return sys ? { path: sys, source: 'system' } : null;
}
