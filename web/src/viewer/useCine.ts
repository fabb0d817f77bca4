// Cine: plays a stack or a multi-frame image at a chosen rate, looping.
import { useCallback, useEffect, useRef, useState, type MutableRefObject } from 'react';
import type { StackViewport } from '@cornerstonejs/core';

export function useCine(vp: MutableRefObject<StackViewport | null>) {
  const [playing, setPlaying] = useState(false);
  const [fps, setFpsState] = useState(10);
  const timer = useRef<number | null>(null);

  const stop = useCallback(() => {
    if (timer.current !== null) window.clearInterval(timer.current);
    timer.current = null;
    setPlaying(false);
  }, []);

  const start = useCallback((rate: number) => {
    if (timer.current !== null) window.clearInterval(timer.current);
    timer.current = window.setInterval(() => {
      const v = vp.current;
      if (!v) return;
      const n = v.getImageIds().length;
      if (n < 2) return;
      void v.setImageIdIndex((v.getCurrentImageIdIndex() + 1) % n);
    }, 1000 / Math.max(1, Math.min(60, rate)));
    setPlaying(true);
  }, [vp]);

  const toggle = useCallback(() => {
    if (timer.current !== null) stop();
    else start(fps);
  }, [fps, start, stop]);

  const setFps = useCallback((rate: number) => {
    const r = Math.max(1, Math.min(60, Number.isFinite(rate) ? rate : 10));
    setFpsState(r);
    if (timer.current !== null) start(r);
  }, [start]);

  useEffect(() => () => {
    if (timer.current !== null) window.clearInterval(timer.current);
  }, []);

  return { playing, fps, toggle, stop, setFps };
}
