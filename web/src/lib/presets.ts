// Window/level presets: the usual CT ones, and the file's own (Window Center/Width).

export interface WindowPreset {
  name: string;
  width: number;
  center: number;
  key?: string; // keyboard shortcut
}

export const CT_PRESETS: WindowPreset[] = [
  { name: 'Soft tissue', width: 400, center: 40, key: '1' },
  { name: 'Lung', width: 1500, center: -600, key: '2' },
  { name: 'Bone', width: 2000, center: 300, key: '3' },
  { name: 'Brain', width: 80, center: 40, key: '4' },
];

/** A window as the value range it shows: [center − width/2, center + width/2]. */
export function toVoiRange(width: number, center: number): { lower: number; upper: number } {
  const w = Math.max(1, width);
  return { lower: center - w / 2, upper: center + w / 2 };
}

export function fromVoiRange(lower: number, upper: number): { width: number; center: number } {
  return { width: upper - lower, center: (upper + lower) / 2 };
}

function numbers(v: unknown): number[] {
  if (v === undefined || v === null || v === '') return [];
  const list = Array.isArray(v) ? v : String(v).split('\\');
  return list.map((x) => Number(x)).filter((x) => Number.isFinite(x));
}

/** The file's own presets from WindowCenter/WindowWidth (multi-valued) and their explanations. */
export function filePresets(center: unknown, width: unknown, explanation?: unknown): WindowPreset[] {
  const c = numbers(center);
  const w = numbers(width);
  const names = explanation === undefined ? [] : Array.isArray(explanation) ? explanation.map(String) : String(explanation).split('\\');
  const out: WindowPreset[] = [];
  for (let i = 0; i < Math.min(c.length, w.length); i++) {
    if (w[i] <= 0) continue;
    out.push({ name: names[i]?.trim() || `File preset ${i + 1}`, width: w[i], center: c[i] });
  }
  return out;
}

/** "W 400 L 40" for the overlay. */
export function formatWindow(width: number, center: number): string {
  return `W ${Math.round(width)} L ${Math.round(center)}`;
}
