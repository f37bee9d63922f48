/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Headless Chromium for tests of anything a person looks at (the HTML report, the web console).
// Debian's /usr/bin/chromium driven by playwright-core: playwright's own browser downloads cannot
// be reached from these machines, and nothing here may fetch one. `.ci/run` installs the package
// when missing. One browser per test file; a fresh page (own context) per test. The DOM types
// referenced above are for the callbacks of page.evaluate, which run in the browser.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. Override with CHROMIUM_PATH. */
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** No sandbox (tests run as root), no GPU, and nothing that phones home. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  browser: Browser;
  /** A page in a context of its own (viewport, no shared cookies), closed with the browser. */
  page(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true });
  return {
    browser,
    async page(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
      return context.newPage();
    },
    close: () => browser.close(),
  };
}
