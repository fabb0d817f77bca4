// Compare, cine on a multi-frame image, and the compressed transfer syntaxes rendering.
import { assert, env, shot } from './harness.mjs';
import { diff, grid, stats } from './pixels.mjs';

async function openStudy(page, uid, id = 'main') {
  await page.goto(`${env.base}/studies/${uid}`);
  await page.waitForFunction((v) => window.custosViewers?.[v]?.firstImageMs !== undefined, id, { timeout: 30000 });
  await page.waitForTimeout(400);
}

export function moreScenarios(page, E) {
  const render = Object.entries(E.render ?? {}).map(([kind, uid]) => [`renders_${kind}`, async () => {
    await openStudy(page, uid);
    const g = await grid(page, '[data-testid=element-main]');
    const s = stats(g);
    await shot(page, `30-render-${kind}`);
    const err = await page.locator('[data-testid=viewer-error]').count();
    assert(err === 0, `${kind}: the viewer shows an error: ${err ? await page.textContent('[data-testid=viewer-error]') : ''}`);
    assert(s.sd > 3, `${kind}: the image looks blank (sd ${s.sd.toFixed(2)}, mean ${s.mean.toFixed(1)})`);
  }]);
  return [
    ...render,
    ['multiframe_cine_plays', async () => {
      await openStudy(page, E.multiframe.study);
      await page.waitForFunction((n) => window.custosViewers.main.loaded() === n, E.multiframe.frames, { timeout: 30000 });
      const text = await page.textContent('[data-testid=slice-main]');
      assert(text.trim() === `Image 1 / ${E.multiframe.frames}`, `multi-frame opens at ${text}`);
      const g0 = await grid(page, '[data-testid=element-main]');
      await page.fill('[data-testid=fps]', '20');
      await page.click('[data-testid=cine]');
      const seen = new Set();
      for (let k = 0; k < 20; k++) {
        seen.add(await page.evaluate(() => window.custosViewers.main.index()));
        await page.waitForTimeout(50);
      }
      await page.click('[data-testid=cine]');
      await page.waitForTimeout(300);
      const g1 = await grid(page, '[data-testid=element-main]');
      await shot(page, '31-cine-multiframe');
      assert(seen.size >= 4, `cine showed only frames ${[...seen]}`);
      const i = await page.evaluate(() => window.custosViewers.main.index());
      await page.waitForTimeout(400);
      assert(i === (await page.evaluate(() => window.custosViewers.main.index())), 'pause did not stop the cine');
      if (i !== 0) assert(diff(g0, g1) > 0.2, 'the frame changed but the pixels did not');
    }],
    ['compare_side_by_side_scrolls_together', async () => {
      await page.goto(`${env.base}/compare/${E.compare[0]}/${E.compare[1]}`);
      for (const v of ['left', 'right']) {
        await page.waitForFunction((id) => window.custosViewers?.[id]?.firstImageMs !== undefined, v, { timeout: 30000 });
      }
      await page.waitForTimeout(500);
      for (const v of ['left', 'right']) {
        const s = stats(await grid(page, `[data-testid=element-${v}]`));
        assert(s.sd > 5, `${v} pane is blank`);
      }
      const labels = await page.locator('.overlay .label').allTextContents();
      assert(labels.length === 2 && labels.every((l) => /\d{4}/.test(l)), `labels: ${labels}`);
      const r0 = await page.evaluate(() => window.custosViewers.right.index());
      const l0 = await page.evaluate(() => window.custosViewers.left.index());
      const box = await page.locator('[data-testid=element-left]').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let k = 0; k < 6; k++) await page.mouse.wheel(0, 100);
      await page.waitForFunction((l) => window.custosViewers.left.index() !== l, l0, { timeout: 10000 });
      await page.waitForFunction((r) => window.custosViewers.right.index() !== r, r0, { timeout: 10000 });
      const moved = { left: (await page.evaluate(() => window.custosViewers.left.index())) - l0, right: (await page.evaluate(() => window.custosViewers.right.index())) - r0 };
      assert(Math.sign(moved.left) === Math.sign(moved.right), `the panes moved apart: ${JSON.stringify(moved)}`);
      // Window/level follows too.
      const wl0 = await page.textContent('[data-testid=window-right]');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      for (let k = 1; k <= 8; k++) await page.mouse.move(box.x + box.width / 2 + 10 * k, box.y + box.height / 2 + 6 * k);
      await page.mouse.up();
      await page.waitForTimeout(400);
      const wl1 = await page.textContent('[data-testid=window-right]');
      await shot(page, '32-compare');
      assert(wl0 !== wl1, `the right pane's window stayed ${wl0}`);
      return { compare_moved: moved };
    }],
  ];
}

export function mprScenarios(page, E) {
  return [['mpr_three_planes', async () => {
    await page.goto(`${env.base}/studies/${E.ct.study}`);
    await page.waitForFunction(() => window.custosViewers?.main?.firstImageMs !== undefined, null, { timeout: 30000 });
    await page.click('[data-testid=mpr-button]');
    await page.waitForSelector('[data-testid=mpr][data-ready=yes]', { timeout: 60000 });
    await page.waitForTimeout(800);
    const g = {};
    for (const p of ['axial', 'sagittal', 'coronal']) {
      g[p] = await grid(page, `[data-testid=element-mpr-${p}]`);
      assert(stats(g[p]).sd > 5, `${p} plane is blank (sd ${stats(g[p]).sd.toFixed(2)})`);
    }
    await shot(page, '33-mpr');
    const d = diff(g.axial, g.sagittal);
    assert(d > 5, `the sagittal plane looks like the axial one (${d.toFixed(2)})`);
    await page.click('[data-testid=mpr-button]');
  }]];
}
