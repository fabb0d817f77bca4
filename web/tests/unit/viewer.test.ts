import { describe, expect, it } from 'vitest';
import { CT_PRESETS, filePresets, formatWindow, fromVoiRange, toVoiRange } from '../../src/lib/presets';
import { formatLength, formatRegionStats, lengthMm, parseLength } from '../../src/lib/measure';

describe('window presets', () => {
  it('has the four CT presets', () => {
    expect(CT_PRESETS.map((p) => p.name)).toEqual(['Soft tissue', 'Lung', 'Bone', 'Brain']);
  });
  it('converts windows to value ranges and back', () => {
    expect(toVoiRange(400, 40)).toEqual({ lower: -160, upper: 240 });
    expect(fromVoiRange(-160, 240)).toEqual({ width: 400, center: 40 });
    expect(toVoiRange(0, 10)).toEqual({ lower: 9.5, upper: 10.5 });
  });
  it('reads the file presets, multi-valued, with names', () => {
    expect(filePresets('40\\300', '400\\1500', 'SOFT\\BONE')).toEqual([
      { name: 'SOFT', width: 400, center: 40 },
      { name: 'BONE', width: 1500, center: 300 },
    ]);
    expect(filePresets([50], [350])).toEqual([{ name: 'File preset 1', width: 350, center: 50 }]);
    expect(filePresets(undefined, undefined)).toEqual([]);
    expect(filePresets('40', '0')).toEqual([]);
  });
  it('formats the window', () => {
    expect(formatWindow(399.6, 40.2)).toBe('W 400 L 40');
  });
});

describe('measurements', () => {
  it('measures in mm with anisotropic spacing', () => {
    expect(lengthMm([0, 0], [100, 0], 0.5, 0.7)).toBeCloseTo(70);
    expect(lengthMm([0, 0], [0, 100], 0.5, 0.7)).toBeCloseTo(50);
    expect(lengthMm([0, 0], [3, 4], 1, 1)).toBeCloseTo(5);
  });
  it('formats and parses lengths', () => {
    expect(formatLength(123.456)).toBe('123.5 mm');
    expect(formatLength(57.4, 'px')).toBe('57 px');
    expect(parseLength('123.5 mm')).toBe(123.5);
    expect(Number.isNaN(parseLength('n/a'))).toBe(true);
  });
  it('gives region statistics in HU on CT', () => {
    expect(formatRegionStats(40.04, 12.3, 'CT')).toBe('mean 40.0 HU, SD 12.3 HU');
    expect(formatRegionStats(40, 12, 'MR')).toBe('mean 40.0, SD 12.0');
  });
});
