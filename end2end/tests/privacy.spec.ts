import { test, expect } from '@playwright/test';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Issue 6, points 3 and 4, offline on a phone: the consent register (§ 67b SGB X) blocks passing
// data to a partner until a valid consent covers them, and again after a revocation; a note marked
// "anvertraut" (§ 65) stays in the case unless a basis is chosen for it; the consultation copy is
// pseudonymised (§ 64 Abs. 2a). Every copy and every entrusted note passed on is in the audit log.
test.use({ viewport: { width: 360, height: 640 } });

test('consent register, § 65 entrusted notes, § 64 pseudonymised copy, all logged', async ({ page, context, browser }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page);
  await context.setOffline(true);
  const label = `DATENSCHUTZ-${Date.now()}`;
  await createCase(page, label, '2026-02-02');
  await page.getByLabel('Geburtsjahr oder -datum').fill('2014-05-03');
  await page.getByLabel('Geburtsjahr oder -datum').press('Tab');
  const caseUrl = page.url();

  // A visit with an entrusted note and a plain one.
  await page.getByRole('button', { name: 'Hausbesuch beginnen' }).click();
  await page.getByLabel('Notiz', { exact: true }).fill('Mutter berichtet von Schulden bei Herrn Krause.');
  await page.getByLabel('Anvertraut (§ 65 SGB VIII): nur mit Einwilligung oder gesetzlicher Ausnahme weitergeben').check();
  await page.getByLabel('Anvertraut von').selectOption('Mutter');
  await page.getByRole('button', { name: 'Notiz festhalten' }).click();
  await expect(page.getByTestId('visit-notes')).toContainText('anvertraut von Mutter (§ 65)');
  await page.getByLabel('Notiz', { exact: true }).fill('Schule angerufen, Termin vereinbart.');
  await page.getByRole('button', { name: 'Notiz festhalten' }).click();
  await expect(page.getByTestId('visit-notes').locator('li')).toHaveCount(2);
  await page.goto(caseUrl);
  await unlock(page);

  // No consent yet: passing on to the partner is blocked, and says why.
  await page.getByRole('link', { name: 'Weitergeben' }).click();
  await page.getByLabel('Kooperationspartner', { exact: true }).fill('Schuldnerberatung Caritas');
  await page.getByLabel('Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)').check();
  await page.getByLabel('Notizen der Hausbesuche').check();
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  await expect(page.getByTestId('share-blocked')).toHaveText('Weitergabe nicht möglich: Für „Schuldnerberatung Caritas“ ist keine Einwilligung erfasst.');
  await expect(page.getByTestId('handover')).toHaveCount(0);

  // The consent: written, by the mother, for Stammdaten and notes.
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Einwilligungen' }).click();
  await expect(page.getByTestId('no-consents')).toBeVisible();
  await page.getByLabel('Kooperationspartner (Empfänger)').fill('Schuldnerberatung Caritas');
  await page.getByLabel('Wer willigt ein').selectOption('Mutter');
  await page.getByLabel('Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)').check();
  await page.getByLabel('Notizen der Hausbesuche').check();
  await page.getByLabel('Zweck').fill('Schuldenregulierung');
  await page.getByLabel('Erteilt am').fill('2026-10-01');
  await page.getByRole('button', { name: 'Einwilligung speichern' }).click();
  const consent = page.getByTestId('consent');
  await expect(consent).toContainText('Schuldnerberatung Caritas · gültig');
  await expect(consent).toContainText('Mutter am 01.10.2026 (schriftlich)');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('einwilligungen-360x640.png'), fullPage: true });

  // Now the copy is made; the entrusted note stays back until a basis is chosen for it.
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Weitergeben' }).click();
  await page.getByLabel('Kooperationspartner', { exact: true }).fill('Schuldnerberatung Caritas');
  await page.getByLabel('Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)').check();
  await page.getByLabel('Notizen der Hausbesuche').check();
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  const doc = page.getByTestId('handover');
  await expect(doc).toContainText(label);
  await expect(doc).toContainText('Schule angerufen, Termin vereinbart.');
  await expect(doc).not.toContainText('Herrn Krause');
  await expect(doc).toContainText('1 anvertraute Notiz(en) nach § 65 SGB VIII ohne gewählte Grundlage.');
  await page.getByTestId('entrusted').getByRole('combobox').selectOption('einwilligung');
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  await expect(doc).toContainText('anvertraut von Mutter; weitergegeben nach Einwilligung der Person, die es anvertraut hat (§ 65 Abs. 1 Nr. 1)');
  await expect(doc).toContainText('Herrn Krause');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('weitergabe-360x640.png'), fullPage: true });

  // A category the consent does not cover is blocked.
  await page.getByLabel('Ziele und Einschätzungen').check();
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  await expect(page.getByTestId('share-blocked')).toContainText('Die Einwilligung umfasst nicht: Ziele und Einschätzungen.');
  await page.getByLabel('Ziele und Einschätzungen').uncheck();

  // The consultation copy: pseudonymised, no consent needed, no notes.
  await page.getByLabel('Fallberatung mit einer externen Fachkraft (pseudonymisiert, § 64 Abs. 2a SGB VIII)').check();
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  await expect(doc).toContainText(/Fallberatung – Fall [A-Z]{4}/);
  await expect(doc).toContainText('Alter: 12 Jahre');
  await expect(doc).toContainText('Hilfe seit: 02/2026');
  for (const secret of [label, '2014-05-03', 'Krause', 'Schule angerufen', 'Anna Albers']) {
    await expect(doc).not.toContainText(secret);
  }

  // Revoked: blocked again from today.
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Einwilligungen' }).click();
  await page.getByRole('button', { name: 'Widerruf erfassen' }).click();
  await expect(consent).toContainText('widerrufen am');
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Weitergeben' }).click();
  await page.getByLabel('Kooperationspartner', { exact: true }).fill('Schuldnerberatung Caritas');
  await page.getByLabel('Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)').check();
  await page.getByRole('button', { name: 'Prüfen und Dokument erstellen' }).click();
  await expect(page.getByTestId('share-blocked')).toContainText('wurde am');
  await expect(page.getByTestId('share-blocked')).toContainText('widerrufen.');

  // Back online: the consent syncs, and the Teamleitung reads every passing-on in the audit log.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const caseId = new URL(caseUrl).searchParams.get('id');
  const lead = await browser.newContext();
  const tanja = await lead.newPage();
  await login(tanja, 'tanja');
  await expect.poll(async () => {
    const log = await tanja.evaluate(async (id) => (await fetch(`/api/v1/audit?case_id=${id}`)).json(), caseId);
    return log.map((e: any) => e.action).filter((a: string) => a !== 'record.put' && a !== 'case.view').sort();
  }).toEqual(['case.export_pseudonymised', 'case.share', 'case.share', 'note.disclose']);
  const log = await tanja.evaluate(async (id) => (await fetch(`/api/v1/audit?case_id=${id}`)).json(), caseId);
  const disclose = log.find((e: any) => e.action === 'note.disclose');
  expect(disclose.detail).toContain('partner=Schuldnerberatung Caritas; basis=einwilligung');
  expect(JSON.stringify(log)).not.toContain('Krause');
  await lead.close();
  expect(problems).toEqual([]);
});
