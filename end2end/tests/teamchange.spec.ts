import { test, expect, type Page } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, setPin, unlock } from './helpers';

// A Fachkraft moved to another team while her device holds unsent changes of the old team: nothing
// of the old team goes to the new one, nothing is lost, and the refused login says the way out that
// works (moved back for a moment, she syncs and logs out; moved again, she starts clean).
test.use({ viewport: { width: 360, height: 640 } });

const NORD = '8f0a4a8e-55b4-4d43-9a7e-1f7d1c0a0001';
const SUED = '8f0a4a8e-55b4-4d43-9a7e-1f7d1c0a0002';

// A page load starts locked when the device holds data; the login form is behind the lock.
async function signIn(page: Page, username: string, password: string, locked: boolean) {
  await page.goto('/anmelden');
  if (locked) {
    await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();
    await unlock(page);
  }
  await page.getByLabel('Benutzername').fill(username);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
}

// How many case records labelled `label` the logged-in page's team holds on the server, page by page.
async function casesOnServer(page: Page, label: string): Promise<number> {
  return page.evaluate(async (l) => {
    let n = 0;
    let since = 0;
    for (;;) {
      const p = await (await fetch(`/api/v1/sync/pull?since=${since}&limit=1000`)).json();
      n += p.records.filter((r: any) => r.kind === 'case' && r.body?.label === l).length;
      if (!p.has_more) return n;
      since = p.cursor;
    }
  }, label);
}

test('a team change with unsent changes keeps them on the device until they reach the old team', async ({ browser }) => {
  const admin = await browser.newContext();
  const res = await admin.request.post('/api/v1/auth/login', { data: { username: 'adele', password: 'passgenau-demo' } });
  expect(res.status()).toBe(200);
  const suffix = Date.now().toString().slice(-6);
  const username = `eva${suffix}`;
  const password = 'eva-passwort-2026';
  const created = await admin.request.post('/api/v1/admin/users', {
    data: { username, display_name: 'Eva Engel', role: 'fachkraft_traeger', team_id: NORD, password },
  });
  expect(created.status()).toBe(201);
  const id = (await created.json()).id;
  const moveTo = async (team: string) => {
    const r = await admin.request.post(`/api/v1/admin/users/${id}`, { data: { team_id: team } });
    expect(r.status()).toBe(200);
    expect((await r.json()).team_id).toBe(team);
  };

  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await signIn(page, username, password, false);
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.locator('.app-header .user')).toContainText('Eva Engel · Sozialraumteam Nord');

  // Offline on a home visit she opens a case; meanwhile the admin moves her to team Süd.
  const label = `WECHSEL-${suffix}`;
  await ctx.setOffline(true);
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-11-20');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await moveTo(SUED);
  await ctx.setOffline(false);

  // The move ended her server session; logging in again in the new team is refused while the old
  // team's change is on the device, and the message says what to do.
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.locator('.status p.error')).toContainText('Anmeldung am Server ist abgelaufen');
  await signIn(page, username, password, true);
  const refused = page.getByRole('alert').filter({ hasText: 'einem anderen Team zugeordnet' });
  await expect(refused).toContainText('liegt noch eine nicht übertragene Änderung des bisherigen Teams');
  await expect(refused).toContainText('Sie ordnet Sie vorübergehend wieder dem bisherigen Team zu');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('teamwechsel-abgelehnt-360x640.png'), fullPage: true });
  // Nothing was lost or sent: the case and its unsent change are still on the device.
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await page.getByRole('link', { name: 'Passgenau' }).click();
  await expect(page.getByRole('link', { name: label })).toBeVisible();

  // Moved back for a moment: the login is taken, the change goes to team Nord.
  await moveTo(NORD);
  await signIn(page, username, password, true);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  expect(await casesOnServer(page, label)).toBe(1);

  // She logs out; moved to Süd again, she logs in on a clean device without Nord's case.
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await moveTo(SUED);
  await signIn(page, username, password, false);
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await expect(page.locator('.app-header .user')).toContainText('Eva Engel · Sozialraumteam Süd');
  // Synced with Süd: Nord's case is neither on the device nor in what the server gives her.
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.locator('.status .last-sync')).toContainText('Zuletzt synchronisiert');
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  await expect(page.getByRole('link', { name: label })).toHaveCount(0);
  expect(await casesOnServer(page, label)).toBe(0);
  expect(problems).toEqual([]);
  await ctx.close();
  await admin.close();
});
