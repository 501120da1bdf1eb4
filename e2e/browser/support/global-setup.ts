// Starts the real `skillcert` binary as a user would (README "make run"): a fresh data
// directory, `skillcert migrate`, `skillcert seed-demo`, then `skillcert serve` on a free port of
// 127.0.0.1 serving the built SPA (a copy of frontend/dist taken at the start). Waits for
// /healthz. The function it returns is the teardown: it stops the server and removes the
// directory.
//
// SKILLCERT_BIN overrides the binary (default ../../target/release/skillcert from here).
// The server log is kept in logs/skillcert-serve.log (gitignored) for a failing run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { PLATFORM_NOW } from './clock';

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? ok(port) : fail(new Error('no free port'))));
    });
  });
}

/** The environment of the binary: ours only, nothing inherited that would change its config. */
function serverEnv(dataDir: string, bind: string, staticDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('SKILLCERT__') || key === 'DATABASE_URL') continue;
    env[key] = value;
  }
  return {
    ...env,
    SKILLCERT__DATA_DIR: dataDir,
    // The storage root does not follow the data directory by default (it is ./data/files).
    SKILLCERT__STORAGE__ROOT: join(dataDir, 'files'),
    SKILLCERT__SERVER__BIND: bind,
    SKILLCERT__SERVER__STATIC_DIR: staticDir,
    SKILLCERT__CLOCK__NOW: PLATFORM_NOW,
    // The admin may move it (平台时钟, PUT /api/v1/admin/clock), as in a demo: the social-training
    // walk (tests/06-social-walk.spec.ts) moves it past an exam day and puts it back after.
    SKILLCERT__CLOCK__ADJUSTABLE: 'true',
    RUST_LOG: process.env.RUST_LOG ?? 'info',
  };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): void {
  const result = spawnSync(bin, args, { env, cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw new Error(`skillcert ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`skillcert ${args.join(' ')} exited with ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
}

async function waitForHealth(base: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`skillcert serve exited with ${child.exitCode}; see ${log}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`skillcert serve did not answer ${base}/healthz within 60 s (${last}); see ${log}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  // A server someone started by hand (e.g. while writing a test against `make dev`): used as it is.
  // It must have been freshly seeded with SKILLCERT__CLOCK__NOW set to PLATFORM_NOW.
  if (process.env.SKILLCERT_E2E_BASE_URL) {
    console.log(`using the running server at ${process.env.SKILLCERT_E2E_BASE_URL}`);
    return async () => {};
  }
  // e2e/browser (where playwright.config.ts is) and the repository root two levels up.
  const e2eDir = config.configFile ? dirname(config.configFile) : process.cwd();
  const repo = resolve(e2eDir, '../..');
  const bin = resolve(e2eDir, process.env.SKILLCERT_BIN ?? '../../target/release/skillcert');
  if (!existsSync(bin)) {
    throw new Error(`no skillcert binary at ${bin}: run \`cargo build --release -p skillcert-server\` first (or set SKILLCERT_BIN)`);
  }
  const staticDir = join(repo, 'frontend', 'dist');
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`no built SPA at ${staticDir}: run \`cd frontend && npm ci && npm run build\` first`);
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'skillcert-e2e-'));
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  // The server serves a copy of frontend/dist taken now: a rebuild of the SPA during the run
  // (Vite empties dist/ first; other people build in the same checkout) cannot pull the files
  // from under it, and the whole run tests one build.
  const spaCopy = join(dataDir, 'spa');
  cpSync(staticDir, spaCopy, { recursive: true });
  const env = serverEnv(dataDir, bind, spaCopy);

  let child: ChildProcess | null = null;
  const teardown = async (): Promise<void> => {
    if (child) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    run(bin, ['migrate'], env, dataDir);
    run(bin, ['seed-demo'], env, dataDir);

    const logDir = join(e2eDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const log = join(logDir, 'skillcert-serve.log');
    const out = createWriteStream(log);
    child = spawn(bin, ['serve'], { env, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);

    const base = `http://${bind}`;
    await waitForHealth(base, child, log);
    // Read by support/fixtures.ts in the test workers (they inherit this environment).
    process.env.SKILLCERT_E2E_BASE_URL = base;
    console.log(`skillcert serve: ${base} (data ${dataDir}, clock from ${PLATFORM_NOW})`);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
