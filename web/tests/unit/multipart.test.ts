import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartReader } from '../../src/lib/multipart';

const enc = new TextEncoder();

function body(boundary: string, parts: Uint8Array[], withLength = true): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const p of parts) {
    pieces.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n${withLength ? `Content-Length: ${p.length}\r\n` : ''}\r\n`));
    pieces.push(p);
    pieces.push(enc.encode('\r\n'));
  }
  pieces.push(enc.encode(`--${boundary}--\r\n`));
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytes(n: number, seed: number): Uint8Array {
  // Contents that contain CRLFs and a delimiter-like run, which must not confuse the reader.
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) % 256;
  if (n >= 20) out.set(enc.encode('\r\n--b1\r\n\r\n'), 5);
  return out;
}

describe('multipart reader', () => {
  it('reads the boundary, quoted or not', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary=b1')).toBe('b1');
    expect(boundaryOf('multipart/related; boundary="a b"; type=x')).toBe('a b');
    expect(boundaryOf('application/json')).toBeNull();
  });

  it('gives every part whole, whatever the chunk sizes', () => {
    const parts = [bytes(1000, 1), bytes(0, 2), bytes(70000, 3), bytes(13, 4)];
    const all = body('b1', parts);
    for (const step of [1, 7, 64, 4096, all.length]) {
      const r = new MultipartReader('b1');
      const got: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += step) got.push(...r.push(all.subarray(i, i + step)).map((p) => p.body));
      expect(r.done).toBe(true);
      expect(got.length).toBe(parts.length);
      got.forEach((g, i) => expect(Buffer.from(g).equals(Buffer.from(parts[i]))).toBe(true));
    }
  });

  it('keeps the part headers', () => {
    const r = new MultipartReader('b1');
    const [p] = r.push(body('b1', [bytes(10, 0)]));
    expect(p.headers['content-type']).toBe('application/dicom');
    expect(p.headers['content-length']).toBe('10');
  });

  it('refuses parts without a length', () => {
    const r = new MultipartReader('b1');
    expect(() => r.push(body('b1', [bytes(10, 0)], false))).toThrow(/Content-Length/);
  });

  it('is not done before the closing delimiter', () => {
    const all = body('b1', [bytes(100, 0)]);
    const r = new MultipartReader('b1');
    expect(r.push(all.subarray(0, all.length - 8)).length).toBe(1);
    expect(r.done).toBe(false);
    r.push(all.subarray(all.length - 8));
    expect(r.done).toBe(true);
  });
});
