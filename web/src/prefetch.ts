// Starts the requests a study page needs (the study, its main series' metadata, then the
// frame the viewer shows first) as soon as the address is known, while the viewer's code is still loading; the viewer takes them
// over. Kept out of the viewer's chunk on purpose (no Cornerstone import here).
import { defaultSeries, firstShown, orderInstances, type DicomJson, type SeriesSummary } from './lib/series';

const pending = new Map<string, Promise<unknown>>();

function prefetchJson(url: string, accept: string): Promise<unknown> {
  let p = pending.get(url);
  if (!p) {
    p = fetch(url, { headers: { Accept: accept }, credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))));
    p.catch(() => undefined);
    pending.set(url, p);
  }
  return p;
}

/** The prefetched answer for url, once; undefined when none was started. */
export function take<T>(url: string): Promise<T> | undefined {
  const p = pending.get(url);
  pending.delete(url);
  return p as Promise<T> | undefined;
}

export function studyUrl(uid: string): string {
  return `/api/v1/studies/${encodeURIComponent(uid)}`;
}

export function seriesMetadataUrl(study: string, series: string): string {
  return `/dicom-web/studies/${study}/series/${series}/metadata`;
}

export function frameUrl(study: string, series: string, sop: string, frame: number): string {
  return `/dicom-web/studies/${study}/series/${series}/instances/${sop}/frames/${frame}`;
}

/** What the image loader asks a frame for: the stored transfer syntax, as it is. */
export const FRAME_ACCEPT = 'multipart/related; type=application/octet-stream; transfer-syntax=*';

export interface FetchedFrame {
  contentType: string;
  body: ArrayBuffer;
}

function prefetchFrame(url: string): void {
  if (pending.has(url)) return;
  const p = fetch(url, { headers: { Accept: FRAME_ACCEPT }, credentials: 'same-origin' }).then(async (r) =>
    r.ok ? { contentType: r.headers.get('Content-Type') ?? '', body: await r.arrayBuffer() } : Promise.reject(new Error(String(r.status))),
  );
  p.catch(() => undefined);
  pending.set(url, p);
}

export function prefetchStudy(uid: string): void {
  prefetchJson(studyUrl(uid), 'application/json')
    .then((d) => {
      const s = defaultSeries((d as { series: SeriesSummary[] }).series ?? []);
      if (!s) return;
      const series = s.SeriesInstanceUID;
      return prefetchJson(seriesMetadataUrl(uid, series), 'application/dicom+json').then((metas) => {
        const f = firstShown(orderInstances(metas as DicomJson[]));
        if (f) prefetchFrame(frameUrl(uid, series, f.sop, f.frame));
      });
    })
    .catch(() => undefined);
}
