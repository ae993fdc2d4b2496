import { test, expect } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// A new build must replace the cached shell as a whole: never old wasm against a new server.
// The server derives the service worker's cache name from the files it serves, so a second server
// start over a changed site is "a new deployment" here, without a second wasm build.

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/passgenau/target'), 'release/server');
const PORT = 3102;

async function startServer(site: string, db: string): Promise<ChildProcess> {
  const child = spawn(BIN, ['serve', '--demo'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${db}`, LEPTOS_SITE_ROOT: site, PASSGENAU_ADDR: `127.0.0.1:${PORT}` },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/healthz`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

async function stopServer(child: ChildProcess) {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

const shellCaches = () => caches.keys().then((ks) => ks.filter((k) => k.startsWith('passgenau-shell-')));

test('a new build is offered, replaces the cached shell on the user\'s go, and the app still opens offline', async ({ browser }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passgenau-update-'));
  const site = path.join(dir, 'site');
  fs.cpSync(path.join(ROOT, 'target/site'), site, { recursive: true });
  const db = path.join(dir, 'e2e.db');
  let server = await startServer(site, db);
  const ctx = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}` });
  try {
    const page = await ctx.newPage();
    await page.goto('/anmelden');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const before = await page.evaluate(shellCaches);
    expect(before).toHaveLength(1);
    const precached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), before[0]);
    expect(precached).toEqual(expect.arrayContaining(['/', '/anmelden', '/fall', '/fall/neu']));
    expect(precached.some((p) => /^\/pkg\/passgenau\.[^/]+\.wasm$/.test(p))).toBe(true);

    // Deploy "a new build" and reload: the new worker installs and waits; the user is told and
    // chooses when to switch. Until then the old build keeps serving the page.
    await stopServer(server);
    fs.appendFileSync(path.join(site, 'manifest.webmanifest'), '\n');
    // A build writes the compressed twins with the file; the stale ones must not be sent for it.
    for (const twin of ['.br', '.gz']) fs.rmSync(path.join(site, `manifest.webmanifest${twin}`), { force: true });
    server = await startServer(site, db);
    await page.reload();
    await expect(page.getByTestId('update-notice')).toBeVisible({ timeout: 20_000 });
    expect(await page.evaluate(shellCaches)).toContain(before[0]);
    await page.getByRole('button', { name: 'Jetzt aktualisieren' }).click();
    // Activating removes the old cache and the page reloads itself onto the new build
    // (controllerchange). The settled state: one cache, the new one, and no notice.
    await expect
      .poll(async () => {
        try {
          const keys = await page.evaluate(shellCaches);
          return keys.length === 1 && keys[0] !== before[0];
        } catch {
          return false; // the page is reloading onto the new build
        }
      }, { timeout: 20_000 })
      .toBe(true);
    await page.waitForLoadState();

    // And the new cache carries the app offline.
    await ctx.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
    await expect(page.getByLabel('Benutzername')).toBeEditable();
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
  } finally {
    await ctx.close();
    await stopServer(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
