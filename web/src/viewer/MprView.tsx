// Multiplanar reconstruction: the series as a volume (streamed over WADO-RS) shown in
// axial, sagittal and coronal planes; wheel scrolls through each plane, left button is
// window/level (shared by the three), middle pans, right zooms.
import { useEffect, useRef, useState } from 'react';
import { cache, Enums, eventTarget, setVolumesForViewports, volumeLoader } from '@cornerstonejs/core';
import { Enums as ToolEnums, PanTool, StackScrollTool, synchronizers, SynchronizerManager, ToolGroupManager, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';
import { engine, ENGINE_ID, initCornerstone } from './cornerstone';
import type { LoadedSeries } from './series';

const PLANES = [
  { id: 'mpr-axial', label: 'Axial', orientation: Enums.OrientationAxis.AXIAL },
  { id: 'mpr-sagittal', label: 'Sagittal', orientation: Enums.OrientationAxis.SAGITTAL },
  { id: 'mpr-coronal', label: 'Coronal', orientation: Enums.OrientationAxis.CORONAL },
];

/** Whether a series can be reconstructed: single-frame slices, all with a position. */
export function canMpr(series: LoadedSeries | null): boolean {
  return !!series && !series.multiFrame && series.imageIds.length >= 3 && series.positionOf.size === series.imageIds.length;
}

export function MprView({ series, onError }: { series: LoadedSeries; onError: (m: string) => void }) {
  const refs = useRef<(HTMLDivElement | null)[]>([]);
  const [ready, setReady] = useState(false);
  const [progress, setProgress] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const volumeId = `cornerstoneStreamingImageVolume:${series.seriesUid}`;
    const toolGroupId = 'mpr-tools';
    let counts: { framesProcessed?: number; totalNumFrames?: number } = {};
    const onProgress = () => {
      if (counts.totalNumFrames) setProgress(Math.round((100 * (counts.framesProcessed ?? 0)) / counts.totalNumFrames));
    };
    const onComplete = (e: Event) => {
      if ((e as CustomEvent).detail?.volumeId === volumeId && !cancelled) {
        setProgress(100);
        setReady(true);
      }
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onProgress);
    eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onComplete);
    (async () => {
      await initCornerstone();
      const re = engine();
      PLANES.forEach((p, i) =>
        re.enableElement({
          viewportId: p.id,
          type: Enums.ViewportType.ORTHOGRAPHIC,
          element: refs.current[i]!,
          defaultOptions: { orientation: p.orientation, background: [0, 0, 0] as [number, number, number] },
        }),
      );
      const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds: series.imageIds });
      if (cancelled) return;
      const tg = ToolGroupManager.createToolGroup(toolGroupId)!;
      for (const t of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) tg.addTool(t.toolName);
      for (const p of PLANES) tg.addViewport(p.id, ENGINE_ID);
      tg.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
      tg.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
      tg.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
      tg.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
      const voi = synchronizers.createVOISynchronizer('mpr-voi', { syncInvertState: true, syncColormap: false });
      for (const p of PLANES) voi.add({ renderingEngineId: ENGINE_ID, viewportId: p.id });
      counts = volume as unknown as typeof counts;
      (volume as unknown as { load: (cb: () => void) => void }).load(() => undefined);
      await setVolumesForViewports(re, [{ volumeId }], PLANES.map((p) => p.id));
      re.renderViewports(PLANES.map((p) => p.id));
    })().catch((e: unknown) => onError(`The 3-D view could not be built: ${String((e as Error)?.message ?? e)}`));
    return () => {
      cancelled = true;
      eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onProgress);
      eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onComplete);
      ToolGroupManager.destroyToolGroup(toolGroupId);
      SynchronizerManager.destroySynchronizer('mpr-voi');
      for (const p of PLANES) {
        try {
          engine().disableElement(p.id);
        } catch {
          /* gone */
        }
      }
      cache.removeVolumeLoadObject(volumeId);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series]);

  return (
    <div className="mpr-grid" data-testid="mpr" data-ready={ready ? 'yes' : 'no'}>
      {PLANES.map((p, i) => (
        <div className="mpr-pane" key={p.id}>
          <div className="viewport-element" ref={(el) => { refs.current[i] = el; }} data-testid={`element-${p.id}`} onContextMenu={(e) => e.preventDefault()} />
          <div className="overlay"><div className="tl"><div className="label">{p.label}</div></div></div>
        </div>
      ))}
      {!ready && (
        <div className="loading-bar mpr-loading" role="progressbar" aria-valuenow={progress}>
          <div style={{ width: `${progress}%` }} />
          <span>Building the volume {progress}%</span>
        </div>
      )}
    </div>
  );
}
