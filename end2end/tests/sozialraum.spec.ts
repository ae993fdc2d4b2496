import { test, expect } from '@playwright/test';
import { createCase, desktopScreenshot, expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Issue 7, point 4 (seed 004), offline on a phone: case-independent offers of the Sozialraumteam
// with the seed's three annexes (description, cost sheet, weighted criteria), expenses, a group
// offer taken into a case's Hilfesetting and so into its Hilfeplan, and the year's
// Sozialraumbudget planned against spent. The budget is the Jugendamt's (ben); the Träger's
// Fachkraft (anna) sees it after the sync but does not set it.
test.use({ viewport: { width: 360, height: 640 } });

const euro = (s: string) => s.replace(/ /g, '\u00a0');

test('Sozialraum offers with cost sheet and criteria, a group offer in the Hilfeplan, budget planned against spent', async ({ page, context, browser }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.clock.install({ time: new Date('2026-11-24T09:00:00Z') });
  await login(page, 'ben');
  await context.setOffline(true);
  const run = Date.now();
  // A year of its own, so earlier runs on the same server do not change the sums.
  const year = 2041 + (run % 59);
  const cafe = `Elterncafé ${run}`;
  const group = `Gruppe Schulvermeidung ${run}`;

  await page.goto('/sozialraum');
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Sozialraum: Angebote und Budget' })).toBeVisible();
  await page.getByLabel('Jahr').fill(String(year));
  await page.getByLabel('Jahr').press('Tab');
  await expect(page.getByTestId('sr-findings')).toContainText(`Für ${year} ist kein Sozialraumbudget erfasst.`);
  await page.getByLabel(`Sozialraumbudget ${year} (€)`).fill('zehntausend');
  await page.getByLabel(`Sozialraumbudget ${year} (€)`).press('Tab');
  await expect(page.locator('main').getByRole('alert')).toHaveText('Bitte einen Betrag in Euro eingeben, z. B. 45.000,00.');
  await page.getByLabel(`Sozialraumbudget ${year} (€)`).fill('10.000');
  await page.getByLabel(`Sozialraumbudget ${year} (€)`).press('Tab');
  await expect(page.getByTestId('sr-budget-amount')).toHaveText(euro('10.000,00 €'));
  await expect(page.locator('main').getByRole('alert')).toHaveCount(0);

  // A new offer: the title is required; then its page.
  await page.getByRole('button', { name: 'Angebot anlegen' }).click();
  await expect(page.locator('main').getByRole('alert')).toHaveText('Bitte einen Titel angeben (höchstens 200 Zeichen).');
  await page.getByLabel('Titel').fill(cafe);
  await page.getByLabel('Offenes Angebot mit pädagogischer Steuerung').check();
  await page.getByLabel('Fachleistungsstunden nach § 77 SGB VIII').check();
  await page.getByLabel('Geplanter Beginn').fill(`${year}-10-01`);
  await page.getByLabel('Geplante Laufzeit (Monate)').fill('6');
  await page.getByRole('button', { name: 'Angebot anlegen' }).click();
  await expect(page.getByRole('heading', { name: cafe, level: 1 })).toBeVisible();
  const findings = page.getByTestId('offer-findings');
  await expect(findings).toContainText('Anlage 1: Die Bedarfe und das Ergebnis der Bedarfsanalyse fehlen.');
  await expect(findings).toContainText('Finanzierung nach § 77, aber keine Fachleistungsstunden');

  // Anlage 1 and Anlage 2; a wrong amount is refused and changes nothing.
  await page.getByLabel('Bedarfe und Ergebnis der Bedarfsanalyse').fill('Eltern der ersten Klassen haben kaum Kontakt zur Schule.');
  await page.getByLabel('Evaluation der Maßnahme (wie, wann, mit welchem Ergebnis)').fill('Teilnahme und Rückmeldebogen nach drei Monaten.');
  const amounts: [string, string][] = [
    ['Sachkosten (€)', '300'],
    ['Ehrenamtliche und Schlüsselpersonen (€)', '120'],
    ['Fachleistungsstunden (Std.)', '40'],
    ['Stundensatz (€)', '69,80'],
    ['Eigenleistungen (€)', '50'],
    ['Beantragte Drittmittel (€)', '200'],
  ];
  for (const [label, value] of amounts) {
    await page.getByLabel(label).fill(value);
    await page.getByLabel(label).press('Tab');
  }
  const sheet = page.getByTestId('cost-sheet');
  await expect(sheet.getByRole('row', { name: /Fachleistungsstunden: 40,00 Std\./ })).toContainText(euro('2.792,00 €'));
  await expect(sheet.getByRole('row', { name: 'Gesamtkosten' })).toContainText(euro('3.212,00 €'));
  await expect(sheet.getByRole('row', { name: 'Aus dem Sozialraumbudget' })).toContainText(euro('2.962,00 €'));
  await expect(findings).toHaveCount(0);
  await page.getByLabel('Sachkosten (€)').fill('dreihundert');
  await page.getByLabel('Sachkosten (€)').press('Tab');
  await expect(page.locator('main').getByRole('alert')).toHaveText('Bitte einen Betrag in Euro eingeben, z. B. 1.200,00.');
  await expect(sheet.getByRole('row', { name: 'Sachkosten' })).toContainText(euro('300,00 €'));

  // Anlage 3: judged criteria give a weighted result; weights that do not add up are a finding.
  const criteria = page.getByTestId('criterion');
  await expect(criteria).toHaveCount(4);
  await expect(page.getByTestId('criteria-summary')).toHaveText('Summe der Gewichte: 100 %. Noch kein Kriterium bewertet.');
  // By name: Bedarf vor Ort (30 %), Einzelfallhilfen (25 %), Fachliche Vernetzung (20 %), Lokale Ressourcen (25 %).
  await expect(criteria.nth(0).getByLabel('Kriterium')).toHaveValue(/^Bedarf vor Ort/);
  await criteria.nth(0).getByLabel('Erfüllt').selectOption('4');
  await criteria.nth(1).getByLabel('Erfüllt').selectOption('2');
  // (30·4 + 25·2) / ((30 + 25)·4) = 77 %
  await expect(page.getByTestId('criteria-summary')).toHaveText('Summe der Gewichte: 100 %. Ergebnis: 77 % (bisher 2 von 4 Kriterien bewertet)');
  const network = criteria.nth(2);
  await expect(network.getByLabel('Kriterium')).toHaveValue(/^Fachliche/);
  await network.getByLabel('Gewicht (%)').fill('10');
  await network.getByLabel('Gewicht (%)').press('Tab');
  await expect(findings).toHaveText('Anlage 3: Die Gewichte ergeben 90 % statt 100 %.');
  await page.getByLabel('Kriterium', { exact: true }).last().fill('Eltern kommen wieder');
  await page.getByLabel('Gewicht (%)').last().fill('10');
  await page.getByRole('button', { name: 'Kriterium hinzufügen' }).click();
  await expect(criteria).toHaveCount(5);
  await expect(findings).toHaveCount(0);

  // Expenses: hours at the offer's rate and an amount.
  await page.getByLabel('Datum').fill(`${year}-11-05`);
  await page.getByLabel('Erbrachte Fachleistungsstunden').fill('1,5');
  await page.getByRole('button', { name: 'Ausgabe speichern' }).click();
  await expect(page.getByTestId('expense')).toHaveText(new RegExp(`05\\.11\\.${year}: 1,50 Std\\. = 104,70\u00a0€`));
  await page.getByLabel('Datum').fill(`${year}-12-10`);
  await page.getByLabel('Betrag (€), z. B. Material').fill('45,50');
  await page.getByLabel('Notiz').fill('Material');
  await page.getByRole('button', { name: 'Ausgabe speichern' }).click();
  await expect(page.getByTestId('expense')).toHaveCount(2);
  await expect(page.getByTestId('expenses-summary')).toHaveText(
    euro('Erbracht 1,50 Std.; ausgegeben 150,20 € von geplant 2.962,00 € aus dem Sozialraumbudget.'),
  );
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('angebot-360x640.png'), fullPage: true });

  // A group offer on themes of running cases, paid by grant.
  await page.getByRole('link', { name: '← Angebote und Budget' }).click();
  await page.getByLabel('Titel').fill(group);
  await page.getByLabel('Gruppenangebot zu Themen laufender Einzelfälle').check();
  await page.getByLabel('Kreiszuschuss nach § 74 SGB VIII').check();
  await page.getByLabel('Geplanter Beginn').fill(`${year}-01-01`);
  await page.getByLabel('Geplante Laufzeit (Monate)').fill('12');
  await page.getByRole('button', { name: 'Angebot anlegen' }).click();
  await expect(page.getByRole('heading', { name: group, level: 1 })).toBeVisible();
  await page.getByLabel('Sachkosten (€)').fill('12.000');
  await page.getByLabel('Sachkosten (€)').press('Tab');
  await expect(page.getByTestId('cost-sheet').getByRole('row', { name: 'Aus dem Sozialraumbudget' })).toContainText(euro('12.000,00 €'));

  // An offer entered by mistake is deleted while nothing refers to it.
  await page.getByRole('link', { name: '← Angebote und Budget' }).click();
  await page.getByLabel('Titel').fill(`Versehen ${run}`);
  await page.getByLabel('Geplanter Beginn').fill(`${year}-02-01`);
  await page.getByRole('button', { name: 'Angebot anlegen' }).click();
  await expect(page.getByRole('heading', { name: `Versehen ${run}`, level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Angebot löschen' }).click();
  await expect(page.getByRole('heading', { name: 'Sozialraum: Angebote und Budget' })).toBeVisible();
  await expect(page.getByRole('link', { name: `Versehen ${run}` })).toHaveCount(0);

  // The budget view: the café's six months spread over two years (three in this one).
  await page.getByLabel('Jahr').fill(String(year));
  await page.getByLabel('Jahr').press('Tab');
  await expect(page.getByTestId('sr-planned')).toHaveText(euro('13.481,01 €'));
  await expect(page.getByTestId('sr-spent')).toHaveText(euro('150,20 €'));
  await expect(page.getByTestId('sr-available')).toHaveText(euro('9.849,80 €'));
  await expect(page.getByTestId('sr-findings')).toContainText(euro(`Die geplanten Angebote übersteigen das Sozialraumbudget ${year} um 3.481,01 €.`));
  const table = page.getByTestId('team-sozialraum');
  await expect(table.getByRole('row', { name: new RegExp(cafe) })).toContainText(euro('1.481,01 €'));
  await expect(table.getByRole('row', { name: /^Summe/ })).toContainText(euro('13.481,01 €'));
  const csv = decodeURIComponent((await table.getByRole('link', { name: 'Als CSV herunterladen' }).getAttribute('href'))!.split(',')[1]);
  expect(csv).toContain(`"${group}";"§ 74";"12";"12.000,00\u00a0€";"0,00\u00a0€";"12.000,00\u00a0€"`);
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('sozialraum-360x640.png'), fullPage: true });
  await desktopScreenshot(page, 'sozialraum');

  // The group offer in a case's Hilfesetting, and so in its Hilfeplan; the offer lists the case.
  const label = `SR-${run}`;
  await page.getByRole('link', { name: 'Passgenau' }).click();
  await createCase(page, label, '2026-11-02');
  const caseUrl = page.url();
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  const offers = page.getByTestId('setting-offers');
  await offers.getByLabel('Gruppenangebot', { exact: true }).selectOption({ label: `${group} (§ 74)` });
  await offers.getByLabel('Thema des Falls in der Gruppe').fill('Schulbesuch');
  await offers.getByRole('button', { name: 'In das Hilfesetting aufnehmen' }).click();
  await expect(offers.getByTestId('linked-offer')).toHaveText(
    new RegExp(`Gruppenangebot im Sozialraum: ${group} \\(Sozialraumbudget, § 74\\), ab 01\\.01\\.${year}; Thema: Schulbesuch`),
  );
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.goto(caseUrl);
  await unlock(page);
  await page.getByRole('link', { name: 'Hilfeplan öffnen' }).click();
  await page.getByRole('button', { name: 'Hilfeplan aus den Falldaten entwerfen' }).click();
  await expect(page.getByLabel('Gewählte Hilfe und Begründung')).toHaveValue(
    new RegExp(`Gruppenangebot im Sozialraum: ${group} \\(Kreiszuschuss nach § 74 SGB VIII\\)`),
  );
  await expect(page.getByLabel('Art, Umfang und Ausgestaltung der Hilfe')).toHaveValue(new RegExp(`${group} .*Thema: Schulbesuch`));

  // Reload offline: everything is there.
  await page.goto('/sozialraum');
  await unlock(page);
  await page.getByRole('link', { name: group }).click();
  await expect(page.getByTestId('offer-cases')).toHaveText(new RegExp(`${label} · seit 01\\.01\\.${year}`));

  // Online: synced; the server has both offers and the budget.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const onServer = await page.evaluate(async () => {
    const out: any[] = [];
    let since = 0;
    for (;;) {
      const p = await (await fetch(`/api/v1/sync/pull?since=${since}&limit=1000`)).json();
      out.push(...p.records.filter((r: any) => r.kind.startsWith('sozialraum_')));
      if (!p.has_more) return out;
      since = p.cursor;
    }
  });
  expect(onServer.filter((r) => r.kind === 'sozialraum_offer' && [cafe, group].includes(r.body.title))).toHaveLength(2);
  expect(onServer.filter((r) => r.kind === 'sozialraum_budget' && r.body.year === year).map((r) => r.body.amount_cents)).toEqual([1_000_000]);

  // The Träger's Fachkraft on her own device: sees offers and budget, does not set the budget.
  const anna = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const annaPage = await anna.newPage();
  annaPage.on('pageerror', (e) => problems.push(`anna: ${e.message}`));
  await login(annaPage, 'anna');
  await annaPage.getByRole('link', { name: 'Angebote im Sozialraum' }).click();
  await annaPage.getByLabel('Jahr').fill(String(year));
  await annaPage.getByLabel('Jahr').press('Tab');
  await expect(annaPage.getByTestId('sr-budget-amount')).toHaveText(euro('10.000,00 €'));
  await expect(annaPage.getByText('Das Sozialraumbudget setzt das Jugendamt (ASD) oder die Teamleitung.')).toBeVisible();
  await expect(annaPage.getByLabel(`Sozialraumbudget ${year} (€)`)).toHaveCount(0);
  await expect(annaPage.getByRole('link', { name: cafe })).toBeVisible();
  await anna.close();
  expect(problems).toEqual([]);
});
