import { useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, csrf, errorOf } from '../api';
import { formatBytes, plural } from '../lib/dicom';
import { batches, isWorthSending, summaryLines, summarySentence, type ImportSummary } from '../lib/importSummary';

interface PickedFile {
  file: File;
  path: string;
  size: number;
}

type Phase = 'idle' | 'reading' | 'uploading' | 'finishing' | 'done' | 'error';

const BATCH_BYTES = 32 * 1024 * 1024;

/** Sends one request with progress (fetch has no upload progress). */
function send(url: string, body: FormData | Blob, contentType: string | null, onBytes: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => onBytes(e.loaded);
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const res = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'Content-Type': 'application/json', 'Retry-After': xhr.getResponseHeader('Retry-After') ?? '' },
      });
      reject(await errorOf(res));
    };
    xhr.onerror = () => reject(new Error('The upload was cut off: is the vault still running?'));
    xhr.send(body);
  });
}

async function readEntry(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    const path = entry.fullPath.replace(/^\//, '');
    out.push({ file, path, size: file.size });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (chunk.length === 0) break;
    for (const e of chunk) await readEntry(e, out);
  }
}

export function Import() {
  const [phase, setPhase] = useState<Phase>('idle');
  const [sent, setSent] = useState(0);
  const [total, setTotal] = useState(0);
  const [fileCount, setFileCount] = useState(0);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState('');
  const [hover, setHover] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  async function upload(files: PickedFile[]) {
    const wanted = files.filter((f) => isWorthSending(f.path));
    if (wanted.length === 0) {
      setPhase('error');
      setError('There were no files in what you chose.');
      return;
    }
    setSummary(null);
    setError('');
    setFileCount(wanted.length);
    const totalBytes = wanted.reduce((n, f) => n + f.size, 0);
    setTotal(totalBytes);
    setSent(0);
    setPhase('uploading');
    try {
      const { id } = await api<{ id: string }>('/api/v1/imports', { method: 'POST' });
      const base = `/api/v1/imports/${encodeURIComponent(id)}`;
      let done = 0;
      const zips = wanted.filter((f) => /\.zip$/i.test(f.path));
      const others = wanted.filter((f) => !/\.zip$/i.test(f.path));
      for (const z of zips) {
        await send(`${base}/files?name=${encodeURIComponent(z.path)}`, z.file, 'application/zip', (n) => setSent(done + n));
        done += z.size;
        setSent(done);
      }
      for (const batch of batches(others, BATCH_BYTES)) {
        const form = new FormData();
        for (const f of batch) form.append('file', f.file, f.path);
        const size = batch.reduce((n, f) => n + f.size, 0);
        await send(`${base}/files`, form, null, (n) => setSent(done + Math.min(n, size)));
        done += size;
        setSent(done);
      }
      setPhase('finishing');
      const s = await api<ImportSummary>(`${base}/finish`, { method: 'POST' });
      setSummary(s);
      setPhase('done');
    } catch (e) {
      setError((e as Error).message);
      setPhase('error');
    }
  }

  async function onDrop(e: DragEvent) {
    e.preventDefault();
    setHover(false);
    setPhase('reading');
    const out: PickedFile[] = [];
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => !!x);
    try {
      if (entries.length) for (const entry of entries) await readEntry(entry, out);
      else for (const f of e.dataTransfer.files) out.push({ file: f, path: f.name, size: f.size });
    } catch {
      setPhase('error');
      setError('The dropped folder could not be read.');
      return;
    }
    await upload(out);
  }

  function onPick(list: FileList | null) {
    if (!list) return;
    const out = [...list].map((f) => ({ file: f, path: f.webkitRelativePath || f.name, size: f.size }));
    void upload(out);
  }

  const busy = phase === 'reading' || phase === 'uploading' || phase === 'finishing';
  const pct = total > 0 ? Math.round((sent / total) * 100) : 0;

  return (
    <div className="import">
      <h1>Import scans</h1>
      <p className="muted">
        Drop the folder of a hospital CD (or a copy of it), or a zip file. Files that are not medical images are skipped;
        images already in the vault are not stored twice.
      </p>
      <div
        className={`dropzone${hover ? ' hover' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setHover(true);
        }}
        onDragLeave={() => setHover(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <p><strong>Drop a folder or a zip here</strong></p>
        <p>or</p>
        <div className="row">
          <button type="button" disabled={busy} onClick={() => folderInput.current?.click()}>Choose a folder…</button>
          <button type="button" disabled={busy} onClick={() => fileInput.current?.click()}>Choose files or a zip…</button>
        </div>
        <input
          ref={folderInput}
          type="file"
          hidden
          data-testid="folder-input"
          webkitdirectory=""
          multiple
          onChange={(e) => onPick(e.target.files)}
        />
        <input ref={fileInput} type="file" hidden multiple data-testid="file-input" onChange={(e) => onPick(e.target.files)} />
      </div>

      {busy && (
        <div className="progress-box" role="status" data-testid="progress">
          <p>
            {phase === 'reading' && 'Reading the folder…'}
            {phase === 'uploading' && `Uploading ${plural(fileCount, 'file')}: ${formatBytes(sent)} of ${formatBytes(total)} (${pct}%)`}
            {phase === 'finishing' && 'Checking and storing the last images…'}
          </p>
          <progress max={100} value={phase === 'finishing' ? 100 : pct} />
        </div>
      )}
      {phase === 'error' && <p className="error" role="alert" data-testid="import-error">{error}</p>}
      {summary && (
        <section className="card summary" data-testid="import-summary">
          <h2>{summarySentence(summary)}</h2>
          <table>
            <tbody>
              {summaryLines(summary).map((l) => (
                <tr key={l.testId}>
                  <th>{l.label}</th>
                  <td data-testid={`summary-${l.testId}`}>{l.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {(summary.rejected?.length ?? 0) > 0 && (
            <>
              <h3>Rejected files</h3>
              <ul className="rejected" data-testid="rejected-list">
                {summary.rejected!.map((r) => (
                  <li key={r.path}><code>{r.path}</code>: {r.reason}</li>
                ))}
              </ul>
            </>
          )}
          <p>
            {(summary.studies ?? []).length === 1 ? (
              <Link to={`/studies/${summary.studies![0]}`}>Open the study</Link>
            ) : (
              <Link to="/">See them in the library</Link>
            )}
          </p>
        </section>
      )}
    </div>
  );
}
