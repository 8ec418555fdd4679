// node harness/relock.mjs <example-dir>...: refresh an example's
// package-lock.json after changing its package.json. The wsbeat entry
// loses its "integrity": the tarball is rebuilt by every `make pack`, and
// npm would otherwise install the copy in its cache that matches the old
// hash instead of the new tarball.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

for (const dir of process.argv.slice(2).map((d) => resolve(d))) {
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir, stdio: 'inherit' });
  const file = join(dir, 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const entry = lock.packages && lock.packages['node_modules/wsbeat'];
  if (!entry) throw new Error(`${file}: no node_modules/wsbeat entry`);
  delete entry.integrity;
  writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
  console.log(`${file}: locked, wsbeat without integrity`);
}
