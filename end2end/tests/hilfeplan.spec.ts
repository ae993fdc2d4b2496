import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, unlock, desktopScreenshot } from './helpers';

// Issue 7, point 1: the Hilfeplan (§ 36) drafted from the case's data, edited, continued as a
// numbered Fortschreibung with its changes shown, and saved as a PDF made in the browser, offline,
// whose text (and goal chart) is checked here.
test.use({ viewport: { width: 360, height: 640 } });

// The texts a PDF shows: every `( … ) Tj` string, octal escapes decoded from WinAnsi.
function pdfTexts(pdf: Buffer): string[] {
  const s = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of s.matchAll(/\(((?:\\.|[^\\)])*)\) Tj/g)) {
    out.push(m[1].replace(/\\([0-7]{3}|.)/g, (_, e: string) => {
      if (e.length === 1) return e;
      const b = parseInt(e, 8);
      return ({ 0x80: '€', 0x84: '„', 0x93: '“', 0x96: '–' } as Record<number, string>)[b] ?? String.fromCharCode(b);
    }));
  }
  return out;
}

test('Hilfeplan: drafted from the case, edited, Fortschreibung with changes, PDF offline', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page, 'ben');
  await context.setOffline(true);
  const label = `HILFEPLAN-${Date.now()}`;
  await createCase(page, label, '2026-09-01');
  const caseUrl = page.url();

  // A goal with a step and two ratings, and an SPFH module.
  await page.getByRole('link', { name: 'Ziele und Einschätzungen' }).click();
  await page.getByRole('button', { name: 'Wirkungsziel hinzufügen' }).click();
  await page.getByText('Handlungsziel hinzufügen').click();
  await page.getByLabel('Handlungsziel (konkret und überprüfbar)').fill('Paul geht pünktlich zur Schule');
  await page.getByRole('button', { name: 'Handlungsziel speichern' }).click();
  const hz = page.getByTestId('handlungsziel');
  await hz.getByLabel('Neuer Schritt').fill('Wecker stellen');
  await hz.getByLabel('Wer').fill('Mutter');
  await hz.getByRole('button', { name: 'Schritt hinzufügen' }).click();
  await hz.getByLabel('Datum').fill('2026-10-01');
  await hz.getByLabel('Sicht Eltern').selectOption('-1');
  await hz.getByRole('button', { name: 'Einschätzung speichern' }).click();
  await hz.getByLabel('Datum').fill('2026-11-20');
  await hz.getByLabel('Sicht Eltern').selectOption('1');
  await hz.getByRole('button', { name: 'Einschätzung speichern' }).click();
  await page.goto(caseUrl);
  await unlock(page);
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await page.getByLabel('Bewilligt von').fill('2026-12-01');
  await page.getByLabel('Bewilligt bis').fill('2027-05-31');
  await page.getByLabel('Suche (Name oder Paragraf)').fill('SPFH');
  await page.getByRole('button', { name: 'Sozialpädagogische Familienhilfe (SPFH) hinzufügen' }).click();
  await page.getByTestId('instance').getByLabel('Stunden je Woche').fill('4');
  await page.goto(caseUrl);
  await unlock(page);

  // The first plan, drafted from the data.
  await page.getByRole('link', { name: 'Hilfeplan öffnen' }).click();
  await page.getByRole('button', { name: 'Hilfeplan aus den Falldaten entwerfen' }).click();
  await expect(page.getByTestId('hilfeplan-version')).toContainText('Fassung 1 vom');
  await expect(page.getByLabel('Gesamtziel und Teilziele mit Zeitplan')).toHaveValue(/Handlungsziel \(Schule\): Paul geht pünktlich zur Schule \(zuletzt eingeschätzt: Eltern \+1 am 20\.11\.2026\)/);
  await expect(page.getByLabel('Wer macht was')).toHaveValue('- Mutter: Wecker stellen');
  await expect(page.getByLabel('Bewilligungszeitraum')).toHaveValue('01.12.2026 bis 31.05.2027');
  await expect(page.getByLabel('Art, Umfang und Ausgestaltung der Hilfe')).toHaveValue(/Sozialpädagogische Familienhilfe \(SPFH\): 4 Std\.\/Woche, ab 01\.12\.2026, 1\.209,87\u00a0€ je Monat/);
  await page.getByLabel('Bedarf', { exact: true }).fill('Verlässliche Tagesstruktur und Schulbesuch.');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('hilfeplan-360x640.png') });
  await desktopScreenshot(page, 'hilfeplan');

  // Reload offline: the typed text is there.
  await page.reload();
  await unlock(page);
  await expect(page.getByLabel('Bedarf', { exact: true })).toHaveValue('Verlässliche Tagesstruktur und Schulbesuch.');

  // A new step, then the Fortschreibung: typed sections carry over, data sections are redrafted.
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Ziele und Einschätzungen' }).click();
  await page.getByTestId('handlungsziel').getByLabel('Neuer Schritt').fill('Schulweg üben');
  await page.getByTestId('handlungsziel').getByLabel('Wer').fill('Paul');
  await page.getByTestId('handlungsziel').getByRole('button', { name: 'Schritt hinzufügen' }).click();
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await page.getByRole('link', { name: 'Hilfeplan öffnen' }).click();
  await page.getByRole('button', { name: 'Fortschreibung anlegen' }).click();
  await expect(page.getByTestId('hilfeplan-version')).toContainText('Fassung 2 vom');
  await expect(page.getByLabel('Bedarf', { exact: true })).toHaveValue('Verlässliche Tagesstruktur und Schulbesuch.');
  await expect(page.getByLabel('Wer macht was')).toHaveValue(/- Paul: Schulweg üben/);
  const changes = page.getByTestId('hilfeplan-changes');
  await changes.getByText('Änderungen gegenüber Fassung 1').click();
  await expect(changes.locator('li.added')).toContainText(['+ - Paul: Schulweg üben']);
  await page.getByRole('button', { name: 'Fassung 1' }).click();
  await expect(page.getByTestId('hilfeplan-readonly')).toContainText('Verlässliche Tagesstruktur und Schulbesuch.');
  await page.getByRole('button', { name: 'Fassung 2' }).click();
  await expectNoA11yViolations(page);

  // The PDF, made in the browser while offline.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Als PDF speichern' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('hilfeplan-fassung-2.pdf');
  const pdf = fs.readFileSync((await download.path())!);
  expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
  const texts = pdfTexts(pdf);
  // Long lines wrap: headings are checked in the running text.
  const all = texts.join(' ');
  expect(all).toContain(`Hilfeplan nach § 36 SGB VIII – ${label}`);
  expect(all).toContain('Gesamtziel und Teilziele mit Zeitplan');
  expect(texts).toContain('Verlässliche Tagesstruktur und Schulbesuch.');
  expect(texts).toContain('- Paul: Schulweg üben');
  expect(texts).toContain('Verlauf: Paul geht pünktlich zur Schule');
  expect(texts).toContain('Zuletzt – Eltern: +1');
  expect(texts.some((t) => t.startsWith(`Hilfeplan ${label} – Fassung 2 · Seite 1 von`))).toBe(true);

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  expect(problems).toEqual([]);
});
