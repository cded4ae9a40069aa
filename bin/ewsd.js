#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (run `npm run build` once after `npm ci`).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('ewsd: not built yet; run `npm run build` first');
    process.exit(1);
  }
  throw err;
});
