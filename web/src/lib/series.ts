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
