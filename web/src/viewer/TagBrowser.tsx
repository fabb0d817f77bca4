// The DICOM tags of the image on screen, searchable.
import { useMemo, useState } from 'react';
import { TAG, type DicomJson } from './series';

const NAMES: Record<string, string> = Object.fromEntries(Object.entries(TAG).map(([k, v]) => [v, k]));
Object.assign(NAMES, {
  '00080016': 'SOPClassUID', '0020000D': 'StudyInstanceUID', '0020000E': 'SeriesInstanceUID', '00080030': 'StudyTime',
  '00080050': 'AccessionNumber', '00080070': 'Manufacturer', '00080080': 'InstitutionName', '00081090': 'ManufacturerModelName',
  '00180015': 'BodyPartExamined', '00180060': 'KVP', '00280010': 'Rows', '00280011': 'Columns', '00280100': 'BitsAllocated',
  '00280101': 'BitsStored', '00280103': 'PixelRepresentation', '00281052': 'RescaleIntercept', '00281053': 'RescaleSlope',
  '00280004': 'PhotometricInterpretation', '00280002': 'SamplesPerPixel', '00020010': 'TransferSyntaxUID', '00080008': 'ImageType',
  '00200052': 'FrameOfReferenceUID', '00080021': 'SeriesDate', '00080031': 'SeriesTime', '00080090': 'ReferringPhysicianName',
  '00100040': 'PatientSex', '00101010': 'PatientAge', '7FE00010': 'PixelData', '00200010': 'StudyID', '00080005': 'SpecificCharacterSet',
});

function show(v: { vr: string; Value?: unknown[]; BulkDataURI?: string }): string {
  if ((v as { BulkDataURI?: string }).BulkDataURI) return '(binary data)';
  if (!v.Value) return '';
  if (v.vr === 'SQ') return `(${v.Value.length} item${v.Value.length === 1 ? '' : 's'})`;
  return v.Value.map((x) => (typeof x === 'object' && x !== null ? ((x as { Alphabetic?: string }).Alphabetic ?? JSON.stringify(x)) : String(x))).join(' \\ ').slice(0, 200);
}

export function TagBrowser({ meta, onClose }: { meta: DicomJson | undefined; onClose: () => void }) {
  const [filter, setFilter] = useState('');
  const rows = useMemo(() => {
    const f = filter.toLowerCase();
    return Object.entries(meta ?? {})
      .map(([tag, v]) => ({ tag, name: NAMES[tag] ?? '', vr: v.vr, value: show(v as never) }))
      .filter((r) => !f || r.tag.toLowerCase().includes(f) || r.name.toLowerCase().includes(f) || r.value.toLowerCase().includes(f))
      .sort((a, b) => a.tag.localeCompare(b.tag));
  }, [meta, filter]);
  return (
    <aside className="side-panel tags" data-testid="tag-browser">
      <div className="panel-head">
        <strong>DICOM tags</strong>
        <button type="button" onClick={onClose} aria-label="Close">×</button>
      </div>
      <input placeholder="Filter tags" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="tag-filter" />
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.tag}>
              <td className="mono">({r.tag.slice(0, 4)},{r.tag.slice(4)})</td>
              <td>{r.name}</td>
              <td className="mono">{r.vr}</td>
              <td className="value">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </aside>
  );
}
