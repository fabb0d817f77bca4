// Viewport operations shared by the viewer's toolbar, its keyboard shortcuts and compare.
import type { StackViewport } from '@cornerstonejs/core';
import { toVoiRange } from '../lib/presets';

export function applyWindow(vp: StackViewport | null, width: number, center: number): void {
  if (!vp) return;
  vp.setProperties({ voiRange: toVoiRange(width, center) });
  vp.render();
}

export function scrollBy(vp: StackViewport | null, delta: number): void {
  if (!vp) return;
  const n = vp.getImageIds().length;
  if (!n) return;
  const i = Math.min(n - 1, Math.max(0, vp.getCurrentImageIdIndex() + delta));
  void vp.setImageIdIndex(i);
}

export function scrollTo(vp: StackViewport | null, index: number): void {
  if (!vp) return;
  const n = vp.getImageIds().length;
  if (!n) return;
  void vp.setImageIdIndex(Math.min(n - 1, Math.max(0, index)));
}

export function reset(vp: StackViewport | null): void {
  if (!vp) return;
  vp.resetProperties();
  vp.resetCamera();
  const c = vp.getCamera();
  // setViewPresentation cannot undo a flip (it only ever flips towards true): the camera can.
  if (c.flipHorizontal || c.flipVertical) vp.setCamera({ flipHorizontal: false, flipVertical: false });
  vp.setViewPresentation({ rotation: 0 });
  vp.render();
}

export function invert(vp: StackViewport | null): void {
  if (!vp) return;
  vp.setProperties({ invert: !vp.getProperties().invert });
  vp.render();
}

export function flip(vp: StackViewport | null, horizontal: boolean): void {
  if (!vp) return;
  // Through the camera, which flips both ways (setViewPresentation only ever flips once).
  const c = vp.getCamera();
  vp.setCamera(horizontal ? { flipHorizontal: !c.flipHorizontal } : { flipVertical: !c.flipVertical });
  vp.render();
}

export function rotate(vp: StackViewport | null, degrees: number): void {
  if (!vp) return;
  const p = vp.getViewPresentation();
  vp.setViewPresentation({ rotation: (((p.rotation ?? 0) + degrees) % 360 + 360) % 360 });
  vp.render();
}

export function zoomBy(vp: StackViewport | null, factor: number): void {
  if (!vp) return;
  vp.setZoom(vp.getZoom() * factor);
  vp.render();
}
