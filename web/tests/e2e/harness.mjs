// A small harness for the browser tests: headless Debian Chromium driven by playwright-core,
// scenarios run in order on one logged-in page, every result and screenshot recorded.
// Prints one JSON line at the end: {"passed": [...], "failed": [{"name", "error"}], ...}.
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const env = {
  base: process.env.CUSTOS_URL,
  user: process.env.CUSTOS_USER,
  password: process.env.CUSTOS_PASSWORD,
  totpSecret: process.env.CUSTOS_TOTP_SECRET ?? '',
  out: process.env.CUSTOS_SCREENSHOTS ?? 'test-output/web',
  expect: JSON.parse(process.env.CUSTOS_EXPECT ?? '{}'),
};

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits). */
export function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-unsafe-swiftshader'],
  });
}

export async function newPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  return page;
}

/** Log in through the form; the code is computed when a TOTP secret is known. */
export async function login(page, { code } = {}) {
  await page.goto(env.base + '/');
  await page.fill('input[name=username]', env.user);
  await page.fill('input[name=password]', env.password);
  if (code !== undefined) await page.fill('input[name=totp]', code);
  else if (env.totpSecret) await page.fill('input[name=totp]', totp(env.totpSecret));
  await page.click('button[type=submit]');
}

export async function shot(page, name) {
  mkdirSync(env.out, { recursive: true });
  return page.screenshot({ path: join(env.out, `${name}.png`) });
}

export async function run(scenarios, { page, browser }) {
  const passed = [];
  const failed = [];
  const figures = {};
  for (const [name, fn] of scenarios) {
    const t0 = Date.now();
    try {
      const f = await fn(page, figures);
      if (f) Object.assign(figures, f);
      passed.push(name);
      console.error(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed.push({ name, error: String(e?.stack ?? e).slice(0, 2000) });
      console.error(`FAIL ${name}: ${e}`);
      try {
        await shot(page, `FAILED-${name}`);
      } catch {
        /* the page may be gone */
      }
    }
  }
  if (page?.consoleErrors?.length) figures.console_errors = page.consoleErrors.slice(0, 20);
  await browser.close();
  console.log(JSON.stringify({ passed, failed, figures }));
  process.exit(failed.length ? 1 : 0);
}
