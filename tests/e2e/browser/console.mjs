// One person at Roster's console in a real browser: Playwright (playwright-core) driving
// Debian's chromium through a list of steps, as a person would click and type. The test
// (tests/e2e/console_stack.py) writes the steps; this prints what it saw as one JSON object.
//
//   node console.mjs --base URL --steps FILE.json --shots DIR [--executable PATH] [--timeout-ms N]
//
// Steps (one key names the action):
//   {goto: "/path"}                     open a page of the console (or any URL)
//   {fill: "Label", value: "text"}      type into the field with that label
//   {select: "Label", option: "Name"}   picks the option so named in the select with that label
//   {upload: "Label", file: "/path"}    chooses that file in the file input with that label
//   {click: "Name", role: "button"}     click a button (or link, tab) by its accessible name
//   {press: "Tab"} / {type: "text"}     the keyboard only, wherever the focus is
//   {focused: "what"}                   records the focused element's label as focus[what]
//   {waitFocus: "label"}                waits until the focused element has this label
//   {waitValue: "label", value: "v"}    waits until the field with that label holds v
//   {waitUrl: "/admin/users"}           waits until the path is this
//   {waitText: "text"}                  waits until the page shows this text
//   {waitGone: "text"}                  waits until the page no longer shows this text
//   {qr: "alt text"}                    decodes the QR code in the image with that alt text
//                                       (jsQR) into qr[alt text]
//   {check: "screen"}                   axe-core on the page (serious and critical findings
//                                       into axe[screen]), a screenshot DIR/screen.png, and
//                                       the page's text into text[screen], its links
//                                       ({text: href}) into links[screen]
// Output: {steps, axe, text, focus, qr, csp, finalUrl} (exit 0) or the same with error (exit 1).
// Requests to any host but 127.0.0.1 are aborted; CSP violations the page logs are in csp.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import jsQR from 'jsqr';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    steps: { type: 'string' },
    shots: { type: 'string' },
    executable: { type: 'string', default: '/usr/bin/chromium' },
    'timeout-ms': { type: 'string', default: '15000' },
  },
});
for (const name of ['base', 'steps', 'shots']) {
  if (!args[name]) {
    console.error(`console.mjs: --${name} is required`);
    process.exit(2);
  }
}
const timeout = Number(args['timeout-ms']);
const steps = JSON.parse(readFileSync(args.steps, 'utf8'));
const report = { steps: [], axe: {}, text: {}, links: {}, focus: {}, qr: {}, csp: [], blocked: [] };
const userDataDir = mkdtempSync(join(tmpdir(), 'roster-console-'));
let context;
let page;

async function axe(screen) {
  // axe's source is evaluated through the DevTools protocol, which the page's CSP does not
  // govern: the console's own policy stays on while axe runs.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    }));
  });
  report.axe[screen] = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  report.axe[`${screen}:all`] = violations.map((v) => `${v.impact} ${v.id}`);
}

// Run in the page: the focused element's label (or, given `want`, whether it is that).
function activeLabel(want) {
  const el = document.activeElement;
  const label = el?.id ? document.querySelector(`label[for="${el.id}"]`) : null;
  const text = el ? (label?.textContent || el.getAttribute('aria-label') || el.textContent || el.tagName).trim() : null;
  return want === undefined ? text : text === want;
}

async function focusedLabel() {
  return page.evaluate(activeLabel);
}

async function run(step) {
  if ('goto' in step) {
    await page.goto(new URL(step.goto, args.base).href, { waitUntil: 'networkidle' });
  } else if ('fill' in step) {
    await page.getByLabel(step.fill, { exact: true }).fill(step.value);
  } else if ('upload' in step) {
    await page.getByLabel(step.upload, { exact: true }).setInputFiles(step.file);
  } else if ('select' in step) {
    await page.getByLabel(step.select, { exact: true }).selectOption({ label: step.option });
  } else if ('click' in step) {
    await page.getByRole(step.role ?? 'button', { name: step.click, exact: true }).click();
  } else if ('press' in step) {
    await page.keyboard.press(step.press);
  } else if ('type' in step) {
    await page.keyboard.type(step.type);
  } else if ('focused' in step) {
    report.focus[step.focused] = await focusedLabel();
  } else if ('waitFocus' in step) {
    await page.waitForFunction(activeLabel, step.waitFocus);
  } else if ('waitValue' in step) {
    const has = ([label, want]) => {
      const found = [...document.querySelectorAll('label')].find((candidate) => candidate.textContent.trim() === label);
      return document.getElementById(found?.htmlFor ?? '')?.value === want;
    };
    await page.waitForFunction(has, [step.waitValue, step.value]);
  } else if ('waitUrl' in step) {
    await page.waitForURL((url) => url.pathname === step.waitUrl);
  } else if ('waitText' in step) {
    await page.getByText(step.waitText).first().waitFor();
  } else if ('waitGone' in step) {
    await page.getByText(step.waitGone).first().waitFor({ state: 'hidden' });
  } else if ('qr' in step) {
    // The image as the page has it, drawn with its modules kept sharp, read by jsQR in node.
    const image = await page.getByAltText(step.qr, { exact: true }).evaluate(async (img) => {
      await img.decode();
      // About 400 pixels a side: enough for jsQR, small enough to hand back as JSON.
      const scale = Math.max(1, Math.round(400 / img.naturalWidth));
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth * scale;
      canvas.height = img.naturalHeight * scale;
      const context2d = canvas.getContext('2d');
      context2d.imageSmoothingEnabled = false;
      context2d.drawImage(img, 0, 0, canvas.width, canvas.height);
      const { data, width, height } = context2d.getImageData(0, 0, canvas.width, canvas.height);
      return { data: Array.from(data), width, height };
    });
    report.qr[step.qr] = jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data ?? null;
  } else if ('check' in step) {
    await page.waitForLoadState('networkidle');
    await axe(step.check);
    await page.screenshot({ path: join(args.shots, `${step.check}.png`), fullPage: true });
    report.text[step.check] = await page.locator('body').innerText();
    report.links[step.check] = await page.evaluate(() =>
      Object.fromEntries([...document.querySelectorAll('a')].map((a) => [a.textContent.trim(), a.href])),
    );
  } else {
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: args.executable,
    headless: true,
    timeout,
    viewport: { width: 1200, height: 800 },
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
    if (url.hostname === '127.0.0.1') return route.continue();
    report.blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) report.csp.push(message.text());
  });
  for (const step of steps) {
    await run(step);
    report.steps.push({ step, url: page.url() });
  }
  report.finalUrl = page.url();
  console.log(JSON.stringify(report));
} catch (error) {
  report.error = String(error?.stack ?? error);
  try {
    if (page) {
      report.finalUrl = page.url();
      report.content = (await page.locator('body').innerText()).slice(0, 3000);
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
