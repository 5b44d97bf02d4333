#!/usr/bin/env node
// router-sim: runs simulator/cli/main.ts through tsx's ESM loader (the package ships TypeScript sources).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stderr.isTTY === true,
});
