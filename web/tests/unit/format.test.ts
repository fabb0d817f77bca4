import { describe, expect, it } from 'vitest';
import { bodyPartWords, formatBytes, formatDate, formatName, modalityWords } from '../../src/lib/dicom';
import { plainWords } from '../../src/lib/errors';
import { batches, isWorthSending, summaryLines, summarySentence } from '../../src/lib/importSummary';

describe('DICOM values in plain words', () => {
  it('formats dates', () => {
    expect(formatDate('20190312')).toBe('12 Mar 2019');
    expect(formatDate('')).toBe('date unknown');
    expect(formatDate('20191312')).toBe('20191312');
  });
  it('formats person names', () => {
    expect(formatName('Doe^John^^Dr')).toBe('Dr John Doe');
    expect(formatName('Yamada^Tarou=山田^太郎')).toBe('Tarou Yamada');
    expect(formatName('')).toBe('Unnamed');
  });
  it('names modalities and body parts', () => {
    expect(modalityWords(['CT', 'SR'])).toBe('CT scan, Report');
    expect(modalityWords([])).toBe('Images');
    expect(bodyPartWords('HEAD_NECK')).toBe('Head neck');
  });
  it('formats sizes', () => {
    expect(formatBytes(7936344)).toBe('7.6 MB');
    expect(formatBytes(12)).toBe('12 bytes');
  });
});

describe('errors', () => {
  it('explains login errors and waits', () => {
    expect(plainWords(401, 'totp_invalid', undefined)).toMatch(/code is not right/);
    expect(plainWords(429, 'locked', undefined, 600)).toMatch(/10 minutes/);
    expect(plainWords(0, undefined, undefined)).toMatch(/cannot be reached/);
    expect(plainWords(500, 'io_error', 'disk full')).toMatch(/disk full/);
  });
});

describe('import', () => {
  it('summarises like the command line', () => {
    const s = { files_seen: 5, instances_added: 3, duplicates: 1, skipped_non_dicom: 1, rejected: [], studies: ['1.2'] };
    expect(summaryLines(s).find((l) => l.testId === 'added')?.value).toBe(3);
    expect(summarySentence(s)).toBe('3 images added in 1 study.');
    expect(summarySentence({ instances_added: 0, duplicates: 4 })).toBe('Everything was already in the vault.');
  });
  it('skips clutter', () => {
    expect(isWorthSending('CD/DICOM/IM0001')).toBe(true);
    expect(isWorthSending('CD/.DS_Store')).toBe(false);
    expect(isWorthSending('CD/Thumbs.db')).toBe(false);
  });
  it('cuts uploads in batches by size and count', () => {
    const f = (size: number) => ({ size });
    expect(batches([f(6), f(6), f(6)], 10).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(batches([f(1), f(1), f(1)], 10, 2).map((b) => b.length)).toEqual([2, 1]);
    expect(batches([f(20)], 10).map((b) => b.length)).toEqual([1]);
  });
});
