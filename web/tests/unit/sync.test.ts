import { describe, expect, it } from 'vitest';
import { closestIndex, linkOffset, syncedIndex } from '../../src/lib/sync';

const stack = (start: number, step: number, n: number) => ({ count: n, positions: Array.from({ length: n }, (_, i) => start + i * step) });

describe('synchronised scrolling', () => {
  it('finds the nearest slice', () => {
    expect(closestIndex([0, 2.5, 5, 7.5], 6.1)).toBe(2);
    expect(closestIndex([7.5, 5, 2.5, 0], 5.9)).toBe(1);
    expect(closestIndex([], 1)).toBe(-1);
  });
  it('keeps the offset fixed at link time across different slice spacings', () => {
    const a = stack(-100, 1.25, 60); // 1.25 mm slices from -100
    const b = stack(500, 2.5, 30); // another table position, 2.5 mm slices
    const off = linkOffset(a, 30, b, 15); // the middles are linked
    expect(off).toBeCloseTo(537.5 - -62.5);
    expect(syncedIndex(a, 32, b, off)).toBe(16); // 2.5 mm further in a → one slice in b
    expect(syncedIndex(a, 0, b, off)).toBe(0); // clamped to the nearest existing slice
  });
  it('falls back to the same relative place without geometry', () => {
    const a = { count: 11, positions: [] };
    const b = { count: 21, positions: [] };
    expect(syncedIndex(a, 5, b, null)).toBe(10);
    expect(syncedIndex({ count: 1, positions: [] }, 0, b, null)).toBe(0);
  });
});
