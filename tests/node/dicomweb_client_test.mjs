// The standard DICOMweb client (dicomweb-client, as OHIF uses it) against a live custos
// serve. Driven by tests/integration/test_dicomweb_client.py, which starts the server,
// imports the data and passes what to expect in CUSTOS_EXPECT (JSON). Exits 1 on the first
// check that fails, naming it.
import fs from 'node:fs';
import assert from 'node:assert/strict';
import XHR from 'xhr2';
import dwc from 'dicomweb-client';

globalThis.XMLHttpRequest = XHR;
const { DICOMwebClient } = dwc.api;

const expect = JSON.parse(process.env.CUSTOS_EXPECT);
const client = new DICOMwebClient({
  url: process.env.CUSTOS_URL + '/dicom-web',
  headers: { Authorization: 'Bearer ' + process.env.CUSTOS_TOKEN },
});
const tag = (obj, t) => (obj[t] && obj[t].Value ? obj[t].Value[0] : undefined);
const checks = [];
async function check(name, fn) {
  try {
    await fn();
    checks.push(name);
  } catch (e) {
    console.error(`FAILED ${name}: ${e.stack || e}`);
    process.exit(1);
  }
}

const ct = expect.ct;  // {study, series, sop, file}
await check('searchForStudies', async () => {
  const studies = await client.searchForStudies();
  assert.equal(studies.length, expect.studies);
  assert.ok(studies.some((s) => tag(s, '0020000D') === ct.study));
});
await check('searchForStudies by PatientName wildcard', async () => {
  const studies = await client.searchForStudies({ queryParams: { PatientName: expect.name_query } });
  assert.ok(studies.length >= 1);
  for (const s of studies) assert.equal(s['00100010'].vr, 'PN');
});
await check('searchForSeries', async () => {
  const series = await client.searchForSeries({ studyInstanceUID: ct.study });
  assert.ok(series.some((s) => tag(s, '0020000E') === ct.series));
});
await check('searchForInstances', async () => {
  const instances = await client.searchForInstances({ studyInstanceUID: ct.study,
                                                       seriesInstanceUID: ct.series });
  assert.ok(instances.some((i) => tag(i, '00080018') === ct.sop));
});
await check('retrieveStudyMetadata', async () => {
  const metadata = await client.retrieveStudyMetadata({ studyInstanceUID: ct.study });
  const mine = metadata.find((m) => tag(m, '00080018') === ct.sop);
  assert.ok(mine, 'the instance is in the study metadata');
  assert.equal(tag(mine, '00280010'), ct.rows);
  assert.ok(mine['7FE00010'].BulkDataURI, 'pixel data as BulkDataURI');
});
await check('retrieveInstance (bit for bit)', async () => {
  const bytes = await client.retrieveInstance({ studyInstanceUID: ct.study,
                                                seriesInstanceUID: ct.series,
                                                sopInstanceUID: ct.sop });
  assert.ok(Buffer.from(bytes).equals(fs.readFileSync(ct.file)), 'bytes equal the file imported');
});
await check('retrieveInstanceFrames', async () => {
  const frames = await client.retrieveInstanceFrames({ studyInstanceUID: ct.study,
                                                       seriesInstanceUID: ct.series,
                                                       sopInstanceUID: ct.sop,
                                                       frameNumbers: [1] });
  assert.equal(frames.length, 1);
  assert.equal(frames[0].byteLength, ct.frame_bytes);
});
await check('retrieveInstanceRendered', async () => {
  const jpeg = await client.retrieveInstanceRendered({ studyInstanceUID: ct.study,
                                                       seriesInstanceUID: ct.series,
                                                       sopInstanceUID: ct.sop,
                                                       mediaTypes: [{ mediaType: 'image/jpeg' }] });
  const b = Buffer.from(Array.isArray(jpeg) ? jpeg[0] : jpeg);  // one part, as an array
  assert.ok(b.length > 100 && b[0] === 0xff && b[1] === 0xd8, 'a JPEG');
});
await check('storeInstances', async () => {
  const dataset = fs.readFileSync(expect.store.file);
  const ab = dataset.buffer.slice(dataset.byteOffset, dataset.byteOffset + dataset.byteLength);
  await client.storeInstances({ datasets: [ab] });
  const found = await client.searchForInstances({ queryParams: { SOPInstanceUID: expect.store.sop } });
  assert.equal(found.length, 1, 'the stored instance is found');
});
console.log(JSON.stringify({ passed: checks }));
