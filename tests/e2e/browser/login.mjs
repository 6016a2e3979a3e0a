// One SSO login in a real browser: Playwright (playwright-core) driving Debian's chromium,
// launched by its executable path (Playwright never downloads a browser here).
//
//   node login.mjs --login-url URL --login NAME --password PASSWORD \
//     [--executable /usr/bin/chromium] [--timeout-ms 20000]
//
// It opens Roster's login route (URL, which redirects to the provider), fills in the
// provider's sign-in form and its consent form, follows the redirect back to Roster, and
// then, in the page, POSTs `{ me { email source status } }` to /graphql with the
// X-Roster-Request header, as Roster's own front end would. It prints one JSON object:
// { pages: [{url, title}], finalUrl, me, status, cookies, blocked } and exits 0, or prints
// { error, pages, ... } and exits 1. Requests to any host but 127.0.0.1 are aborted (the
// machine is offline, and nothing of the login may depend on the outside).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    'login-url': { type: 'string' },
    login: { type: 'string' },
    password: { type: 'string' },
    executable: { type: 'string', default: '/usr/bin/chromium' },
    'timeout-ms': { type: 'string', default: '20000' },
  },
});
for (const name of ['login-url', 'login', 'password']) {
  if (!args[name]) {
    console.error(`login.mjs: --${name} is required`);
    process.exit(2);
  }
}
const timeout = Number(args['timeout-ms']);
const rosterOrigin = new URL(args['login-url']).origin;

const pages = [];
const blocked = [];
const report = { pages, blocked };
const userDataDir = mkdtempSync(join(tmpdir(), 'roster-chromium-'));
let context;

try {
  // A persistent context on a fresh, empty directory: Playwright passes it as
  // --user-data-dir (it refuses that switch in `args`) and adds --headless itself.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: args.executable,
    headless: true,
    timeout,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') {
      return route.continue();
    }
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('framenavigated', async (frame) => {
    if (frame === page.mainFrame()) {
      pages.push({ url: frame.url() });
    }
  });

  // Roster's login route answers 303 to the provider, which shows its sign-in form.
  await page.goto(args['login-url'], { waitUntil: 'domcontentloaded' });
  const login = page.locator('form input[name="login"]');
  await login.waitFor();
  report.providerLoginUrl = page.url();
  await login.fill(args.login);
  await page.locator('form input[name="password"]').fill(args.password);
  await Promise.all([
    page.waitForURL((url) => url.href !== report.providerLoginUrl, { waitUntil: 'domcontentloaded' }),
    page.locator('form button[type="submit"]').click(),
  ]);

  // The consent form, then the provider redirects back to Roster's callback, which
  // redirects to return_to with the session cookie set.
  const consent = page.locator('form input[name="prompt"][value="consent"]');
  if (await consent.count()) {
    report.consentUrl = page.url();
    await Promise.all([
      page.waitForURL((url) => url.origin === rosterOrigin, { waitUntil: 'domcontentloaded' }),
      page.locator('form button[type="submit"]').click(),
    ]);
  } else {
    await page.waitForURL((url) => url.origin === rosterOrigin, { waitUntil: 'domcontentloaded' });
  }
  report.finalUrl = page.url();

  const answer = await page.evaluate(async () => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Roster-Request': '1' },
      body: JSON.stringify({ query: '{ me { email source status } }' }),
    });
    return { status: response.status, body: await response.json() };
  });
  report.status = answer.status;
  report.graphql = answer.body;
  report.me = answer.body?.data?.me ?? null;
  report.cookies = (await context.cookies(rosterOrigin)).map((cookie) => ({
    name: cookie.name,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
  }));
  console.log(JSON.stringify(report));
} catch (error) {
  report.error = String(error?.stack ?? error);
  try {
    const page = context?.pages()[0];
    if (page) {
      report.finalUrl = page.url();
      report.content = (await page.content()).slice(0, 3000);
    }
  } catch {
    // the page is gone: report what there is
  }
  console.log(JSON.stringify(report));
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
