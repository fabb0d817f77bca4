// Time to open a study in headless Chromium: from navigation to the first rendered image,
// and to the whole stack loaded (every slice decoded and cached, so scrolling is instant).
// Each run uses a fresh browser context (empty HTTP and image caches) after one login.
// CUSTOS_EXPECT: {"study", "slices", "runs"}. Prints one JSON line with every run.
import { env, launch, login, newPage } from './harness.mjs';

const E = env.expect;
const browser = await launch();
const runs = [];
for (let r = 0; r < (E.runs ?? 3); r++) {
  const page = await newPage(browser);
  await login(page);
  await page.waitForSelector('[data-testid=user]', { timeout: 15000 });
  const t0 = Date.now();
  await page.goto(`${env.base}/studies/${E.study}`);
  await page.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 60000, polling: 10 });
  const first = Date.now() - t0;
  await page.waitForFunction((n) => window.custosViewers.main.loaded() === n, E.slices, { timeout: 300000, polling: 20 });
  const all = Date.now() - t0;
  const marks = await page.evaluate(() => ({
    first: performance.getEntriesByName('custos:main:first-image')[0]?.startTime,
    all: performance.getEntriesByName('custos:main:all-loaded')[0]?.startTime,
    viewer_first: window.custosViewers.main.firstImageMs,
    viewer_all: window.custosViewers.main.allLoadedMs,
    resources: performance.getEntriesByType('resource').filter((e) => !/frames/.test(e.name)).map((e) => `${e.name.split('/').slice(-2).join('/').slice(0, 40)} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`),
    frames: (() => { const f = performance.getEntriesByType('resource').filter((e) => /frames/.test(e.name)); return f.length ? [Math.round(f[0].startTime), Math.round(Math.max(...f.map((e) => e.responseEnd))), f.length, Math.round(f.reduce((a, e) => a + e.duration, 0) / f.length)] : []; })(),
  }));
  if (process.env.BENCH_VERBOSE) console.error(JSON.stringify({ resources: marks.resources, frames: marks.frames }));
  runs.push({ first_image_ms: Math.round(marks.first ?? first), whole_stack_ms: Math.round(marks.all ?? all), after_metadata_first_ms: Math.round(marks.viewer_first), after_metadata_all_ms: Math.round(marks.viewer_all), wall_first_ms: first, wall_all_ms: all });
  console.error(`run ${r + 1}: ${JSON.stringify(runs[runs.length - 1])}`);
  await page.context().close();
}
await browser.close();
console.log(JSON.stringify({ runs }));
