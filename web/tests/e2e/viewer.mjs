// The study viewer: open the generated CT, scroll (wheel, keys, slider), window/level by drag
// and by preset, a length across a known distance in mm, reset, help and tag panels.
import { assert, env, shot } from './harness.mjs';
import { diff, grid, stats } from './pixels.mjs';

const EL = '[data-testid=element-main]';

async function sliceIndex(page) {
  return page.evaluate(() => window.custosViewers.main.index());
}

async function waitIndex(page, pred, what) {
  await page.waitForFunction(pred, null, { timeout: 10000 }).catch(() => {
    throw new Error(`timed out waiting for ${what}`);
  });
  await page.waitForTimeout(250); // the new image is drawn
}

export function viewerScenarios(page, E) {
  let before;
  return [
    ['open_ct_from_library', async () => {
      await page.goto(env.base + '/');
      await page.click(`a[href="/studies/${E.ct.study}"]`);
      await page.waitForURL(`**/studies/${E.ct.study}`);
      await page.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 30000 });
      await page.waitForFunction((n) => window.custosViewers.main.loaded() === n, E.ct.slices, { timeout: 60000 });
      const text = await page.textContent('[data-testid=slice-main]');
      assert(text.trim() === `Image ${E.ct.slices / 2 + 1} / ${E.ct.slices}`, `slice text: ${text}`);
      await page.waitForTimeout(300);
      before = await grid(page, EL);
      const s = stats(before);
      assert(s.sd > 5, `the image looks blank (sd ${s.sd.toFixed(2)})`);
      await shot(page, '10-viewer-ct');
      return { ct_first_image_ms: await page.evaluate(() => window.custosViewers.main.firstImageMs) };
    }],
    ['wheel_scroll_changes_slice_and_pixels', async () => {
      const i0 = await sliceIndex(page);
      const box = await page.locator(EL).boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let k = 0; k < 8; k++) await page.mouse.wheel(0, 100);
      await waitIndex(page, () => window.custosViewers.main.index() !== 30, 'the wheel to change the slice');
      const i1 = await sliceIndex(page);
      const after = await grid(page, EL);
      const d = diff(before, after);
      const text = await page.textContent('[data-testid=slice-main]');
      assert(i1 !== i0, `index stayed ${i0}`);
      assert(text.trim() === `Image ${i1 + 1} / ${E.ct.slices}`, `slice text ${text} for index ${i1}`);
      assert(d > 0.5, `pixels barely changed after scrolling ${i0}→${i1} (mean diff ${d.toFixed(3)})`);
      await shot(page, '11-viewer-scrolled');
      before = after;
    }],
    ['keys_and_slider_scroll', async () => {
      const i0 = await sliceIndex(page);
      await page.keyboard.press('ArrowDown');
      await waitIndex(page, (x) => true, 'the key');
      await page.waitForFunction((i) => window.custosViewers.main.index() === i + 1, i0, { timeout: 20000 });
      await page.keyboard.press('Home');
      await page.waitForFunction(() => window.custosViewers.main.index() === 0, null, { timeout: 20000 });
      await page.locator('[data-testid=slice-slider]').focus();
      await page.keyboard.press('End');
      await page.waitForFunction((n) => window.custosViewers.main.index() === n - 1, E.ct.slices, { timeout: 20000 });
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=slice-slider]').value) === n - 1, E.ct.slices, { timeout: 20000 })
        .catch(async () => assert(false, `slider at ${await page.inputValue('[data-testid=slice-slider]')}`));
      await page.locator(EL).click({ position: { x: 5, y: 5 } }).catch(() => {});
      await page.keyboard.press('r');
      await page.evaluate((i) => window.custosViewers.main && null, 0);
    }],
    ['window_level_drag_and_presets', async () => {
      await page.keyboard.press('PageUp');
      await page.keyboard.press('PageUp');
      await page.waitForTimeout(400);
      const w0 = await page.textContent('[data-testid=window-main]');
      const g0 = await grid(page, EL);
      const box = await page.locator(EL).boundingBox();
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(cx + 12 * k, cy + 8 * k);
      await page.mouse.up();
      await page.waitForTimeout(400);
      const w1 = await page.textContent('[data-testid=window-main]');
      const g1 = await grid(page, EL);
      assert(w1 !== w0, `window text stayed ${w0}`);
      const d = diff(g0, g1);
      assert(d > 1, `pixels barely changed after window/level drag (${d.toFixed(3)}), ${w0} → ${w1}`);
      await page.selectOption('[data-testid=preset]', { label: 'Lung (W 1500 L -600)' });
      await page.waitForFunction(() => document.querySelector('[data-testid=window-main]').textContent === 'W 1500 L -600', null, { timeout: 5000 });
      await shot(page, '12-viewer-lung-window');
      await page.keyboard.press('1');
      await page.waitForFunction(() => document.querySelector('[data-testid=window-main]').textContent === 'W 400 L 40', null, { timeout: 5000 });
    }],
    ['invert_zoom_and_reset', async () => {
      await page.keyboard.press('r');
      await page.waitForTimeout(300);
      const g0 = await grid(page, EL);
      await page.keyboard.press('i');
      await page.waitForTimeout(300);
      const inv = diff(g0, await grid(page, EL));
      assert(inv > 20, `invert barely changed the pixels (${inv.toFixed(2)})`);
      await page.click('[data-testid=tool-Zoom]');
      const box = await page.locator(EL).boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      for (let k = 1; k <= 8; k++) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 15 * k);
      await page.mouse.up();
      await page.waitForTimeout(300);
      const zoomed = await page.textContent('[data-testid=zoom-main]');
      assert(zoomed !== 'Zoom 100%', `zoom text stayed ${zoomed}`);
      await page.click('[data-testid=reset]');
      await page.waitForTimeout(400);
      const back = diff(g0, await grid(page, EL));
      assert((await page.textContent('[data-testid=zoom-main]')) === 'Zoom 100%', 'reset did not restore the zoom');
      assert(back < 2, `reset did not restore the picture (diff ${back.toFixed(2)})`);
      await page.click('[data-testid=tool-WindowLevel]');
    }],
    ['length_in_mm_across_known_distance', async () => {
      await page.keyboard.press('r');
      await page.click('[data-testid=tool-Length]');
      const [x0, y0] = await page.evaluate(() => window.custosViewers.main.imageToPage(60, 128));
      const [x1, y1] = await page.evaluate(() => window.custosViewers.main.imageToPage(180, 128));
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(x0 + ((x1 - x0) * k) / 10, y0 + ((y1 - y0) * k) / 10);
      await page.mouse.up();
      await page.waitForSelector('[data-testid=measurement]', { timeout: 5000 });
      await page.waitForTimeout(200);
      const text = await page.textContent('[data-testid=measurement]');
      const mm = Number(/([\d.]+) mm/.exec(text)?.[1]);
      const expected = 120 * E.ct.pixel_spacing;
      await shot(page, '13-viewer-length');
      assert(Math.abs(mm - expected) < 0.6, `length says "${text}", expected ${expected.toFixed(1)} mm`);
      await page.click('[data-testid=tool-WindowLevel]');
    }],
    ['rectangle_roi_mean_in_hu', async () => {
      // The generated CT's body is 40 HU plus a 0–60 HU ramp from left to right, noise SD 12.
      await page.click('[data-testid=tool-RectangleROI]');
      const [x0, y0] = await page.evaluate(() => window.custosViewers.main.imageToPage(30, 116));
      const [x1, y1] = await page.evaluate(() => window.custosViewers.main.imageToPage(42, 140));
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(x0 + ((x1 - x0) * k) / 10, y0 + ((y1 - y0) * k) / 10);
      await page.mouse.up();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=measurement]')].some((e) => /HU/.test(e.textContent)), null, { timeout: 5000 });
      const text = (await page.locator('[data-testid=measurement]').allTextContents()).find((t) => /HU/.test(t));
      await shot(page, '13b-viewer-roi');
      const m = /mean (-?[\d.]+) HU, SD ([\d.]+) HU/.exec(text);
      assert(m, `ROI text: ${text}`);
      const mean = Number(m[1]);
      const sd = Number(m[2]);
      assert(mean > 40 && mean < 58, `ROI mean ${mean} HU, expected about 48`);
      assert(sd > 8 && sd < 17, `ROI SD ${sd} HU, expected about 12`);
      await page.click('[data-testid=tool-WindowLevel]');
    }],
    ['help_and_tags_panels', async () => {
      await page.click('[data-testid=help-button]');
      await page.waitForSelector('[data-testid=help-panel] >> text=CT presets', { timeout: 5000 });
      await shot(page, '14-viewer-help');
      await page.click('[data-testid=tags-button]');
      await page.waitForSelector('[data-testid=tag-browser]', { timeout: 5000 });
      await page.fill('[data-testid=tag-filter]', 'PatientID');
      const rows = await page.locator('[data-testid=tag-browser] tbody tr').allTextContents();
      assert(rows.length === 1 && rows[0].includes('(0010,0020)'), `tag rows: ${rows}`);
      await shot(page, '15-viewer-tags');
      await page.click('[data-testid=tags-button]');
    }],
    ['unknown_study_in_plain_words', async () => {
      await page.goto(`${env.base}/studies/1.2.3.4.5.6.7.8.9`);
      const text = await page.textContent('[role=alert]', { timeout: 10000 });
      assert(/not found in the vault/.test(text), `the error says: ${text}`);
      await page.goBack();
      await page.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 30000 });
    }],
    ['phone_sized_viewer', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(600);
      const g = await grid(page, EL);
      await shot(page, '16-viewer-phone');
      await page.setViewportSize({ width: 1280, height: 900 });
      assert(stats(g).sd > 5, 'the image is blank on a phone-sized screen');
    }],
  ];
}
