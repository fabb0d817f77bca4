import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Enums, type StackViewport } from '@cornerstonejs/core';
import { SynchronizerManager, synchronizers } from '@cornerstonejs/tools';
import { api } from '../api';
import { formatDate, formatName } from '../lib/dicom';
import { linkOffset, syncedIndex, type StackGeometry } from '../lib/sync';
import { defaultSeries, loadSeries, type LoadedSeries, type StudyDetail } from '../viewer/series';
import { StackView, type ToolMode } from '../viewer/StackView';
import { ENGINE_ID } from '../viewer/cornerstone';
import { reset, scrollBy } from '../viewer/controls';

const IDS = ['left', 'right'] as const;
const TOOLS: [ToolMode, string][] = [['WindowLevel', 'Window'], ['Pan', 'Pan'], ['Zoom', 'Zoom'], ['Length', 'Length']];

interface Side {
  detail: StudyDetail | null;
  series: LoadedSeries | null;
}

function geometry(s: LoadedSeries): StackGeometry {
  return { count: s.imageIds.length, positions: s.imageIds.map((id) => s.positionOf.get(id) ?? null) };
}

export default function Compare() {
  const { a = '', b = '' } = useParams();
  const [sides, setSides] = useState<Side[]>([{ detail: null, series: null }, { detail: null, series: null }]);
  const [error, setError] = useState('');
  const [tool, setTool] = useState<ToolMode>('WindowLevel');
  const [linked, setLinked] = useState(true);
  const [vps, setVps] = useState<(StackViewport | null)[]>([null, null]);
  const offset = useRef<number | null>(null);
  const expected = useRef<(number | null)[]>([null, null]);

  useEffect(() => {
    [a, b].forEach((uid, i) => {
      api<StudyDetail>(`/api/v1/studies/${encodeURIComponent(uid)}`)
        .then(async (detail) => {
          const s = defaultSeries(detail.series);
          const series = s ? await loadSeries(uid, s.SeriesInstanceUID) : null;
          setSides((old) => old.map((x, j) => (j === i ? { detail, series } : x)));
        })
        .catch((e: Error) => setError(e.message));
    });
  }, [a, b]);

  // Window/level and zoom/pan follow each other (Cornerstone's synchronizers).
  useEffect(() => {
    if (!vps[0] || !vps[1] || !linked) return;
    const voi = synchronizers.createVOISynchronizer('compare-voi', { syncInvertState: true, syncColormap: false });
    const zoomPan = synchronizers.createZoomPanSynchronizer('compare-zoompan');
    for (const id of IDS) {
      voi.add({ renderingEngineId: ENGINE_ID, viewportId: id });
      zoomPan.add({ renderingEngineId: ENGINE_ID, viewportId: id });
    }
    return () => {
      SynchronizerManager.destroySynchronizer('compare-voi');
      SynchronizerManager.destroySynchronizer('compare-zoompan');
    };
  }, [vps, linked]);

  // Scrolling follows by slice position, with the offset fixed when the link is made.
  useEffect(() => {
    const [s0, s1] = [sides[0].series, sides[1].series];
    const [v0, v1] = vps;
    if (!linked || !s0 || !s1 || !v0 || !v1) return;
    const series = [s0, s1];
    const views = [v0, v1];
    const geo = series.map(geometry);
    offset.current = null;
    const handlers = views.map((src, i) => {
      const j = 1 - i;
      return (e: Event) => {
        const index = (e as CustomEvent).detail?.imageIdIndex ?? src.getCurrentImageIdIndex();
        if (expected.current[i] === index) {
          expected.current[i] = null;
          return;
        }
        if (offset.current === null) offset.current = linkOffset(geo[0], views[0].getCurrentImageIdIndex(), geo[1], views[1].getCurrentImageIdIndex());
        const off = offset.current === null ? null : i === 0 ? offset.current : -offset.current;
        const target = syncedIndex(geo[i], index, geo[j], off);
        if (target >= 0 && target !== views[j].getCurrentImageIdIndex()) {
          expected.current[j] = target;
          void views[j].setImageIdIndex(target);
        }
      };
    });
    // The offset is taken from where both stacks are now (re-linking re-aligns).
    offset.current = linkOffset(geo[0], v0.getCurrentImageIdIndex(), geo[1], v1.getCurrentImageIdIndex());
    views.forEach((v, i) => v.element.addEventListener(Enums.Events.STACK_NEW_IMAGE, handlers[i]));
    return () => views.forEach((v, i) => v.element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, handlers[i]));
  }, [sides, vps, linked]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === 'ArrowDown') scrollBy(vps[0], 1);
      else if (e.key === 'ArrowUp') scrollBy(vps[0], -1);
      else if (e.key === 'r' || e.key === 'R') vps.forEach(reset);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [vps]);

  const dates = sides.map((s) => s.detail?.studies[0]?.StudyDate ?? '');
  const newer = dates[0] >= dates[1] ? 0 : 1;
  const who = sides[0].detail?.studies[0];
  if (error) return <div className="center"><p className="error" role="alert">{error}</p><Link to="/">Back to the library</Link></div>;
  return (
    <div className="viewer">
      <div className="viewer-head">
        <Link to="/" className="back" aria-label="Back to the library">←</Link>
        <div className="title"><strong>{formatName(who?.PatientName)}</strong> · comparing {formatDate(dates[0])} and {formatDate(dates[1])}</div>
        <div className="toolbar" role="toolbar">
          {TOOLS.map(([mode, label]) => (
            <button key={mode} type="button" className={tool === mode ? 'active' : ''} onClick={() => setTool(mode)}>{label}</button>
          ))}
          <button type="button" className={linked ? 'active' : ''} onClick={() => setLinked(!linked)} data-testid="link" title="Scroll, zoom and window both together">
            {linked ? 'Linked' : 'Not linked'}
          </button>
          <button type="button" onClick={() => vps.forEach(reset)}>Reset</button>
        </div>
      </div>
      <div className="compare-grid">
        {IDS.map((id, i) => (
          <div className="compare-pane" key={id}>
            <StackView
              viewportId={id}
              series={sides[i].series}
              tool={tool}
              label={`${formatDate(dates[i])}${dates[0] === dates[1] ? '' : i === newer ? ' (latest)' : ' (earlier)'}`}
              onViewport={(v) => setVps((old) => old.map((x, j) => (j === i ? v : x)))}
              onError={setError}
            />
            <div className="small muted pane-caption">
              {sides[i].detail?.studies[0]?.StudyDescription} · <Link to={`/studies/${[a, b][i]}`}>open alone</Link>
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}
