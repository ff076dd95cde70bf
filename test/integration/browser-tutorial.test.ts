// The tutorial the way a person does it in a browser: in service-a's Swagger UI, POST
// "Hello, Kafka!" with "Try it out" and "Execute"; in service-b's, GET it back. Real Chromium
// (Debian's, driven by playwright-core), real services, real broker. Screenshots of both steps go
// to test-artifacts/browser/. Without Chromium the test is skipped, except in CI.
//
// service-b starts only after the POST step: swagger-ui-express keeps the document of its latest
// `setup()` in one module-wide variable that `swaggerUi.serve` hands out as swagger-ui-init.js, so
// two services in one process would both show the one started last (separate processes, as in
// production, are not affected; `swaggerUi.serveFiles(document, options)` would fix it).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import {
  browserArtifacts,
  chromiumPath,
  execute,
  expandOperation,
  hasChromium,
  launchChromium,
  openSwaggerUi,
  saveFailure,
  screenshotOperation,
  tryItOut,
} from '@test-support/browser';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';

const available = hasChromium();
const missing = `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
// Like the docker-compose check: skipped without the tool, except in CI, where it must run.
const skipped = !available && !process.env.CI;
if (skipped) console.log(`browser-tutorial skipped: ${missing}`);

const suite = skipped ? describe.skip : describe;
const title = `the tutorial in Swagger UI, in Chromium${skipped ? ` (skipped: ${missing})` : ''}`;

suite(title, () => {
  const topic = uniqueName('browser-tutorial');
  const group = uniqueName('browser-tutorial-group');
  let a: ServiceA;
  let b: ServiceB;
  let browser: Browser;

  beforeAll(async () => {
    if (!available) throw new Error(`CI is set, so this test must run, but there is ${missing}`);
    mkdirSync(browserArtifacts, { recursive: true });
    [browser, a] = await Promise.all([launchChromium(), startA({ KAFKA_TOPIC: topic })]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await a?.stop();
    await b?.stop();
  });

  /** Runs the steps on a page; on failure saves a screenshot and the DOM, and names page errors. */
  async function onPage(
    serviceUrl: string,
    title: string,
    name: string,
    steps: (page: Page) => Promise<void>,
  ): Promise<void> {
    const { page, errors } = await openSwaggerUi(browser, serviceUrl, title);
    try {
      await steps(page);
    } catch (error) {
      await saveFailure(page, name).catch(() => undefined);
      if (errors.length > 0) {
        throw new Error(`${String(error)}\nbrowser errors:\n${errors.join('\n')}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      await page.context().close();
    }
  }

  it('POSTs "Hello, Kafka!" in service-a\'s Swagger UI and GETs it back in service-b\'s', async () => {
    let timestamp = '';
    await onPage(a.url, 'service-a: produce', 'service-a-post', async (page) => {
      const operation = await expandOperation(page, 'post', '/api/messages');
      await tryItOut(operation);
      await operation.locator('.body-param-content-type select').selectOption('application/json');
      await operation.locator('textarea.body-param__text').fill('"Hello, Kafka!"');
      const response = await execute(operation);
      expect(response.status).toBe('200');
      expect(response.body).toContain('"offset"');
      expect(JSON.parse(response.body)).toEqual({
        topic,
        partition: 0,
        offset: '0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      timestamp = (JSON.parse(response.body) as { timestamp: string }).timestamp;
      await screenshotOperation(operation, path.join(browserArtifacts, 'service-a-post.png'));
    });

    // service-b's group is new, so it reads the topic from the beginning.
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
    await onPage(b.url, 'service-b: consume', 'service-b-get', async (page) => {
      const operation = await expandOperation(page, 'get', '/api/messages');
      await tryItOut(operation);
      // Waits up to 10 s for the message instead of the default 2 s; it is answered on arrival.
      await operation.locator('tr[data-param-name="waitMs"] input').fill('10000');
      const response = await execute(operation);
      expect(response.status).toBe('200');
      expect(response.body).toContain('Hello, Kafka!');
      expect(JSON.parse(response.body)).toMatchObject({
        topic,
        partition: 0,
        offset: '0',
        value: 'Hello, Kafka!',
        timestamp,
      });
      await screenshotOperation(operation, path.join(browserArtifacts, 'service-b-get.png'));
    });
  }, 40_000);
});
