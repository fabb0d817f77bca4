// A series as Cornerstone image ids over WADO-RS: the series metadata from the vault's
// DICOMweb (dicomweb-client), one image id per frame, sorted along the slice normal.
import { api as dwc } from 'dicomweb-client';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { seriesMetadataUrl, take } from '../prefetch';

import { orderInstances, type DicomJson } from '../lib/series';

export { slicePosition, type DicomJson } from '../lib/series';

export const TAG = {
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  StudyDate: '00080020',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  SeriesNumber: '00200011',
  Modality: '00080060',
  SOPInstanceUID: '00080018',
  InstanceNumber: '00200013',
  NumberOfFrames: '00280008',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  PixelSpacing: '00280030',
  SliceThickness: '00180050',
  SliceLocation: '00201041',
  WindowCenter: '00281050',
  WindowWidth: '00281051',
  WindowExplanation: '00281055',
  FrameTime: '00181063',
  RecommendedDisplayFrameRate: '00082144',
  CineRate: '00180040',
} as const;

export function value(meta: DicomJson | undefined, tag: string): unknown {
  return meta?.[tag]?.Value?.[0];
}

export function values(meta: DicomJson | undefined, tag: string): unknown[] {
  return meta?.[tag]?.Value ?? [];
}

export function text(meta: DicomJson | undefined, tag: string): string {
  const v = value(meta, tag);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v);
}

export interface LoadedSeries {
  studyUid: string;
  seriesUid: string;
  imageIds: string[];
  /** The instance metadata for each image id (the same object for frames of one instance). */
  metaOf: Map<string, DicomJson>;
  /** Slice position along the normal (mm) per image id, when the geometry is known. */
  positionOf: Map<string, number>;
  first: DicomJson;
  multiFrame: boolean;
}

const ROOT = '/dicom-web';

export function client() {
  return new dwc.DICOMwebClient({ url: location.origin + ROOT, singlepart: false } as ConstructorParameters<typeof dwc.DICOMwebClient>[0]);
}

export function seriesUrl(studyUid: string, seriesUid: string): string {
  return `${location.origin}${ROOT}/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`;
}

/** The image id per SOP Instance UID, when every image is frame 1 of its own instance. */
export function sopIndex(imageIds: string[]): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const id of imageIds) {
    const m = /\/instances\/([^/]+)\/frames\/1$/.exec(id);
    if (!m || out.has(m[1])) return null;
    out.set(m[1], id);
  }
  return out;
}

export async function loadSeries(studyUid: string, seriesUid: string): Promise<LoadedSeries> {
  const retrieve = () =>
    client().retrieveSeriesMetadata({ studyInstanceUID: studyUid, seriesInstanceUID: seriesUid } as Parameters<ReturnType<typeof client>['retrieveSeriesMetadata']>[0]) as Promise<DicomJson[]>;
  const early = take<DicomJson[]>(seriesMetadataUrl(studyUid, seriesUid));
  const metas = await (early ? early.catch(retrieve) : retrieve());
  const withPos = orderInstances(metas).map(({ meta, pos }) => ({ m: meta, pos }));
  const imageIds: string[] = [];
  const metaOf = new Map<string, DicomJson>();
  const positionOf = new Map<string, number>();
  let multiFrame = false;
  for (const { m, pos } of withPos) {
    const sop = text(m, TAG.SOPInstanceUID);
    const frames = Math.max(1, Number(value(m, TAG.NumberOfFrames) ?? 1) || 1);
    if (frames > 1) multiFrame = true;
    for (let f = 1; f <= frames; f++) {
      const id = `wadors:${location.origin}${ROOT}/studies/${studyUid}/series/${seriesUid}/instances/${sop}/frames/${f}`;
      wadors.metaDataManager.add(id, m as unknown as Parameters<typeof wadors.metaDataManager.add>[1]);
      imageIds.push(id);
      metaOf.set(id, m);
      if (pos !== null && frames === 1) positionOf.set(id, pos);
    }
  }
  return { studyUid, seriesUid, imageIds, metaOf, positionOf, first: withPos[0]?.m ?? {}, multiFrame };
}

export { defaultSeries, type SeriesSummary } from '../lib/series';
import type { SeriesSummary } from '../lib/series';

export interface StudyDetail {
  studies: { StudyInstanceUID: string; StudyDate?: string; StudyDescription?: string; PatientName?: string; PatientID?: string; PatientBirthDate?: string; ModalitiesInStudy?: string[]; BodyPartExamined?: string }[];
  series: SeriesSummary[];
}
