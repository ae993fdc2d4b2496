import { test, expect } from '@playwright/test';
import { createCase, login, unlock } from './helpers';

// Two tabs of one browser share the device store. Only one writes at a time (Web Lock), so the two
// can never take the same mutation number; the other reads along and can take over.

test('two tabs: one writes, the other reads along and can take over; nothing lost or doubled', async ({ context }) => {
  const problems: string[] = [];
  const first = await context.newPage();
  first.on('pageerror', (e) => problems.push(`first: ${e.message}`));
  await login(first);
  const label = `TABS-${Date.now()}`;
  await createCase(first, label);
  await expect(first.getByTestId('tab-notice')).toHaveCount(0);

  const second = await context.newPage();
  second.on('pageerror', (e) => problems.push(`second: ${e.message}`));
  await second.goto(first.url());
  await unlock(second);
  await expect(second.getByRole('heading', { name: label })).toBeVisible();
  await expect(second.getByTestId('tab-notice')).toBeVisible();
  await expect(second.getByLabel('Notiz')).toBeDisabled();

  // Offline, so the changes queue up. The writing tab types; the reading tab shows it.
  await context.setOffline(true);
  await first.getByLabel('Notiz').fill('Im ersten Tab geschrieben.');
  await expect(second.getByLabel('Notiz')).toHaveValue('Im ersten Tab geschrieben.');

  // The second tab takes over; the first now reads.
  await second.getByRole('button', { name: 'Hier bearbeiten' }).click();
  await expect(second.getByTestId('tab-notice')).toHaveCount(0);
  await expect(first.getByTestId('tab-notice')).toBeVisible();
  await expect(first.getByLabel('Notiz')).toBeDisabled();
  await second.getByLabel('Notiz').fill('Im zweiten Tab ergänzt.');
  await expect(first.getByLabel('Notiz')).toHaveValue('Im zweiten Tab ergänzt.');
  await second.getByRole('link', { name: 'Passgenau' }).click();
  await createCase(second, `${label}-2`, '2026-11-04');

  // Every queued change has its own number, and numbering continues without a gap.
  const ids = await second.evaluate(() =>
    Object.keys(localStorage).filter((k) => k.startsWith('pg1:mut:')).map((k) => Number(k.slice(8))).sort((a, b) => a - b),
  );
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1] + 1);

  // Closing the writing tab hands the lock back by itself.
  await second.close();
  await expect(first.getByTestId('tab-notice')).toHaveCount(0);
  await expect(first.getByLabel('Notiz')).toBeEnabled();
  await context.setOffline(false);
  await first.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(first.getByTestId('unsent')).toHaveAttribute('data-count', '0');

  // The server has the case once, with the last text, and no conflict about it.
  const records = await first.evaluate(async () => {
    const res = await fetch('/api/v1/sync/pull?since=0&limit=1000');
    return (await res.json()).records as Array<{ kind: string; body: Record<string, unknown> }>;
  });
  const cases = records.filter((r) => r.kind === 'case' && r.body.label === label);
  expect(cases).toHaveLength(1);
  expect(cases[0].body.note).toBe('Im zweiten Tab ergänzt.');
  expect(records.filter((r) => r.kind === 'case' && r.body.label === `${label}-2`)).toHaveLength(1);
  const caseId = cases[0].body.id;
  expect(records.filter((r) => r.kind === 'conflict' && r.body.record_id === caseId)).toHaveLength(0);
  expect(problems).toEqual([]);
});
