import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, query } from '../api';

interface Entry {
  seq: number;
  time: string;
  actor: string;
  origin: string;
  action: string;
  outcome: string;
  studies: string[];
  detail: string;
}

const ACTIONS: Record<string, string> = {
  'study.list': 'looked at the library',
  'study.show': 'opened a study',
  'dicomweb.thumbnail': 'saw thumbnails',
  'dicomweb.rendered': 'viewed images',
  'dicomweb.frames': 'viewed images',
  'dicomweb.metadata': 'read image details',
  'login.success': 'logged in',
  'login.failure': 'failed to log in',
  'audit.list': 'read this audit trail',
};

function actorWords(actor: string): string {
  const [kind, name] = actor.split(':', 2);
  if (kind === 'user') return name;
  if (kind === 'api_token') return `program "${name}"`;
  if (kind === 'share_link') return `share link ${name}`;
  if (kind === 'dicom_ae') return `DICOM device ${name}`;
  if (kind === 'local_owner') return 'the owner (on this computer)';
  return actor;
}

export function Audit() {
  const [params, setParams] = useSearchParams();
  const study = params.get('study') ?? '';
  const actor = params.get('actor') ?? '';
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    api<{ entries: Entry[] }>('/api/v1/audit' + query({ study, actor, limit: '300' }))
      .then((d) => setEntries(d.entries))
      .catch((e: Error) => setError(e.message));
  }, [study, actor]);

  function set(k: string, v: string) {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p);
  }

  return (
    <div className="audit">
      <h1>Who looked at my scans</h1>
      <div className="filters">
        <input placeholder="Person (user:NAME, share_link:ID…)" value={actor} onChange={(e) => set('actor', e.target.value)} aria-label="Person" />
        <input placeholder="Study UID" value={study} onChange={(e) => set('study', e.target.value)} aria-label="Study" />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {entries && entries.length === 0 && <p className="muted">Nothing recorded for this filter.</p>}
      {entries && entries.length > 0 && (
        <table className="audit-table" data-testid="audit-table">
          <thead>
            <tr><th>When</th><th>Who</th><th>What</th><th>From</th><th>Study</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} className={e.outcome === 'success' ? '' : 'failed'}>
                <td>{new Date(e.time).toLocaleString()}</td>
                <td>{actorWords(e.actor)}</td>
                <td>{ACTIONS[e.action] ?? e.action}{e.outcome === 'success' ? '' : ` (${e.outcome})`}</td>
                <td className="small">{e.origin}</td>
                <td className="small">
                  {e.studies.slice(0, 2).map((s) => (
                    <Link key={s} to={`/studies/${s}`}>{s.slice(-10)}</Link>
                  ))}
                  {e.studies.length > 2 ? ` +${e.studies.length - 2}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
