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
  /** The confirmed person its patient belongs to (GET /api/v1/person-links). */
  person?: string;
}

/** A patient as the vault tells patients apart: ID, name and birth date together. */
export interface LinkPatient {
  patient_id: string;
  name: string;
  birth_date: string;
  studies?: number;
}

/** A person the owner confirmed: several hospitals' Patient IDs of one human being. */
export interface PersonLink {
  id: string;
  patients: LinkPatient[];
  confirmed_by: string;
  confirmed_at: string;
}

export interface PersonLinks {
  persons: PersonLink[];
  suggestions: { patients: LinkPatient[] }[];
}

export interface YearGroup {
  year: string; // "2024", or "Undated"
  studies: Study[];
}

export interface Person {
  key: string; // the confirmed person's id, else the Patient ID
  personId?: string; // set when the owner confirmed the link
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

/** One entry per confirmed person (its studies under every Patient ID it covers), else per
 *  Patient ID; people with the most recent study first. */
export function groupByPerson(studies: Study[], persons: PersonLink[] = []): Person[] {
  const people = new Map<string, Person>();
  const linked = new Map(persons.map((p) => [p.id, p]));
  for (const s of sortNewestFirst(studies)) {
    const personId = s.person && linked.has(s.person) ? s.person : undefined;
    const key = personId ?? s.PatientID ?? '';
    let p = people.get(personId ? `person:${key}` : key);
    if (!p) {
      p = {
        key,
        personId,
        name: formatName(s.PatientName),
        birthDate: s.PatientBirthDate ?? '',
        patientIds: personId ? [...new Set(linked.get(personId)!.patients.map((x) => x.patient_id))].sort() : [key],
        studies: [],
      };
      people.set(personId ? `person:${key}` : key, p);
    }
    p.studies.push(s);
  }
  return [...people.values()];
}

/** The words shown for a suggestion of the server's: "Jane Doe (born 1970-01-01)". */
export function describeSuggestion(patients: LinkPatient[]): LinkSuggestion {
  const first = patients[0];
  return {
    name: formatName(first?.name),
    birthDate: first?.birth_date ?? '',
    patientIds: [...new Set(patients.map((p) => p.patient_id))].sort(),
  };
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
