// The import summary in the same words as `custos import` prints.
import { plural } from './dicom';

export interface ImportSummary {
  files_seen?: number;
  instances_added?: number;
  duplicates?: number;
  conflicts?: number;
  skipped_non_dicom?: number;
  rejected?: { path: string; reason: string }[];
  studies?: string[];
}

export interface SummaryLine {
  label: string;
  value: number;
  testId: string;
}

export function summaryLines(s: ImportSummary): SummaryLine[] {
  return [
    { label: 'Files looked at', value: s.files_seen ?? 0, testId: 'files-seen' },
    { label: 'Images added', value: s.instances_added ?? 0, testId: 'added' },
    { label: 'Already in the vault (duplicates)', value: s.duplicates ?? 0, testId: 'duplicates' },
    { label: 'Conflicts (same image, different bytes)', value: s.conflicts ?? 0, testId: 'conflicts' },
    { label: 'Skipped (not medical images)', value: s.skipped_non_dicom ?? 0, testId: 'skipped' },
    { label: 'Rejected', value: s.rejected?.length ?? 0, testId: 'rejected' },
  ];
}

export function summarySentence(s: ImportSummary): string {
  const added = s.instances_added ?? 0;
  const studies = s.studies?.length ?? 0;
  if (added === 0 && (s.duplicates ?? 0) > 0) return 'Everything was already in the vault.';
  if (added === 0) return 'No images were added.';
  return `${plural(added, 'image')} added${studies ? ` in ${plural(studies, 'study', 'studies')}` : ''}.`;
}

/** Files of a dropped folder that are worth sending: not hidden files, not OS clutter. */
export function isWorthSending(path: string): boolean {
  const name = path.split('/').pop() ?? '';
  if (!name || name.startsWith('.')) return false;
  const lower = name.toLowerCase();
  return !['thumbs.db', 'desktop.ini', 'autorun.inf'].includes(lower);
}

/** Batches of files, each under maxBytes (and at most maxFiles), for one request each. */
export function batches<T extends { size: number }>(files: T[], maxBytes: number, maxFiles = 500): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length && (bytes + f.size > maxBytes || current.length >= maxFiles)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length) out.push(current);
  return out;
}
