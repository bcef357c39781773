import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

import { CHROMIUM_PATH } from './browser-path.js';

export { CHROMIUM_PATH, HAS_CHROMIUM } from './browser-path.js';

/** Debian's chromium, headless and offline: no browser is ever downloaded, no network is needed. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface OpenedPage {
  page: Page;
  /** Console errors, page errors and failed requests, as they happen. */
  problems: string[];
}

/** Opens a local HTML file and records everything that would show up as an error in DevTools. */
export async function openFile(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  );
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems };
}

export interface VideoState {
  src: string;
  readyState: number;
  error: number | null;
}

// Browser-side code is passed as strings: the project compiles without the DOM lib.
const ALL_VIDEOS_READY =
  "[...document.querySelectorAll('video')].every((v) => v.readyState >= 2 || v.error !== null)";
const VIDEO_STATES =
  "[...document.querySelectorAll('video')].map((v) => ({ src: v.currentSrc, readyState: v.readyState, error: v.error ? v.error.code : null }))";

/** Waits until every <video> on the page has decoded its current frame (readyState ≥ 2) or errored. */
export async function videoStates(page: Page, timeoutMs = 20_000): Promise<VideoState[]> {
  await page.waitForFunction(ALL_VIDEOS_READY, undefined, { timeout: timeoutMs }).catch(() => undefined); // the caller asserts on the states below, which say which video is stuck
  return (await page.evaluate(VIDEO_STATES)) as VideoState[];
}
