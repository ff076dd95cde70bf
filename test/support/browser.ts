// A real browser for tests: Debian's Chromium driven by playwright-core (no browser download), and
// the few steps of trying an operation in Swagger UI the way a person does.
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const browserArtifacts = path.join(__dirname, '..', '..', 'test-artifacts', 'browser');

export function hasChromium(): boolean {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Headless Chromium with a fresh temporary profile (Playwright's launch creates one and deletes it
 * on close). The machine may have no internet: the flags keep Chromium from calling Google hosts.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 20_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens a service's Swagger UI in a new context that can reach only the service itself, and waits
 * until the document titled `title` is rendered. Page errors are collected for failure messages.
 */
export async function openSwaggerUi(
  browser: Browser,
  serviceUrl: string,
  title: string,
): Promise<{ page: Page; errors: string[] }> {
  const origin = new URL(serviceUrl).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const response = await page.goto(`${serviceUrl}/swagger/`);
  if (!response?.ok()) throw new Error(`GET /swagger/ answered ${response?.status()}`);
  const shown = page.locator('.swagger-ui .info .title');
  await shown.waitFor();
  const text = await shown.innerText();
  if (!text.includes(title)) {
    await context.close();
    throw new Error(`${serviceUrl}/swagger/ shows the document "${text}", not "${title}"`);
  }
  return { page, errors };
}

/** The operation block of `method path`, expanded. */
export async function expandOperation(
  page: Page,
  method: string,
  apiPath: string,
): Promise<Locator> {
  const operation = page
    .locator(`.opblock.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${apiPath}"]`) });
  await operation.locator('.opblock-summary').first().waitFor();
  if (!(await operation.evaluate((el) => el.classList.contains('is-open')))) {
    await operation.locator('.opblock-summary-path').click();
  }
  await operation.locator('.opblock-body').waitFor();
  return operation;
}

/**
 * Switches the operation to "Try it out" (with `tryItOutEnabled` it already is: the button then
 * reads "Cancel") and waits for the Execute button.
 */
export async function tryItOut(operation: Locator): Promise<void> {
  const button = operation.locator('.try-out__btn');
  await button.waitFor();
  if (/try it out/i.test(await button.innerText())) await button.click();
  await operation.locator('.execute').waitFor();
}

export interface LiveResponse {
  status: string;
  body: string;
}

/** Clicks Execute and reads the status and body Swagger UI shows for the live response. */
export async function execute(operation: Locator): Promise<LiveResponse> {
  await operation.locator('.execute').click();
  const live = operation.locator('.responses-wrapper .live-responses-table tbody tr.response');
  const status = live.locator('.response-col_status');
  // The body is syntax-highlighted in .highlight-code; the headers are a plain pre.microlight.
  const body = live.locator('.response-col_description .highlight-code pre');
  await status.waitFor({ timeout: 20_000 });
  await body.waitFor();
  return { status: (await status.innerText()).trim(), body: await body.innerText() };
}

/**
 * Screenshot of the operation from its summary down to the live response (the documented
 * responses below are left out: they only repeat the OpenAPI document).
 */
export async function screenshotOperation(operation: Locator, file: string): Promise<void> {
  const page = operation.page();
  const [whole, live] = await Promise.all([
    operation.boundingBox(),
    operation.locator('.live-responses-table').boundingBox(),
  ]);
  if (!whole || !live) throw new Error('the operation or its live response is not visible');
  // Bounding boxes are relative to the viewport; a full-page clip is relative to the document.
  const [scrollX, scrollY] = await page.evaluate<[number, number]>(
    '[window.scrollX, window.scrollY]',
  );
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({
    path: file,
    fullPage: true,
    clip: {
      x: whole.x + scrollX,
      y: whole.y + scrollY,
      width: whole.width,
      height: live.y + live.height - whole.y + 8,
    },
  });
}

/** Saves what the page shows, and its DOM, to look at when a step failed. */
export async function saveFailure(page: Page, name: string): Promise<void> {
  mkdirSync(browserArtifacts, { recursive: true });
  await page.screenshot({
    path: path.join(browserArtifacts, `${name}-failure.png`),
    fullPage: true,
  });
  writeFileSync(path.join(browserArtifacts, `${name}-failure.html`), await page.content());
}
