// Plain-words formatting of DICOM values for people who have never heard of DICOM.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "20190312" → "12 Mar 2019"; anything else is returned as given ("" → "date unknown"). */
export function formatDate(da: string | undefined): string {
  if (!da) return 'date unknown';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return da;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return da;
  return `${Number(m[3])} ${MONTHS[month - 1]} ${m[1]}`;
}

/** "20190312" → "2019-03-12" (for inputs and sorting); "" stays "". */
export function isoDate(da: string | undefined): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec((da ?? '').trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '';
}

/** "2019-03-12" → "20190312" for the API's from/to filters. */
export function dicomDate(iso: string): string {
  return iso.replace(/-/g, '');
}

/** Person Name "Doe^John^^Dr" → "Dr John Doe"; empty → "Unnamed". */
export function formatName(pn: string | undefined): string {
  if (!pn) return 'Unnamed';
  const alphabetic = pn.split('=')[0];
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^');
  const words = [prefix, given, middle, family, suffix].map((w) => w.trim()).filter(Boolean);
  return words.length ? words.join(' ') : 'Unnamed';
}

const MODALITY_WORDS: Record<string, string> = {
  CT: 'CT scan',
  MR: 'MRI',
  US: 'Ultrasound',
  CR: 'X-ray',
  DX: 'X-ray',
  MG: 'Mammogram',
  PT: 'PET scan',
  NM: 'Nuclear medicine',
  XA: 'Angiography',
  RF: 'Fluoroscopy',
  OT: 'Other images',
  SR: 'Report',
  SC: 'Secondary capture',
};

/** ["CT","SR"] → "CT scan, Report". */
export function modalityWords(modalities: string[] | undefined): string {
  const list = (modalities ?? []).filter(Boolean);
  if (list.length === 0) return 'Images';
  return list.map((m) => MODALITY_WORDS[m] ?? m).join(', ');
}

/** "CHEST" → "Chest"; "" → "". */
export function bodyPartWords(part: string | undefined): string {
  if (!part) return '';
  return part
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w))
    .join(' ');
}

/** 1 → "1 image", 60 → "60 images". */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Bytes in a human unit: 7936344 → "7.6 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
