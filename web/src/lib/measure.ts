// Measurements in millimetres from the pixel spacing, formatted for the overlay.

/** Distance in mm between two points given in pixel (column, row) coordinates. */
export function lengthMm(
  a: [number, number],
  b: [number, number],
  rowSpacing: number,
  columnSpacing: number,
): number {
  const dx = (b[0] - a[0]) * columnSpacing;
  const dy = (b[1] - a[1]) * rowSpacing;
  return Math.hypot(dx, dy);
}

/** "123.4 mm"; a length without calibration is given in pixels ("57 px"). */
export function formatLength(value: number, unit: 'mm' | 'px' = 'mm'): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'px') return `${Math.round(value)} px`;
  return `${value.toFixed(1)} mm`;
}

/** Mean and standard deviation of a region, in the modality's unit (HU on CT). */
export function formatRegionStats(mean: number, sd: number, modality: string | undefined): string {
  const unit = modality === 'CT' ? ' HU' : '';
  return `mean ${mean.toFixed(1)}${unit}, SD ${sd.toFixed(1)}${unit}`;
}

/** Reads the number out of a tool's label ("12.3 mm" → 12.3), or NaN. */
export function parseLength(text: string): number {
  const m = /(-?\d+(?:\.\d+)?)\s*mm/.exec(text);
  return m ? Number(m[1]) : NaN;
}
