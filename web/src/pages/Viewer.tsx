import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { StackViewport } from '@cornerstonejs/core';
import { api, query } from '../api';
import { studyUrl, take } from '../prefetch';
import { compareCandidates, type Study } from '../lib/timeline';
import { formatDate, formatName, modalityWords, plural } from '../lib/dicom';
import { CT_PRESETS, filePresets } from '../lib/presets';
import { defaultSeries, loadSeries, TAG, text, values, type LoadedSeries, type StudyDetail } from '../viewer/series';
import { StackView, type Measurement, type ToolMode } from '../viewer/StackView';
import { applyWindow, flip, invert, reset, rotate, scrollBy, scrollTo } from '../viewer/controls';
import { TagBrowser } from '../viewer/TagBrowser';
import { SHORTCUTS } from '../viewer/shortcuts';
import { useCine } from '../viewer/useCine';
import { canMpr, MprView } from '../viewer/MprView';
import { initCornerstone } from '../viewer/cornerstone';

// Cornerstone (and its decoding workers) starts as soon as this code is loaded, while the
// page still waits for the study and its metadata.
void initCornerstone();

const TOOLS: [ToolMode, string, string][] = [
  ['WindowLevel', 'Window', 'w'],
  ['Pan', 'Pan', 'p'],
  ['Zoom', 'Zoom', 'z'],
  ['Length', 'Length', 'l'],
  ['Angle', 'Angle', 'a'],
  ['RectangleROI', 'Rectangle', 'o'],
  ['EllipticalROI', 'Ellipse', 'e'],
];

type Panel = 'none' | 'tags' | 'help';

export default function Viewer() {
  const { uid = '' } = useParams();
  const [detail, setDetail] = useState<StudyDetail | null>(null);
  const [seriesUid, setSeriesUid] = useState('');
  const [series, setSeries] = useState<LoadedSeries | null>(null);
  const [error, setError] = useState('');
  const [tool, setTool] = useState<ToolMode>('WindowLevel');
  const [index, setIndex] = useState(0);
  const [count, setCount] = useState(0);
  const [measurements, setMeasurements] = useState<Measurement[]>([]);
  const [panel, setPanel] = useState<Panel>('none');
  const [mpr, setMpr] = useState(false);
  const vp = useRef<StackViewport | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const cine = useCine(vp);
  const seriesRef = useRef<LoadedSeries | null>(null);
  const navigate = useNavigate();
  const [others, setOthers] = useState<Study[]>([]);

  useEffect(() => {
    setError('');
    (take<StudyDetail>(studyUrl(uid))?.catch(() => api<StudyDetail>(studyUrl(uid))) ?? api<StudyDetail>(studyUrl(uid)))
      .then((d) => {
        setDetail(d);
        setSeriesUid(defaultSeries(d.series)?.SeriesInstanceUID ?? '');
        const pid = d.studies[0]?.PatientID;
        if (pid) {
          api<{ studies: Study[] }>('/api/v1/studies' + query({ patient: pid }))
            .then((l) => setOthers(compareCandidates(d.studies[0], l.studies)))
            .catch(() => setOthers([]));
        }
      })
      .catch((e: Error) => setError(e.message));
  }, [uid]);

  useEffect(() => {
    if (!seriesUid) return;
    setSeries(null);
    setMpr(false);
    cine.stop();
    loadSeries(uid, seriesUid)
      .then((s) => {
        seriesRef.current = s;
        setSeries(s);
      })
      .catch((e: Error) => setError(`The series could not be opened: ${e.message}`));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [uid, seriesUid]);

  const presets = useMemo(() => {
    const m = series?.first;
    const own = filePresets(values(m, TAG.WindowCenter), values(m, TAG.WindowWidth), values(m, TAG.WindowExplanation));
    const modality = text(m, TAG.Modality);
    return { own, ct: modality === 'CT' ? CT_PRESETS : [] };
  }, [series]);

  // Full screen through the Fullscreen API; where a browser has none for this element (the
  // iPhone's Safari) or refuses, the viewer fills the window instead.
  const [pseudoFull, setPseudoFull] = useState(false);
  const [apiFull, setApiFull] = useState(false);
  const full = pseudoFull || apiFull;
  useEffect(() => {
    const onChange = () => setApiFull(document.fullscreenElement === root.current && !!root.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const fullScreen = useCallback(() => {
    if (document.fullscreenElement) {
      void document.exitFullscreen().catch(() => undefined);
      return;
    }
    if (pseudoFull) {
      setPseudoFull(false);
      return;
    }
    const el = root.current;
    if (el && typeof el.requestFullscreen === 'function' && document.fullscreenEnabled !== false) {
      el.requestFullscreen().catch(() => setPseudoFull(true));
    } else setPseudoFull(true);
  }, [pseudoFull]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
      const v = vp.current;
      const k = e.key;
      const toolKey = TOOLS.find((t) => t[2] === k.toLowerCase());
      if (k === 'ArrowDown' || k === 'ArrowRight') scrollBy(v, 1);
      else if (k === 'ArrowUp' || k === 'ArrowLeft') scrollBy(v, -1);
      else if (k === 'PageDown') scrollBy(v, 10);
      else if (k === 'PageUp') scrollBy(v, -10);
      else if (k === 'Home') scrollTo(v, 0);
      else if (k === 'End') scrollTo(v, Number.MAX_SAFE_INTEGER);
      else if (toolKey) setTool(toolKey[0]);
      else if (['1', '2', '3', '4'].includes(k) && presets.ct.length) {
        const p = presets.ct[Number(k) - 1];
        applyWindow(v, p.width, p.center);
      } else if (k === 'i' || k === 'I') invert(v);
      else if (k === 'h' || k === 'H') flip(v, true);
      else if (k === 'v' || k === 'V') flip(v, false);
      else if (k === '[') rotate(v, -90);
      else if (k === ']') rotate(v, 90);
      else if (k === 'r' || k === 'R') reset(v);
      else if (k === ' ') cine.toggle();
      else if (k === 't' || k === 'T') setPanel((p) => (p === 'tags' ? 'none' : 'tags'));
      else if (k === '?') setPanel((p) => (p === 'help' ? 'none' : 'help'));
      else if (k === 'f' || k === 'F') fullScreen();
      else if (k === 'Escape' && pseudoFull) setPseudoFull(false);
      else if ((k === 'm' || k === 'M') && canMpr(seriesRef.current)) setMpr((x) => !x);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [presets, cine, fullScreen, pseudoFull]);

  const study = detail?.studies[0];
  if (error && !series) return <div className="center"><p className="error" role="alert">{error}</p><Link to="/">Back to the library</Link></div>;
  return (
    <div className={pseudoFull ? 'viewer pseudo-fullscreen' : 'viewer'} ref={root}>
      <div className="viewer-head">
        <Link to="/" className="back" aria-label="Back to the library">←</Link>
        <div className="title">
          <strong>{formatName(study?.PatientName)}</strong> · {formatDate(study?.StudyDate)} · {study?.StudyDescription || modalityWords(study?.ModalitiesInStudy)}
        </div>
        <div className="toolbar" role="toolbar" aria-label="Tools">
          {TOOLS.map(([mode, label, key]) => (
            <button key={mode} type="button" className={tool === mode ? 'active' : ''} onClick={() => setTool(mode)} title={`${label} (${key.toUpperCase()})`} data-testid={`tool-${mode}`}>{label}</button>
          ))}
          <select aria-label="Window preset" data-testid="preset" value="" onChange={(e) => {
            const all = [...presets.ct, ...presets.own];
            const p = all[Number(e.target.value)];
            if (p) applyWindow(vp.current, p.width, p.center);
          }}>
            <option value="">Presets…</option>
            {[...presets.ct, ...presets.own].map((p, i) => (
              <option key={`${p.name}-${i}`} value={i}>{p.name} (W {p.width} L {p.center})</option>
            ))}
          </select>
          <button type="button" onClick={() => invert(vp.current)} title="Invert (I)">Invert</button>
          <button type="button" onClick={() => flip(vp.current, true)} title="Flip left to right (H)" data-testid="flip-h">Flip ↔</button>
          <button type="button" onClick={() => flip(vp.current, false)} title="Flip top to bottom (V)" data-testid="flip-v">Flip ↕</button>
          <button type="button" onClick={() => rotate(vp.current, 90)} title="Rotate 90° right (])" data-testid="rotate">Rotate</button>
          <button type="button" onClick={() => reset(vp.current)} title="Reset (R)" data-testid="reset">Reset</button>
          <button type="button" onClick={() => setPanel(panel === 'tags' ? 'none' : 'tags')} title="DICOM tags (T)" data-testid="tags-button">Tags</button>
          <button type="button" className={mpr ? 'active' : ''} disabled={!canMpr(series)} onClick={() => setMpr(!mpr)} title="Axial, sagittal and coronal (M)" data-testid="mpr-button">MPR</button>
          <button type="button" className={full ? 'active' : ''} onClick={fullScreen} title="Full screen (F)" data-testid="fullscreen">Full screen</button>
          {others.length > 0 && (
            <select aria-label="Compare with" data-testid="compare-with" value="" onChange={(e) => e.target.value && navigate(`/compare/${uid}/${e.target.value}`)}>
              <option value="">Compare with…</option>
              {others.map((o) => (
                <option key={o.StudyInstanceUID} value={o.StudyInstanceUID}>{formatDate(o.StudyDate)} {o.StudyDescription ?? ''}</option>
              ))}
            </select>
          )}
          <button type="button" onClick={() => setPanel(panel === 'help' ? 'none' : 'help')} title="Help (?)" data-testid="help-button">?</button>
        </div>
      </div>
      {error && <p className="error" role="alert" data-testid="viewer-error">{error}</p>}
      <div className="viewer-body">
        <nav className="series-strip" aria-label="Series">
          {detail?.series.map((s) => (
            <button key={s.SeriesInstanceUID} type="button" className={s.SeriesInstanceUID === seriesUid ? 'series active' : 'series'} onClick={() => setSeriesUid(s.SeriesInstanceUID)} data-testid="series-thumb">
              <img alt="" src={`/dicom-web/studies/${encodeURIComponent(uid)}/series/${encodeURIComponent(s.SeriesInstanceUID)}/thumbnail`} />
              <span className="small">{s.SeriesDescription || s.Modality} · {plural(s.NumberOfSeriesRelatedInstances ?? 0, 'image')}</span>
            </button>
          ))}
        </nav>
        {mpr && series && (
          <div className="viewport-column">
            <MprView series={series} onError={setError} />
          </div>
        )}
        <div className="viewport-column" hidden={mpr}>
          {measurements.length > 0 && (
            // Over the image, not beside it: the viewport keeps its size while a measurement is drawn.
            <aside className="measurements" data-testid="measurements">
              <strong>Measurements</strong>
              <ol>{measurements.map((m) => <li key={m.uid} data-testid="measurement">{m.text}</li>)}</ol>
            </aside>
          )}
          <StackView viewportId="main" series={series} tool={tool} onViewport={(v) => (vp.current = v)} onIndex={(i, n) => { setIndex(i); setCount(n); }} onMeasurements={setMeasurements} onError={setError} />
          <div className="slice-controls">
            <input type="range" min={0} max={Math.max(0, count - 1)} value={index} onChange={(e) => scrollTo(vp.current, Number(e.target.value))} aria-label="Image" data-testid="slice-slider" disabled={count < 2} />
            <button type="button" onClick={cine.toggle} data-testid="cine" disabled={count < 2}>{cine.playing ? 'Pause' : 'Play'}</button>
            <label className="inline small">
              <input type="number" min={1} max={60} value={cine.fps} onChange={(e) => cine.setFps(Number(e.target.value))} aria-label="Frames per second" data-testid="fps" /> images/s
            </label>
          </div>
        </div>
        {panel === 'tags' && <TagBrowser meta={series?.metaOf.get(series.imageIds[index] ?? '')} onClose={() => setPanel('none')} />}
        {panel === 'help' && (
          <aside className="side-panel" data-testid="help-panel">
            <div className="panel-head"><strong>Keyboard shortcuts</strong><button type="button" onClick={() => setPanel('none')} aria-label="Close">×</button></div>
            <table>
              <tbody>{SHORTCUTS.map(([k, what]) => <tr key={k}><th className="mono">{k}</th><td>{what}</td></tr>)}</tbody>
            </table>
          </aside>
        )}
      </div>
    </div>
  );
}
