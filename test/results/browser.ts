// Debian's chromium driven by puppeteer-core, for the report and operator page tests. Every
// request other than the page itself (file: or the given origin) is refused and recorded, so
// a test sees whether a page needs the network.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.RWENAS_CHROMIUM ?? '/usr/bin/chromium';

/** In CI a missing browser fails the test; elsewhere it is skipped with what to install. */
export function needChromium(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const message = `${CHROMIUM} not found: apt-get install -y chromium (or set RWENAS_CHROMIUM)`;
  if (process.env.CI) throw new Error(message);
  return message;
}

export interface OpenedPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  /** Requests refused because they would have left the allowed origin. */
  readonly refused: string[];
}

export async function openPage(url: string, allowedOrigin?: string): Promise<OpenedPage> {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('file:') || u.startsWith('data:') || (allowedOrigin !== undefined && u.startsWith(allowedOrigin))) void req.continue();
    else {
      refused.push(u);
      void req.abort();
    }
  });
  await page.setViewport({ width: 1280, height: 1000 });
  await page.goto(url, { waitUntil: 'load' });
  return { browser, page, errors, refused };
}

/** Waits for the report's charts, then returns the number of points of each Pareto layer. */
export async function plottedPoints(page: Page): Promise<Record<string, number>> {
  await page.evaluate(() => (window as unknown as { reportReady: Promise<unknown> }).reportReady);
  return page.$$eval('#pareto-chart g.role-mark', (gs) => Object.fromEntries(gs.map((g) => [(g.getAttribute('class') ?? '').split(' ').pop()!, g.querySelectorAll('path').length])));
}

/**
 * Hovers the i-th point of the front layer and returns the genome of its datum (from the Vega
 * scenegraph) and the tooltip's text.
 */
export async function hoverFrontPoint(page: Page, i: number): Promise<{ genome: string; tooltip: string }> {
  // A string, not a function: the test runner's transpiler would wrap named inner functions
  // in a helper the page does not have.
  const genome = (await page.evaluate(`(() => {
    const find = (node) => (node.name === 'front_marks' ? node : (node.items || []).map(find).find(Boolean));
    const mark = find(window.reportViews.pareto.scenegraph().root);
    const item = mark && mark.items && mark.items[${i}];
    return (item && item.datum && item.datum.genome) || '';
  })()`)) as string;
  const box = await page.$$eval('#pareto-chart g.front_marks path', (ps, index) => {
    ps[index as number].scrollIntoView({ block: 'center' });
    const r = ps[index as number].getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }, i);
  // Away first, so an earlier tooltip is gone and cannot cover this point.
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => !document.querySelector('#vg-tooltip-element.visible'), { timeout: 5000 });
  await page.mouse.move(box.x, box.y);
  await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5000 });
  const tooltip = await page.$eval('#vg-tooltip-element', (el) => el.textContent ?? '');
  return { genome, tooltip };
}
