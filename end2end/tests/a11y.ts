import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';

// WCAG 2.1 A and AA (BITV 2.0) as axe-core checks them. Violations are listed by rule and element,
// so a failure says what to fix.
export async function expectNoA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(found, `axe-core violations on ${page.url()}`).toEqual([]);
}

// No horizontal scrolling at the phone width.
export async function expectNoHorizontalScroll(page: Page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  expect(scroll, `horizontal scroll on ${page.url()}`).toBeLessThanOrEqual(width);
}
