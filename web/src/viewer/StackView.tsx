// One stack viewport: the image, the overlay (patient, study, series, slice, window), the
// interaction tools, prefetch with progress, and a hook the browser tests read.
import { useEffect, useRef, useState } from 'react';
import { cache, Enums, eventTarget, imageLoader, imageLoadPoolManager, utilities as csUtils, type StackViewport, type Types } from '@cornerstonejs/core';
import {
  annotation,
  AngleTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LengthTool,
  PanTool,
  PlanarRotateTool,
  RectangleROITool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { engine, ENGINE_ID, initCornerstone } from './cornerstone';
import { seriesUrl, sopIndex, TAG, text, type LoadedSeries } from './series';
import { loadSeriesInBulk, primeFrame } from './bulk';
import { formatDate, formatName } from '../lib/dicom';
import { formatWindow, fromVoiRange } from '../lib/presets';
import { formatLength, formatRegionStats } from '../lib/measure';

export type ToolMode = 'WindowLevel' | 'Pan' | 'Zoom' | 'Length' | 'Angle' | 'RectangleROI' | 'EllipticalROI' | 'PlanarRotate';

export const TOOL_NAMES: Record<ToolMode, string> = {
  WindowLevel: WindowLevelTool.toolName,
  Pan: PanTool.toolName,
  Zoom: ZoomTool.toolName,
  Length: LengthTool.toolName,
  Angle: AngleTool.toolName,
  RectangleROI: RectangleROITool.toolName,
  EllipticalROI: EllipticalROITool.toolName,
  PlanarRotate: PlanarRotateTool.toolName,
};

/** Series this long or longer are fetched in one streamed request (see bulk.ts). */
const BULK_MIN = 8;
/** Images next to the first one fetched frame by frame before the series stream. */
const NEIGHBOURS = 4;

const MEASURE_TOOLS = [LengthTool.toolName, AngleTool.toolName, RectangleROITool.toolName, EllipticalROITool.toolName];

export interface Measurement {
  uid: string;
  tool: string;
  text: string;
}

interface Overlay {
  index: number;
  count: number;
  window: string;
  zoom: string;
}

export interface TestHook {
  imageToPage(col: number, row: number): [number, number];
  index(): number;
  count(): number;
  loaded(): number;
  measurements(): Measurement[];
  windowText(): string;
  firstImageMs?: number;
  allLoadedMs?: number;
}

declare global {
  interface Window {
    custosViewers?: Record<string, TestHook>;
  }
}

function describe(a: unknown, modality: string): string {
  const ann = a as { metadata: { toolName: string }; data: { cachedStats?: Record<string, Record<string, unknown>> } };
  const stats = Object.values(ann.data.cachedStats ?? {})[0] ?? {};
  switch (ann.metadata.toolName) {
    case LengthTool.toolName:
      return stats.unit === 'mm' ? formatLength(Number(stats.length)) : `${Number(stats.length ?? NaN).toFixed(1)} ${String(stats.unit ?? 'px')}`;
    case AngleTool.toolName:
      return `${Number(stats.angle ?? NaN).toFixed(1)}°`;
    default: {
      const mean = Number(stats.mean);
      const sd = Number(stats.stdDev);
      const area = Number(stats.area);
      if (!Number.isFinite(mean)) return '…';
      return `${formatRegionStats(mean, sd, modality)}, area ${area.toFixed(1)} ${String(stats.areaUnit ?? 'mm²')}`;
    }
  }
}

interface Props {
  viewportId: string;
  series: LoadedSeries | null;
  tool: ToolMode;
  label?: string;
  onViewport?: (vp: StackViewport | null) => void;
  onIndex?: (index: number, count: number) => void;
  onMeasurements?: (m: Measurement[]) => void;
  onError?: (message: string) => void;
}

export function StackView({ viewportId, series, tool, label, onViewport, onIndex, onMeasurements, onError }: Props) {
  const element = useRef<HTMLDivElement>(null);
  const vpRef = useRef<StackViewport | null>(null);
  const [overlay, setOverlay] = useState<Overlay>({ index: 0, count: 0, window: '', zoom: '' });
  const [loaded, setLoaded] = useState(0);
  const [ready, setReady] = useState(false);
  const toolGroupId = `${viewportId}-tools`;
  const measurementsRef = useRef<Measurement[]>([]);

  // The viewport and its tools, once per element.
  useEffect(() => {
    let cancelled = false;
    const el = element.current!;
    void initCornerstone().then(() => {
      if (cancelled) return;
      const re = engine();
      re.enableElement({ viewportId, type: Enums.ViewportType.STACK, element: el, defaultOptions: { background: [0, 0, 0] } });
      vpRef.current = re.getViewport(viewportId) as StackViewport;
      const tg = ToolGroupManager.getToolGroup(toolGroupId) ?? ToolGroupManager.createToolGroup(toolGroupId)!;
      for (const name of Object.values(TOOL_NAMES)) if (!tg.hasTool(name)) tg.addTool(name);
      if (!tg.hasTool(StackScrollTool.toolName)) tg.addTool(StackScrollTool.toolName);
      tg.addViewport(viewportId, ENGINE_ID);
      tg.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
      tg.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
      tg.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
      setReady(true);
      onViewport?.(vpRef.current);
    });
    const ro = new ResizeObserver(() => {
      try {
        engine().resize(true, true);
      } catch {
        /* not ready */
      }
    });
    ro.observe(el);
    return () => {
      cancelled = true;
      ro.disconnect();
      onViewport?.(null);
      ToolGroupManager.destroyToolGroup(toolGroupId);
      try {
        engine().disableElement(viewportId);
      } catch {
        /* gone */
      }
      vpRef.current = null;
      if (window.custosViewers) delete window.custosViewers[viewportId];
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewportId]);

  // The primary mouse button's tool.
  useEffect(() => {
    if (!ready) return;
    const tg = ToolGroupManager.getToolGroup(toolGroupId);
    if (!tg) return;
    // Bindings accumulate in a tool group: every tool loses all of them first, then gets
    // exactly its own (otherwise an earlier tool keeps the left button).
    for (const name of [...Object.values(TOOL_NAMES), StackScrollTool.toolName]) tg.setToolPassive(name, { removeAllBindings: true });
    // Touch: with the default tool, one finger dragged up or down moves through the stack and
    // two fingers set the window; with another tool, one finger uses that tool. The scroll
    // tool comes first in the group, so it wins a one-finger touch when it holds that binding.
    tg.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }, ...(tool === 'WindowLevel' ? [{ numTouchPoints: 1 }] : [])] });
    if (tool === 'WindowLevel') tg.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }, { numTouchPoints: 2 }] });
    tg.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }, ...(tool === 'Pan' ? [{ mouseButton: ToolEnums.MouseBindings.Primary }] : [])] });
    tg.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }, ...(tool === 'Zoom' ? [{ mouseButton: ToolEnums.MouseBindings.Primary }] : [])] });
    if (tool !== 'Pan' && tool !== 'Zoom' && tool !== 'WindowLevel') tg.setToolActive(TOOL_NAMES[tool], { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
  }, [tool, ready, toolGroupId]);

  // The series: stack, overlay events, prefetch, progress.
  useEffect(() => {
    const vp = vpRef.current;
    const el = element.current!;
    if (!ready || !vp || !series || series.imageIds.length === 0) return;
    const t0 = performance.now();
    const ids = new Set(series.imageIds);
    let loadedCount = 0;
    const modality = text(series.first, TAG.Modality);
    const hook: TestHook = {
      imageToPage(col, row) {
        const id = vp.getCurrentImageId();
        const world = csUtils.imageToWorldCoords(id, [col, row]) as Types.Point3;
        const [x, y] = vp.worldToCanvas(world);
        const r = el.getBoundingClientRect();
        return [r.left + x, r.top + y];
      },
      index: () => vp.getCurrentImageIdIndex(),
      count: () => series.imageIds.length,
      loaded: () => loadedCount,
      measurements: () => measurementsRef.current,
      windowText: () => {
        const r = vp.getProperties().voiRange;
        return r ? formatWindow(fromVoiRange(r.lower, r.upper).width, fromVoiRange(r.lower, r.upper).center) : '';
      },
    };
    window.custosViewers = { ...(window.custosViewers ?? {}), [viewportId]: hook };

    const update = () => {
      const r = vp.getProperties().voiRange;
      const w = r ? fromVoiRange(r.lower, r.upper) : null;
      const index = vp.getCurrentImageIdIndex();
      let zoom = '';
      try {
        zoom = `Zoom ${(vp.getZoom() * 100).toFixed(0)}%`;
      } catch {
        /* not yet */
      }
      setOverlay({ index, count: series.imageIds.length, window: w ? formatWindow(w.width, w.center) : '', zoom });
      onIndex?.(index, series.imageIds.length);
    };
    const done = new Set<string>();
    let frame = 0;
    const noteLoaded = (id: string) => {
      if (!ids.has(id) || done.has(id)) return;
      done.add(id);
      loadedCount = done.size;
      // The progress bar is redrawn at most once per animation frame, not once per image.
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          setLoaded(loadedCount);
        });
      }
      if (loadedCount === ids.size) {
        hook.allLoadedMs = performance.now() - t0;
        performance.mark(`custos:${viewportId}:all-loaded`);
      }
    };
    const onLoaded = (e: Event) => {
      const id = (e as CustomEvent).detail?.image?.imageId;
      if (id) noteLoaded(id);
    };
    const onLoadError = (e: Event) => {
      const d = (e as CustomEvent).detail;
      if (d?.imageId && ids.has(d.imageId)) onError?.(`An image could not be shown: ${d.error?.message ?? d.error ?? 'it could not be decoded'}.`);
    };
    const onRendered = () => {
      if (hook.firstImageMs === undefined) {
        hook.firstImageMs = performance.now() - t0;
        performance.mark(`custos:${viewportId}:first-image`);
      }
      update();
    };
    const refreshMeasurements = () => {
      window.setTimeout(() => {
        const list: Measurement[] = [];
        for (const name of MEASURE_TOOLS) {
          for (const a of annotation.state.getAnnotations(name, el) ?? []) {
            list.push({ uid: a.annotationUID ?? '', tool: name, text: describe(a, modality) });
          }
        }
        measurementsRef.current = list;
        onMeasurements?.(list);
      }, 60);
    };
    el.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, update);
    el.addEventListener(Enums.Events.VOI_MODIFIED, update);
    el.addEventListener(Enums.Events.CAMERA_MODIFIED, update);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOADED, onLoaded);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, refreshMeasurements);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, refreshMeasurements);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_REMOVED, refreshMeasurements);

    const bulk = new AbortController();
    const start = Math.floor(series.imageIds.length / 2);
    setLoaded(0);
    // The first image may have been fetched by the page already (prefetch.ts). Without one,
    // the stack is set in this very effect: the compare view reads both stacks' indices in
    // its own effect, right after this one.
    let forgetFirst: () => void = () => undefined;
    const setStack = () => vp.setStack(series.imageIds, series.multiFrame ? 0 : start);
    const primed = primeFrame(series.imageIds[series.multiFrame ? 0 : start]);
    const opened = primed
      ? primed.then(async (forget) => {
          forgetFirst = forget;
          if (!bulk.signal.aborted) await setStack();
          forget();
        })
      : setStack();
    opened
      .then(() => {
        if (bulk.signal.aborted) return;
        vp.render();
        update();
        // The whole stack is fetched, nearest to the shown image first; images already in
        // the cache (opened before) count as loaded at once.
        const startIndex = vp.getCurrentImageIdIndex();
        const order = series.imageIds.map((id, i) => ({ id, d: Math.abs(i - startIndex) })).sort((x, y) => x.d - y.d).map((x) => x.id);
        const byFrame = (list: string[]) => {
          for (const id of list) {
            if (cache.isLoaded(id)) {
              noteLoaded(id);
              continue;
            }
            imageLoadPoolManager.addRequest(
              () => imageLoader.loadAndCacheImage(id).then((img) => { noteLoaded(id); return img; }).catch(() => undefined),
              Enums.RequestType.Prefetch,
              { imageId: id },
            );
          }
        };
        const idOfSop = series.multiFrame ? null : sopIndex(series.imageIds);
        if (!idOfSop || series.imageIds.length < BULK_MIN) return byFrame(order);
        // The neighbours of the first image frame by frame (scrolling right away), the rest
        // in one streamed request for the series; what that misses, frame by frame after it.
        byFrame(order.slice(0, NEIGHBOURS));
        const rest = new Map([...idOfSop].filter(([, id]) => !order.slice(0, NEIGHBOURS).includes(id)));
        void loadSeriesInBulk(seriesUrl(series.studyUid, series.seriesUid), { idOfSop: rest, signal: bulk.signal, onLoaded: noteLoaded }).then((missing) => {
          if (!bulk.signal.aborted) byFrame(order.filter((id) => missing.has(id)));
        });
      })
      .catch((e: unknown) => onError?.(`The images could not be loaded: ${String((e as Error)?.message ?? e)}`));
    return () => {
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
      el.removeEventListener(Enums.Events.STACK_NEW_IMAGE, update);
      el.removeEventListener(Enums.Events.VOI_MODIFIED, update);
      el.removeEventListener(Enums.Events.CAMERA_MODIFIED, update);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOADED, onLoaded);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, refreshMeasurements);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, refreshMeasurements);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_REMOVED, refreshMeasurements);
      bulk.abort();
      forgetFirst();
      imageLoadPoolManager.clearRequestStack(Enums.RequestType.Prefetch);
      if (frame) cancelAnimationFrame(frame);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series, ready]);

  const meta = series?.first;
  const current = series?.metaOf.get(series.imageIds[overlay.index] ?? '');
  const pos = series?.positionOf.get(series.imageIds[overlay.index] ?? '');
  const total = series?.imageIds.length ?? 0;
  return (
    <div className="stack-view" data-testid={`viewport-${viewportId}`}>
      <div className="viewport-element" ref={element} onContextMenu={(e) => e.preventDefault()} data-testid={`element-${viewportId}`} />
      {meta && (
        <div className="overlay" aria-hidden="true">
          <div className="tl">
            <div>{formatName(text(meta, TAG.PatientName))}</div>
            <div>ID {text(meta, TAG.PatientID)}</div>
            <div>{text(meta, TAG.PatientBirthDate) ? `born ${formatDate(text(meta, TAG.PatientBirthDate))}` : ''}</div>
          </div>
          <div className="tr">
            {label && <div className="label">{label}</div>}
            <div>{formatDate(text(meta, TAG.StudyDate))}</div>
            <div>{text(meta, TAG.StudyDescription)}</div>
            <div>Series {text(meta, TAG.SeriesNumber)} {text(meta, TAG.SeriesDescription)}</div>
          </div>
          <div className="bl">
            <div data-testid={`slice-${viewportId}`}>Image {overlay.count ? overlay.index + 1 : 0} / {overlay.count}</div>
            {pos !== undefined && <div>Position {pos.toFixed(1)} mm</div>}
            {current && text(current, TAG.SliceThickness) && <div>Thickness {Number(text(current, TAG.SliceThickness)).toFixed(2)} mm</div>}
          </div>
          <div className="br">
            <div data-testid={`window-${viewportId}`}>{overlay.window}</div>
            <div data-testid={`zoom-${viewportId}`}>{overlay.zoom}</div>
          </div>
        </div>
      )}
      {series && loaded < total && (
        <div className="loading-bar" role="progressbar" aria-valuemax={total} aria-valuenow={loaded} data-testid={`loading-${viewportId}`}>
          <div style={{ width: `${(100 * loaded) / Math.max(1, total)}%` }} />
          <span>Loading {loaded} / {total}</span>
        </div>
      )}
    </div>
  );
}
