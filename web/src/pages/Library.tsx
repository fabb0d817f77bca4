import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, query } from '../api';
import { useSession } from '../session';
import { bodyPartWords, dicomDate, formatDate, modalityWords, plural } from '../lib/dicom';
import { describeSuggestion, groupByPerson, groupByYear, type LinkPatient, type PersonLinks, type Study } from '../lib/timeline';

interface StudyList {
  total: number;
  studies: Study[];
}

const MODALITIES = ['', 'CT', 'MR', 'CR', 'DX', 'US', 'MG', 'PT', 'NM', 'XA', 'OT'];

export function Library() {
  // Only the owner may link or split persons (the server refuses anyone else too).
  const canLink = useSession().session?.role === 'owner';
  const [q, setQ] = useState('');
  const [modality, setModality] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [data, setData] = useState<StudyList | null>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [links, setLinks] = useState<PersonLinks>({ persons: [], suggestions: [] });
  const [linkError, setLinkError] = useState('');
  const [version, setVersion] = useState(0); // bumped after a link changes: reload both lists
  const navigate = useNavigate();

  useEffect(() => {
    api<PersonLinks>('/api/v1/person-links')
      .then((l) => setLinks(l))
      .catch((e: Error) => setLinkError(e.message));
  }, [version]);

  async function changeLink(path: string, method: string, patients?: LinkPatient[]) {
    try {
      const json = patients ? { patients: patients.map(({ patient_id, name, birth_date }) => ({ patient_id, name, birth_date })) } : undefined;
      await api(path, { method, json });
      setLinkError('');
    } catch (e) {
      setLinkError((e as Error).message);
    }
    setVersion((v) => v + 1);
  }

  useEffect(() => {
    const t = window.setTimeout(() => {
      api<StudyList>(
        '/api/v1/studies' +
          query({ q: q.trim(), modality, from: from ? dicomDate(from) : '', to: to ? dicomDate(to) : '' }),
      )
        .then((d) => {
          setData(d);
          setError('');
        })
        .catch((e: Error) => setError(e.message));
    }, 200);
    return () => window.clearTimeout(t);
  }, [q, modality, from, to, version]);

  const people = useMemo(() => groupByPerson(data?.studies ?? [], links.persons), [data, links]);

  function toggle(uid: string) {
    setSelected((s) => (s.includes(uid) ? s.filter((x) => x !== uid) : [...s.slice(-1), uid]));
  }

  return (
    <div className="library">
      <div className="filters" role="search">
        <input type="search" placeholder="Search: name, description, body part…" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search" data-testid="search" />
        <select value={modality} onChange={(e) => setModality(e.target.value)} aria-label="Kind of scan" data-testid="modality">
          {MODALITIES.map((m) => (
            <option key={m} value={m}>{m ? `${m} — ${modalityWords([m])}` : 'All kinds'}</option>
          ))}
        </select>
        <label className="inline">From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="from" /></label>
        <label className="inline">To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="to" /></label>
        {selected.length === 2 && (
          <button type="button" className="primary" data-testid="compare-selected" onClick={() => navigate(`/compare/${selected[0]}/${selected[1]}`)}>
            Compare the two selected
          </button>
        )}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!data && !error && <p className="muted">Loading your library…</p>}
      {data && data.studies.length === 0 && (
        <div className="empty">
          {q || modality || from || to ? (
            <p>No scans match these filters.</p>
          ) : (
            <p>Your vault is empty. <Link to="/import">Import a CD or a folder</Link> to begin.</p>
          )}
        </div>
      )}
      {linkError && <p className="error" role="alert" data-testid="link-error">{linkError}</p>}
      {links.suggestions.map((g) => {
        const l = describeSuggestion(g.patients);
        return (
          <div className="notice link-suggestion" key={l.patientIds.join()} data-testid="link-suggestion">
            <p>
              {l.name}{l.birthDate ? ` (born ${formatDate(l.birthDate)})` : ''} has records under {l.patientIds.length} patient IDs ({l.patientIds.join(', ')}): probably the same person at different hospitals.
            </p>
            {canLink ? (
              <>
                <button type="button" className="primary" data-testid="link-confirm" onClick={() => changeLink('/api/v1/person-links', 'POST', g.patients)}>
                  Same person
                </button>{' '}
                <button type="button" data-testid="link-dismiss" onClick={() => changeLink('/api/v1/person-links/dismissals', 'POST', g.patients)}>
                  Not the same
                </button>
              </>
            ) : (
              <p className="muted small">The vault's owner can link them.</p>
            )}
          </div>
        );
      })}
      <div className="people">
        {people.map((p) => (
          <section className="person" key={p.key} data-testid="person" data-person={p.personId ?? ''}>
            <h2>
              {p.name}{' '}
              <span className="muted small" data-testid="person-ids">
                {p.birthDate ? `born ${formatDate(p.birthDate)} · ` : ''}
                {p.personId ? `IDs ${p.patientIds.join(', ')}` : `ID ${p.key || 'none'}`}
              </span>
              {p.personId && canLink && (
                <button type="button" className="small" data-testid="undo-link" onClick={() => changeLink(`/api/v1/person-links/${encodeURIComponent(p.personId!)}`, 'DELETE')}>
                  Undo link
                </button>
              )}
            </h2>
            {groupByYear(p.studies).map((g) => (
              <div className="year" key={g.year}>
                <h3 className="year-label">{g.year}</h3>
                <ul className="timeline">
                  {g.studies.map((s) => (
                    <li key={s.StudyInstanceUID} className="study-card" data-testid="study-card">
                      <Link to={`/studies/${s.StudyInstanceUID}`} className="study-link">
                        <img
                          className="thumb"
                          alt=""
                          loading="lazy"
                          src={`/dicom-web/studies/${encodeURIComponent(s.StudyInstanceUID)}/thumbnail`}
                          data-testid="thumbnail"
                        />
                        <div className="study-text">
                          <div className="study-date">{formatDate(s.StudyDate)}</div>
                          <div className="study-title">{s.StudyDescription || modalityWords(s.ModalitiesInStudy)}</div>
                          <div className="muted small">
                            {[modalityWords(s.ModalitiesInStudy), bodyPartWords(s.BodyPartExamined)].filter(Boolean).join(' · ')}
                          </div>
                          <div className="muted small">
                            {plural(s.NumberOfStudyRelatedInstances ?? 0, 'image')} in {plural(s.NumberOfStudyRelatedSeries ?? 0, 'series', 'series')}
                          </div>
                        </div>
                      </Link>
                      <label className="compare-pick small">
                        <input type="checkbox" checked={selected.includes(s.StudyInstanceUID)} onChange={() => toggle(s.StudyInstanceUID)} /> compare
                      </label>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
