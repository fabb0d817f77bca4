// Which series of a study to open first.

export interface SeriesSummary {
  SeriesInstanceUID: string;
  SeriesNumber?: number;
  SeriesDescription?: string;
  Modality?: string;
  NumberOfSeriesRelatedInstances?: number;
}

/** The series worth opening first: the one with the most images (images, not reports). */
export function defaultSeries(series: SeriesSummary[]): SeriesSummary | undefined {
  const images = series.filter((s) => !['SR', 'PR', 'KO', 'DOC', 'RTPLAN', 'RTSTRUCT'].includes(s.Modality ?? ''));
  const list = images.length ? images : series;
  return [...list].sort((a, b) => (b.NumberOfSeriesRelatedInstances ?? 0) - (a.NumberOfSeriesRelatedInstances ?? 0))[0];
}

/** An instance's metadata in the DICOM JSON model (PS3.18 F.2). */
export type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

function first(meta: DicomJson, tag: string): unknown {
  return meta[tag]?.Value?.[0];
}

function numbers(meta: DicomJson, tag: string): number[] {
  return (meta[tag]?.Value ?? []).map(Number);
}

/** The slice position along the normal of its plane (mm), when the geometry is known. */
export function slicePosition(meta: DicomJson): number | null {
  const o = numbers(meta, '00200037');
  const p = numbers(meta, '00200032');
  if (o.length !== 6 || p.length !== 3 || [...o, ...p].some((x) => !Number.isFinite(x))) return null;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  return p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
}

export interface Ordered {
  meta: DicomJson;
  pos: number | null;
  sop: string;
  frames: number;
}

/** The instances in viewing order: along the slice normal when every one has a position,
 *  else by Instance Number. */
export function orderInstances(metas: DicomJson[]): Ordered[] {
  const list = metas.map((meta) => ({
    meta,
    pos: slicePosition(meta),
    num: Number(first(meta, '00200013') ?? 0),
    sop: String(first(meta, '00080018') ?? ''),
    frames: Math.max(1, Number(first(meta, '00280008') ?? 1) || 1),
  }));
  const allPos = list.every((x) => x.pos !== null);
  list.sort((a, b) => (allPos ? a.pos! - b.pos! : a.num - b.num));
  return list.map(({ meta, pos, sop, frames }) => ({ meta, pos, sop, frames }));
}

/** The image the viewer shows first: the middle slice of a stack of single frames, the
 *  first frame when there are multi-frame images. */
export function firstShown(ordered: Ordered[]): { sop: string; frame: number; index: number } | null {
  if (!ordered.length) return null;
  if (ordered.some((o) => o.frames > 1)) return { sop: ordered[0].sop, frame: 1, index: 0 };
  const index = Math.floor(ordered.length / 2);
  return { sop: ordered[index].sop, frame: 1, index };
}
