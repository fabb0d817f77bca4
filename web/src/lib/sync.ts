// Synchronised scrolling of two stacks by slice position: the offset between the two
// positions is fixed when the link is made (two scans of one body months apart rarely share a
// table position), then each move of one shows the other's slice nearest to the same offset.

/** Index of the position nearest to target (positions in any order); -1 for none. */
export function closestIndex(positions: number[], target: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < positions.length; i++) {
    const d = Math.abs(positions[i] - target);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

export interface StackGeometry {
  count: number;
  /** Slice position per index (mm along the normal), or null when unknown. */
  positions: (number | null)[];
}

function complete(g: StackGeometry): number[] | null {
  return g.positions.length === g.count && g.positions.every((p) => p !== null) ? (g.positions as number[]) : null;
}

/** The target index for a source index, given the offset (target − source position) fixed
 *  at link time; falls back to the same relative place in the stack without geometry. */
export function syncedIndex(source: StackGeometry, sourceIndex: number, target: StackGeometry, offsetMm: number | null): number {
  if (target.count <= 0) return -1;
  const sp = complete(source);
  const tp = complete(target);
  if (sp && tp && offsetMm !== null) return closestIndex(tp, sp[sourceIndex] + offsetMm);
  if (source.count <= 1) return 0;
  return Math.round((sourceIndex / (source.count - 1)) * (target.count - 1));
}

/** The offset to keep: target position − source position at link time, or null. */
export function linkOffset(source: StackGeometry, sourceIndex: number, target: StackGeometry, targetIndex: number): number | null {
  const sp = complete(source);
  const tp = complete(target);
  if (!sp || !tp) return null;
  return tp[targetIndex] - sp[sourceIndex];
}
