// The library as a timeline: studies grouped by person, then by year, newest first; and
// suggestions that two patient IDs (two hospitals) belong to one person.
import { formatName } from './dicom';

export interface Study {
  StudyInstanceUID: string;
  StudyDate?: string;
  StudyTime?: string;
  PatientName?: string;
  PatientID?: string;
  PatientBirthDate?: string;
  PatientSex?: string;
  StudyDescription?: string;
  ModalitiesInStudy?: string[];
  BodyPartExamined?: string;
  NumberOfStudyRelatedSeries?: number;
  NumberOfStudyRelatedInstances?: number;
  InstitutionName?: string;
}

export interface YearGroup {
  year: string; // "2024", or "Undated"
  studies: Study[];
}

export interface Person {
  key: string; // the Patient ID
  name: string;
  birthDate: string;
  patientIds: string[];
  studies: Study[];
}

export interface LinkSuggestion {
  name: string;
  birthDate: string;
  patientIds: string[];
}

function sortKey(s: Study): string {
  return `${s.StudyDate ?? ''}${s.StudyTime ?? ''}`;
}

/** Newest first; undated studies last. */
export function sortNewestFirst(studies: Study[]): Study[] {
  return [...studies].sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    if (!ka && kb) return 1;
    if (ka && !kb) return -1;
    return kb.localeCompare(ka);
  });
}

/** Studies by year of StudyDate, newest year first, "Undated" at the end. */
export function groupByYear(studies: Study[]): YearGroup[] {
  const groups = new Map<string, Study[]>();
  for (const s of sortNewestFirst(studies)) {
    const y = /^\d{4}/.test(s.StudyDate ?? '') ? s.StudyDate!.slice(0, 4) : 'Undated';
    if (!groups.has(y)) groups.set(y, []);
    groups.get(y)!.push(s);
  }
  return [...groups.entries()].map(([year, list]) => ({ year, studies: list }));
}

/** Name normalised for comparison: case, spaces and DICOM separators ignored. */
export function normalisedName(pn: string | undefined): string {
  return formatName(pn).toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ').sort().join(' ');
}

/** One entry per Patient ID, people with the most recent study first. */
export function groupByPerson(studies: Study[]): Person[] {
  const people = new Map<string, Person>();
  for (const s of sortNewestFirst(studies)) {
    const key = s.PatientID ?? '';
    let p = people.get(key);
    if (!p) {
      p = {
        key,
        name: formatName(s.PatientName),
        birthDate: s.PatientBirthDate ?? '',
        patientIds: [key],
        studies: [],
      };
      people.set(key, p);
    }
    p.studies.push(s);
  }
  return [...people.values()];
}

/** Patient IDs that are probably one person: same name and same birth date. */
export function suggestLinks(people: Person[]): LinkSuggestion[] {
  const byIdentity = new Map<string, Person[]>();
  for (const p of people) {
    if (!p.birthDate) continue;
    const name = normalisedName(p.studies[0]?.PatientName);
    if (!name || name === 'unnamed') continue;
    const k = `${name}|${p.birthDate}`;
    if (!byIdentity.has(k)) byIdentity.set(k, []);
    byIdentity.get(k)!.push(p);
  }
  const out: LinkSuggestion[] = [];
  for (const list of byIdentity.values()) {
    if (list.length < 2) continue;
    out.push({ name: list[0].name, birthDate: list[0].birthDate, patientIds: list.map((p) => p.key).sort() });
  }
  return out;
}

/** Other studies of the same patient to compare with: same body part and modality first,
 *  then the closest in time. */
export function compareCandidates(current: Study | undefined, all: Study[]): Study[] {
  if (!current) return [];
  const score = (s: Study) =>
    (s.BodyPartExamined && s.BodyPartExamined === current.BodyPartExamined ? 0 : 2) +
    ((s.ModalitiesInStudy ?? []).some((m) => (current.ModalitiesInStudy ?? []).includes(m)) ? 0 : 1);
  const distance = (s: Study) => Math.abs(Number(s.StudyDate || 0) - Number(current.StudyDate || 0));
  return all
    .filter((s) => s.StudyInstanceUID !== current.StudyInstanceUID)
    .sort((a, b) => score(a) - score(b) || distance(a) - distance(b));
}
