/** The `sysemu` executable's entry point (bundled into dist/sysemu.mjs). */
import { main } from './commands.js';

process.exitCode = main(process.argv.slice(2));
