import { describe, expect, it } from 'vitest';
import { compareCandidates, describeSuggestion, groupByPerson, groupByYear, normalisedName, suggestLinks, type Study } from '../../src/lib/timeline';

const s = (uid: string, date: string, id = 'P1', name = 'Doe^Jane', dob = '19700101'): Study => ({
  StudyInstanceUID: uid,
  StudyDate: date,
  PatientID: id,
  PatientName: name,
  PatientBirthDate: dob,
});

describe('groupByYear', () => {
  it('puts the newest year first, newest study first, undated last', () => {
    const g = groupByYear([s('a', '20190312'), s('b', ''), s('c', '20240101'), s('d', '20191201')]);
    expect(g.map((x) => x.year)).toEqual(['2024', '2019', 'Undated']);
    expect(g[1].studies.map((x) => x.StudyInstanceUID)).toEqual(['d', 'a']);
  });
  it('gives nothing for no studies', () => {
    expect(groupByYear([])).toEqual([]);
  });
});

describe('people', () => {
  it('groups by patient ID and suggests links for same name and birth date', () => {
    const people = groupByPerson([
      s('a', '20190312', 'H1-77', 'DOE^JANE'),
      s('b', '20240101', 'H2-12', 'Doe^Jane'),
      s('c', '20240101', 'K9', 'Doe^John', '20050505'),
    ]);
    expect(people.map((p) => p.key)).toEqual(['H2-12', 'K9', 'H1-77']);
    expect(suggestLinks(people)).toEqual([{ name: 'Jane Doe', birthDate: '19700101', patientIds: ['H1-77', 'H2-12'] }]);
  });
  it('never suggests a link without a birth date', () => {
    const people = groupByPerson([s('a', '2019', 'A', 'X^Y', ''), s('b', '2019', 'B', 'X^Y', '')]);
    expect(suggestLinks(people)).toEqual([]);
  });
  it('normalises names for comparison', () => {
    expect(normalisedName('DOE^JANE')).toBe(normalisedName('Jane  Doe'));
  });
});

describe('confirmed persons', () => {
  const person = {
    id: 'abc123',
    confirmed_by: 'owner',
    confirmed_at: '2026-12-06T10:00:00Z',
    patients: [
      { patient_id: 'H2-12', name: 'DOE^JANE', birth_date: '19700101' },
      { patient_id: 'H1-77', name: 'Doe^Jane', birth_date: '19700101' },
    ],
  };
  it('puts the studies of every patient ID of a confirmed person in one section', () => {
    const people = groupByPerson(
      [
        { ...s('a', '20190312', 'H1-77', 'Doe^Jane'), person: 'abc123' },
        { ...s('b', '20240101', 'H2-12', 'DOE^JANE'), person: 'abc123' },
        s('c', '20230101', 'K9', 'Doe^John', '20050505'),
      ],
      [person],
    );
    expect(people.map((p) => p.key)).toEqual(['abc123', 'K9']);
    expect(people[0].personId).toBe('abc123');
    expect(people[0].patientIds).toEqual(['H1-77', 'H2-12']);
    expect(people[0].studies.map((x) => x.StudyInstanceUID)).toEqual(['b', 'a']);
    expect(people[1].personId).toBeUndefined();
  });
  it('groups by patient ID again once the link is undone', () => {
    const studies = [{ ...s('a', '2019', 'H1-77'), person: 'gone' }, { ...s('b', '2024', 'H2-12'), person: 'gone' }];
    expect(groupByPerson(studies, []).map((p) => p.key)).toEqual(['H2-12', 'H1-77']);
  });
  it('describes a suggestion of the server in words', () => {
    expect(describeSuggestion(person.patients)).toEqual({ name: 'JANE DOE', birthDate: '19700101', patientIds: ['H1-77', 'H2-12'] });
  });
});

describe('compareCandidates', () => {
  it('offers the same body part and modality first, then the nearest in time', () => {
    const cur = { ...s('now', '20240101'), BodyPartExamined: 'CHEST', ModalitiesInStudy: ['CT'] };
    const list = [
      cur,
      { ...s('knee', '20231201'), BodyPartExamined: 'KNEE', ModalitiesInStudy: ['MR'] },
      { ...s('chest-old', '20190101'), BodyPartExamined: 'CHEST', ModalitiesInStudy: ['CT'] },
      { ...s('chest-2022', '20220101'), BodyPartExamined: 'CHEST', ModalitiesInStudy: ['CT'] },
      { ...s('chest-xray', '20231101'), BodyPartExamined: 'CHEST', ModalitiesInStudy: ['CR'] },
    ];
    expect(compareCandidates(cur, list).map((x) => x.StudyInstanceUID)).toEqual(['chest-2022', 'chest-old', 'chest-xray', 'knee']);
    expect(compareCandidates(undefined, list)).toEqual([]);
  });
});
