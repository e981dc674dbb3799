import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readAssessment, writeAssessment } from '../../src/design/assessmentFile';
import { PROJECT_ROOT } from '../../src/paths';
import type { ChartSpec } from '../../src/report/charts';
import { writeReport } from '../../src/report/writeReport';
import { browserCheck, launchChromium } from '../support/browser';
import { researchedStrategy, type Researched } from '../support/researchedStrategy';

/**
 * A strategy's report opened as a reader opens it: the file alone, in a real (headless)
 * chromium that may fetch nothing else. Every chart must have painted every series it has data
 * for, and text from an assessment must stay text.
 */

const check = browserCheck();
if (!check.run) console.log(`Skipping the report browser tests: ${check.reason}`);

const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-results');

let researched: Researched;
let browser: Browser;

beforeAll(async () => {
  if (!check.run) return;
  researched = await researchedStrategy('cycle-report-1', 'trend following on the S&P 500 daily');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (researched) fs.rmSync(researched.root, { recursive: true, force: true });
});

/** What the page's script leaves on its window (the tests compile without the DOM's types). */
interface ReportWindow {
  reportCharts?: {
    width: number;
    ctx: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    bbox: Record<'left' | 'top' | 'width' | 'height', number>;
  }[];
  document: { getElementById(id: string): { textContent: string } };
  pwned?: number;
  printedWidths?: number[];
  addEventListener(event: string, listener: () => void): void;
}

interface Opened {
  page: Page;
  /** URLs the page asked for besides the file itself (each was refused). */
  requests: string[];
  errors: string[];
}

/** Opens the report with every request but the file's own refused, and waits for its charts. */
async function open(file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  await page.waitForFunction(() => Array.isArray((globalThis as unknown as ReportWindow).reportCharts));
  return { page, requests, errors };
}

/** For each chart, the pixels inside its plotting area painted in each series' colour. */
function paintedPixels(page: Page): Promise<{ id: string; series: { label: string; values: number; pixels: number }[] }[]> {
  return page.evaluate(() => {
    const page = globalThis as unknown as ReportWindow;
    const specs = (JSON.parse(page.document.getElementById('report-data').textContent) as { charts: ChartSpec[] }).charts;
    const charts = page.reportCharts!;
    return specs.map((spec, i) => {
      const { ctx, bbox } = charts[i];
      const pixels = ctx.getImageData(bbox.left, bbox.top, bbox.width, bbox.height).data;
      return {
        id: spec.id,
        series: spec.series.map((s, j) => {
          const [r, g, b] = [1, 3, 5].map((k) => parseInt(s.color.slice(k, k + 2), 16));
          let count = 0;
          for (let p = 0; p < pixels.length; p += 4) {
            const near = Math.abs(pixels[p] - r) + Math.abs(pixels[p + 1] - g) + Math.abs(pixels[p + 2] - b) < 24;
            if (near && pixels[p + 3] > 200) count++;
          }
          return { label: s.label, values: spec.data[j + 1].filter((v) => v !== null).length, pixels: count };
        }),
      };
    });
  });
}

describe.runIf(check.run)('a report in chromium', () => {
  test('draws every chart with its data, fetches nothing, and is saved as a screenshot', async () => {
    const file = writeReport(researched.name, researched.folders);
    const { page, requests, errors } = await open(file);
    try {
      const charts = await paintedPixels(page);
      // the loss curves, and equity, drawdown and trades for validation and holdout
      expect(charts.map((c) => c.id)).toEqual([
        'training-loss',
        'validation-equity',
        'validation-drawdown',
        'validation-trades',
        'holdout-equity',
        'holdout-drawdown',
        'holdout-trades',
      ]);
      for (const chart of charts) {
        for (const s of chart.series) {
          expect(s.values, `${chart.id}: ${s.label} has data`).toBeGreaterThan(0);
          // a line over its points, or a marker (about 18 × 18 device pixels) at each trade
          expect(s.pixels, `${chart.id}: ${s.label} painted`).toBeGreaterThan(Math.min(s.values, 40) * 4);
        }
      }
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(researched.name);
      await page.getByRole('columnheader', { name: /Holdout/ }).waitFor();
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'report.png'), fullPage: true, scale: 'css' });
      // the top of the page, the README's picture (docs/report.png is a copy)
      await page.screenshot({ path: path.join(SCREENSHOTS, 'report-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1200, height: 1500 }, scale: 'css' });
    } finally {
      await page.close();
    }
  });

  test('prints on A4: while it prints every chart fits the page, and takes its width back after', async () => {
    const { page, errors } = await open(writeReport(researched.name, researched.folders));
    try {
      const onScreen = await page.evaluate(() => (globalThis as unknown as ReportWindow).reportCharts!.map((u) => u.width));
      await page.evaluate(() => {
        const page = globalThis as unknown as ReportWindow;
        page.addEventListener('beforeprint', () => (page.printedWidths = page.reportCharts!.map((u) => u.width)));
      });
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.pdf({ path: path.join(SCREENSHOTS, 'report.pdf'), format: 'A4' });
      const printed = await page.evaluate(() => (globalThis as unknown as ReportWindow).printedWidths);
      // A4 is 794 CSS pixels wide; Chromium's default margins leave about 720 of them
      expect(printed).toHaveLength(onScreen.length);
      for (const width of printed!) expect(width).toBeLessThanOrEqual(720);
      expect(await page.evaluate(() => (globalThis as unknown as ReportWindow).reportCharts!.map((u) => u.width))).toEqual(onScreen);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('shows an assessment that holds markup as text: nothing runs, nothing loads', async () => {
    const { strategies } = researched.folders;
    const assessment = readAssessment(researched.name, strategies)!;
    const hostile = {
      strengths: ['<img src="x.png" onerror="window.pwned = 1">'],
      weaknesses: ['</script><script>window.pwned = 2</script>'],
      suggestions: ['"><svg onload="window.pwned = 3">'],
    };
    writeAssessment(researched.name, { ...assessment, ...hostile }, strategies);
    const { page, requests, errors } = await open(writeReport(researched.name, researched.folders));
    try {
      for (const text of Object.values(hostile).flat()) await page.getByText(text, { exact: true }).waitFor({ timeout: 2000 });
      expect(await page.evaluate(() => (globalThis as unknown as ReportWindow).pwned)).toBeUndefined();
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
