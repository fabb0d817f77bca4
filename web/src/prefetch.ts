// Starts the requests a study page needs (the study and its main series' metadata) as soon
// as the address is known, while the viewer's code is still loading; the viewer takes them
// over. Kept out of the viewer's chunk on purpose (no Cornerstone import here).
import { defaultSeries, type SeriesSummary } from './lib/series';

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

export function prefetchStudy(uid: string): void {
  prefetchJson(studyUrl(uid), 'application/json')
    .then((d) => {
      const s = defaultSeries((d as { series: SeriesSummary[] }).series ?? []);
      if (s) prefetchJson(seriesMetadataUrl(uid, s.SeriesInstanceUID), 'application/dicom+json');
    })
    .catch(() => undefined);
}
