import { describe, expect, it } from 'vitest';
import { compareCandidates, groupByPerson, groupByYear, normalisedName, suggestLinks, type Study } from '../../src/lib/timeline';

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
