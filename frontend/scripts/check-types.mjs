// Fails when src/api/schema.d.ts is not what openapi-typescript generates from
// ../openapi/openapi.json today (the contract moved and nobody ran `npm run gen:types`).
// Runs the same CLI as `gen:types`, into a temporary file, and compares byte for byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'src/api/schema.d.ts');
const dir = mkdtempSync(join(tmpdir(), 'skillcert-schema-'));
const fresh = join(dir, 'schema.d.ts');

try {
  const bin = join(root, 'node_modules/.bin/openapi-typescript');
  const run = spawnSync(bin, ['../openapi/openapi.json', '-o', fresh], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    console.error('check:types: openapi-typescript could not read ../openapi/openapi.json (see above).');
    process.exit(1);
  }
  const want = readFileSync(fresh, 'utf8');
  let have = '';
  try {
    have = readFileSync(committed, 'utf8');
  } catch {
    // missing file: reported as stale below
  }
  if (want !== have) {
    const a = have.split('\n');
    const b = want.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    console.error(
      `check:types: frontend/src/api/schema.d.ts is stale: it differs from the types generated from ` +
        `openapi/openapi.json (first difference at line ${line + 1}).\n` +
        `  committed: ${JSON.stringify(a[line] ?? '<end of file>')}\n` +
        `  generated: ${JSON.stringify(b[line] ?? '<end of file>')}\n` +
        `Run \`npm run gen:types\` in frontend/, fix the type errors it shows, and commit schema.d.ts.`,
    );
    process.exit(1);
  }
  console.log('check:types: src/api/schema.d.ts matches openapi/openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
