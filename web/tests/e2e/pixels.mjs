// Pixels of what the browser shows: an element's screenshot decoded by the browser itself
// (a PNG drawn into a 2D canvas), summarised as a small grey-level grid.
export async function grid(page, selector, n = 64) {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async ({ b64, n }) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = n;
    c.height = n;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0, n, n);
    const d = ctx.getImageData(0, 0, n, n).data;
    const g = [];
    for (let i = 0; i < d.length; i += 4) g.push((d[i] + d[i + 1] + d[i + 2]) / 3);
    return g;
  }, { b64: png.toString('base64'), n });
}

export function stats(g) {
  const mean = g.reduce((a, b) => a + b, 0) / g.length;
  const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length);
  return { mean, sd };
}

/** Mean absolute difference of two grids (0..255). */
export function diff(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
