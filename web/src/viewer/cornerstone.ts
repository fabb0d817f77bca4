// Cornerstone3D set up once per page: the rendering core, the DICOM image loader (its
// decoders run in Web Workers and load their WebAssembly from /assets/, same origin) and
// the interaction tools.
import { cornerstoneStreamingImageVolumeLoader, init as coreInit, getRenderingEngine, RenderingEngine, volumeLoader } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  AngleTool,
  EllipticalROITool,
  init as toolsInit,
  LengthTool,
  PanTool,
  PlanarRotateTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';

let ready: Promise<void> | null = null;

export const ENGINE_ID = 'custos';

export function initCornerstone(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      coreInit();
      const workers = Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2));
      loaderInit({ maxWebWorkers: workers, wasmBasePath: '/assets/' } as Parameters<typeof loaderInit>[0]);
      volumeLoader.registerVolumeLoader('cornerstoneStreamingImageVolume', cornerstoneStreamingImageVolumeLoader as unknown as Parameters<typeof volumeLoader.registerVolumeLoader>[1]);
      toolsInit();
      for (const t of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool, AngleTool, RectangleROITool, EllipticalROITool, PlanarRotateTool]) {
        addTool(t);
      }
    })();
  }
  return ready;
}

/** The page's one rendering engine (made on first use). */
export function engine(): RenderingEngine {
  return (getRenderingEngine(ENGINE_ID) as RenderingEngine | undefined) ?? new RenderingEngine(ENGINE_ID);
}
