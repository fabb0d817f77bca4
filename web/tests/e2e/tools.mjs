// The viewer's other tools on the generated CT (open in the page already): an angle drawn as a
// known right angle, an ellipse over a known HU region, flip and rotate moving the pixels the
// expected way, full screen and the shortcut list; touch-drag scrolling on a phone-sized,
// touch-enabled page; a drop of files on the import page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assert, env, shot } from './harness.mjs';
import { diff, grid, stats } from './pixels.mjs';

const EL = '[data-testid=element-main]';

async function drag(page, from, to, steps = 10) {
  await page.mouse.move(from[0], from[1]);
  await page.mouse.down();
  for (let k = 1; k <= steps; k++) await page.mouse.move(from[0] + ((to[0] - from[0]) * k) / steps, from[1] + ((to[1] - from[1]) * k) / steps);
  await page.mouse.up();
}

const toPage = (page, col, row) => page.evaluate(([c, r]) => window.custosViewers.main.imageToPage(c, r), [col, row]);

async function measurementText(page, re, what) {
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-testid=measurement]')].some((e) => new RegExp(src).test(e.textContent)), re.source, { timeout: 5000 })
    .catch(async () => assert(false, `no ${what} among the measurements: ${await page.locator('[data-testid=measurement]').allTextContents()}`));
  return (await page.locator('[data-testid=measurement]').allTextContents()).find((t) => re.test(t));
}

/** The grid mirrored left to right (n x n). */
function mirror(g, n = 64) {
  const out = new Array(g.length);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[r * n + c] = g[r * n + (n - 1 - c)];
  return out;
}

/** Mean absolute difference over the middle of the grid (away from the corner texts). */
function middleDiff(a, b, n = 64) {
  let s = 0;
  let k = 0;
  for (let r = n / 4; r < (3 * n) / 4; r++) {
    for (let c = n / 4; c < (3 * n) / 4; c++) {
      s += Math.abs(a[r * n + c] - b[r * n + c]);
      k++;
    }
  }
  return s / k;
}

async function settle(page) {
  await page.waitForTimeout(350);
}

export function toolScenarios(page, E) {
  return [
    ['angle_of_a_known_right_angle', async () => {
      await page.keyboard.press('r');
      await page.click('[data-testid=tool-Angle]');
      const a = await toPage(page, 60, 128);
      const b = await toPage(page, 128, 128);
      const c = await toPage(page, 128, 60);
      // Press at the first end, drag to the vertex, release; then move to the other end and click.
      await drag(page, a, b);
      for (let k = 1; k <= 10; k++) await page.mouse.move(b[0] + ((c[0] - b[0]) * k) / 10, b[1] + ((c[1] - b[1]) * k) / 10);
      await page.mouse.down();
      await page.mouse.up();
      // The click ends the drawing (after the double-click delay): moving on leaves it alone.
      await page.waitForTimeout(700);
      await page.mouse.move(c[0] + 80, c[1] + 120, { steps: 5 });
      await page.waitForTimeout(300);
      const text = await measurementText(page, /°/, 'angle');
      await shot(page, '17-viewer-angle');
      const deg = Number(/(-?[\d.]+)°/.exec(text)?.[1]);
      assert(Math.abs(deg - 90) < 1, `the angle says "${text}", expected 90°`);
      await page.click('[data-testid=tool-WindowLevel]');
    }],
    ['ellipse_roi_mean_in_hu', async () => {
      // Centre (180, 200), radius 10 pixels: inside the body, outside the sphere, where the
      // generated CT is 40 HU + 180/256 × 60 HU of ramp ≈ 82 HU, noise SD 12.
      await page.click('[data-testid=tool-EllipticalROI]');
      await drag(page, await toPage(page, 180, 200), await toPage(page, 190, 210));
      const text = await measurementText(page, /HU.*area/, 'ellipse statistics');
      await shot(page, '18-viewer-ellipse');
      const m = /mean (-?[\d.]+) HU, SD ([\d.]+) HU/.exec(text);
      assert(m, `ellipse text: ${text}`);
      const mean = Number(m[1]);
      const sd = Number(m[2]);
      assert(mean > 74 && mean < 90, `ellipse mean ${mean} HU, expected about 82`);
      assert(sd > 8 && sd < 17, `ellipse SD ${sd} HU, expected about 12`);
      assert(/mm²/.test(text), `the area is not in mm²: ${text}`);
      await page.click('[data-testid=tool-WindowLevel]');
    }],
    ['flip_and_rotate_move_the_pixels', async () => {
      // Measurements are drawn over the image: a fresh load of the study has none.
      await page.reload();
      await page.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 30000 });
      await page.waitForFunction((n) => window.custosViewers.main.loaded() === n, E.ct.slices, { timeout: 60000 });
      await settle(page);
      const g0 = await grid(page, EL);
      await page.click('[data-testid=flip-h]');
      await settle(page);
      const gh = await grid(page, EL);
      const changed = diff(g0, gh);
      const asMirror = middleDiff(mirror(g0), gh);
      assert(changed > 1, `flipping left to right barely changed the pixels (${changed.toFixed(2)})`);
      assert(asMirror < changed / 3, `the flipped picture is not the mirror image (${asMirror.toFixed(2)} vs ${changed.toFixed(2)})`);
      await shot(page, '19-viewer-flipped');
      await page.click('[data-testid=flip-h]');
      await settle(page);
      const twice = diff(g0, await grid(page, EL));
      assert(twice < 1, `flipping twice did not give the picture back (${twice.toFixed(2)})`);
      // Reset undoes a flip too.
      await page.click('[data-testid=flip-h]');
      await settle(page);
      await page.click('[data-testid=reset]');
      await settle(page);
      const reset = diff(g0, await grid(page, EL));
      assert(reset < 1, `reset did not undo a flip (${reset.toFixed(2)})`);
      await page.click('[data-testid=flip-v]');
      await settle(page);
      const v = diff(g0, await grid(page, EL));
      assert(v > 1, `flipping top to bottom barely changed the pixels (${v.toFixed(2)})`);
      await page.keyboard.press('v');
      await settle(page);
      const vBack = diff(g0, await grid(page, EL));
      assert(vBack < 1, `flipping top to bottom twice (button, then V) did not give the picture back (${vBack.toFixed(2)})`);
      const turns = [];
      for (let k = 1; k <= 4; k++) {
        await page.click('[data-testid=rotate]');
        await settle(page);
        turns.push(diff(g0, await grid(page, EL)));
        if (k === 1) await shot(page, '19b-viewer-rotated');
      }
      assert(turns[0] > 1 && turns[1] > 1 && turns[2] > 1, `a quarter turn barely changed the pixels (${turns.map((t) => t.toFixed(2))})`);
      assert(turns[3] < 1, `four quarter turns did not give the picture back (${turns[3].toFixed(2)})`);
      await page.keyboard.press('[');
      await settle(page);
      await page.keyboard.press(']');
      await settle(page);
      const keys = diff(g0, await grid(page, EL));
      assert(keys < 1, `[ then ] did not give the picture back (${keys.toFixed(2)})`);
    }],
    ['full_screen_and_shortcut_list', async () => {
      await page.click('[data-testid=fullscreen]');
      await page.waitForFunction(() => !!document.fullscreenElement || !!document.querySelector('.viewer.pseudo-fullscreen'), null, { timeout: 5000 })
        .catch(() => assert(false, 'the full-screen button neither went full screen nor filled the window'));
      const how = await page.evaluate(() => (document.fullscreenElement ? document.fullscreenElement.className : 'fallback'));
      assert(/viewer/.test(how) || how === 'fallback', `full screen shows ${how}, not the viewer`);
      await settle(page);
      const box = await page.locator(EL).boundingBox();
      const vs = page.viewportSize();
      await shot(page, '21-viewer-fullscreen');
      assert(stats(await grid(page, EL)).sd > 5, 'the image is blank in full screen');
      await page.keyboard.press('f');
      await page.waitForFunction(() => !document.fullscreenElement && !document.querySelector('.viewer.pseudo-fullscreen'), null, { timeout: 5000 })
        .catch(() => assert(false, 'F did not leave full screen'));
      assert(box.width > vs.width * 0.5, `the viewport is ${box.width}px wide in full screen`);
      await page.keyboard.press('?');
      await page.waitForSelector('[data-testid=help-panel]', { timeout: 5000 });
      const rows = await page.locator('[data-testid=help-panel] tr').allTextContents();
      for (const want of [/full screen/, /flip/, /rotate/, /angle/, /ellipse/, /touch|finger/i]) {
        assert(rows.some((r) => want.test(r)), `the shortcut list has nothing for ${want}: ${rows.join(' | ')}`);
      }
      await page.keyboard.press('?');
      await page.waitForSelector('[data-testid=help-panel]', { state: 'detached', timeout: 5000 });
      return { fullscreen: how === 'fallback' ? 'fallback' : 'api' };
    }],
  ];
}

/** A one-finger vertical drag on a touch screen, through the DevTools protocol. */
async function touchDrag(page, cdp, x, y0, y1, steps = 12) {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: y0 }] });
  for (let k = 1; k <= steps; k++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y0 + ((y1 - y0) * k) / steps }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

export function touchScenarios(page, E, browser) {
  return [
    ['touch_drag_scrolls_on_a_phone', async () => {
      // A phone: small screen, touch, the same session (its cookie).
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
        storageState: await page.context().storageState(),
      });
      try {
        const phone = await context.newPage();
        await phone.goto(`${env.base}/studies/${E.ct.study}`);
        await phone.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 30000 });
        await phone.waitForFunction((n) => window.custosViewers.main.loaded() === n, E.ct.slices, { timeout: 60000 });
        await phone.waitForTimeout(400);
        const i0 = await phone.evaluate(() => window.custosViewers.main.index());
        const w0 = await phone.textContent('[data-testid=window-main]');
        const g0 = await grid(phone, EL);
        const box = await phone.locator(EL).boundingBox();
        const cdp = await context.newCDPSession(phone);
        const x = box.x + box.width / 2;
        await touchDrag(phone, cdp, x, box.y + box.height * 0.3, box.y + box.height * 0.7);
        await phone.waitForFunction((i) => window.custosViewers.main.index() !== i, i0, { timeout: 10000 })
          .catch(() => assert(false, `a finger dragged down left the slice at ${i0 + 1}`));
        await phone.waitForTimeout(400);
        const i1 = await phone.evaluate(() => window.custosViewers.main.index());
        const g1 = await grid(phone, EL);
        const text = await phone.textContent('[data-testid=slice-main]');
        await shot(phone, '22-viewer-phone-touch');
        assert(text.trim() === `Image ${i1 + 1} / ${E.ct.slices}`, `slice text ${text} for index ${i1}`);
        assert(diff(g0, g1) > 0.5, `pixels barely changed after the touch drag ${i0}→${i1} (${diff(g0, g1).toFixed(3)})`);
        assert((await phone.textContent('[data-testid=window-main]')) === w0, 'one finger changed the window instead of the slice');
        // Dragging back up goes the other way.
        await touchDrag(phone, cdp, x, box.y + box.height * 0.7, box.y + box.height * 0.4);
        await phone.waitForFunction((i) => window.custosViewers.main.index() !== i, i1, { timeout: 10000 })
          .catch(() => assert(false, `a finger dragged up left the slice at ${i1 + 1}`));
        const i2 = await phone.evaluate(() => window.custosViewers.main.index());
        assert(Math.sign(i2 - i1) === -Math.sign(i1 - i0), `down went ${i0}→${i1}, up went ${i1}→${i2}`);
        // Two fingers set the window instead.
        await phone.waitForTimeout(300);
        const i3 = await phone.evaluate(() => window.custosViewers.main.index());
        const y = box.y + box.height / 2;
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x - 40, y, id: 1 }, { x: x + 40, y, id: 2 }] });
        for (let k = 1; k <= 12; k++) {
          await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x - 40 + 8 * k, y: y + 5 * k, id: 1 }, { x: x + 40 + 8 * k, y: y + 5 * k, id: 2 }] });
          await phone.waitForTimeout(16);
        }
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await phone.waitForFunction((w) => document.querySelector('[data-testid=window-main]').textContent !== w, w0, { timeout: 5000 })
          .catch(() => assert(false, `two fingers left the window at ${w0}`));
        const i4 = await phone.evaluate(() => window.custosViewers.main.index());
        assert(i4 === i3, `two fingers moved the slice ${i3}→${i4}`);
        await shot(phone, '23-viewer-phone-two-fingers');
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `the viewer is ${overflow}px wider than a phone screen`);
        return { touch_slices: [i0, i1, i2] };
      } finally {
        await context.close();
      }
    }],
  ];
}

function filesUnder(dir, prefix = '') {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, `${prefix}${name}/`));
    else out.push({ name, path: `${prefix}${name}`, b64: readFileSync(p).toString('base64') });
  }
  return out;
}

export function dropScenarios(page, E) {
  return [
    ['drop_files_on_import_page', async () => {
      await page.goto(env.base + '/import');
      await page.waitForSelector('[data-testid=dropzone]', { timeout: 10000 });
      const files = filesUnder(E.upload_dir);
      // What a browser hands the page when files are dropped: a DataTransfer in dragenter,
      // dragover and drop events on the drop zone.
      await page.evaluate((list) => {
        const dt = new DataTransfer();
        for (const f of list) {
          const bytes = Uint8Array.from(atob(f.b64), (ch) => ch.charCodeAt(0));
          dt.items.add(new File([bytes], f.name, { type: f.name.endsWith('.TXT') ? 'text/plain' : 'application/dicom' }));
        }
        const zone = document.querySelector('[data-testid=dropzone]');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        }
      }, files);
      await page.waitForSelector('[data-testid=import-summary]', { timeout: 60000 })
        .catch(async () => assert(false, `no summary after the drop; the page says: ${await page.textContent('.import')}`));
      const num = async (id) => Number(await page.textContent(`[data-testid=summary-${id}]`));
      const got = { files_seen: await num('files-seen'), added: await num('added'), skipped: await num('skipped'), duplicates: await num('duplicates') };
      await shot(page, '06-import-dropped');
      // The same files were uploaded before through the folder picker: all duplicates now.
      assert(got.files_seen === E.upload.files_seen && got.duplicates === E.upload.instances_added && got.added === 0 && got.skipped === E.upload.skipped_non_dicom,
        `summary after the drop: ${JSON.stringify(got)}`);
    }],
  ];
}
