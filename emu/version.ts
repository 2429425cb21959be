/** Version strings for --version and benchmark output. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './unicorn/locate.js';
import { unicorn } from './unicorn/ffi.js';

/** "sysemu X, Unicorn Y (where), koffi Z", one per line. */
export function versions(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  const koffi = (createRequire(import.meta.url)('koffi') as { version: string }).version;
  let engine: string;
  try {
    const uc = unicorn();
    engine = `${uc.version} (${uc.location.source}: ${uc.location.path})`;
  } catch (e) {
    engine = `not found (${(e as Error).message})`;
  }
  return `sysemu ${pkg.version}\nUnicorn ${engine}\nkoffi ${koffi}`;
}
