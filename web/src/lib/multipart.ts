// A multipart/related body read as it streams in (RFC 2046 framing), for responses whose
// parts each carry a Content-Length (the vault's WADO-RS answers do): push the chunks as they
// arrive, take the parts as soon as each is whole.

export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

const CRLF2 = [13, 10, 13, 10];
const HEAD_MAX = 16384;

function indexOf(hay: Uint8Array, needle: ArrayLike<number>, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export class MultipartReader {
  private chunks: Uint8Array[] = [];
  private head = 0; // read offset into chunks[0]
  private size = 0; // bytes queued
  private bodyLength = -1; // the part being read, once its headers are known
  private headers: Record<string, string> = {};
  private readonly delimiter: Uint8Array;
  /** The closing delimiter was seen. */
  done = false;

  constructor(boundary: string) {
    this.delimiter = new TextEncoder().encode(`--${boundary}`);
  }

  /** Adds received bytes; returns the parts completed by them. Throws on a part without
   *  Content-Length or with headers longer than 16 KB. */
  push(chunk: Uint8Array): Part[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const parts: Part[] = [];
    while (!this.done) {
      if (this.bodyLength < 0 && !this.readHeaders()) break;
      if (this.size < this.bodyLength) break;
      parts.push({ headers: this.headers, body: this.take(this.bodyLength) });
      this.bodyLength = -1;
    }
    return parts;
  }

  private readHeaders(): boolean {
    const head = this.peek(Math.min(this.size, HEAD_MAX));
    const start = indexOf(head, this.delimiter);
    if (start < 0) {
      if (head.length === HEAD_MAX) throw new Error('no multipart delimiter where one was expected');
      return false;
    }
    const after = start + this.delimiter.length;
    if (head.length < after + 2) return false;
    if (head[after] === 45 && head[after + 1] === 45) {
      this.done = true;
      return false;
    }
    const end = indexOf(head, CRLF2, after);
    if (end < 0) {
      if (head.length === HEAD_MAX) throw new Error('multipart part headers are too long');
      return false;
    }
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder().decode(head.subarray(after, end)).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length) || length < 0) throw new Error('a multipart part has no Content-Length');
    this.skip(end + 4);
    this.headers = headers;
    this.bodyLength = length;
    return true;
  }

  /** A copy of the first n queued bytes. */
  private peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let got = 0;
    let off = this.head;
    for (const c of this.chunks) {
      if (got >= n) break;
      const part = c.subarray(off, Math.min(c.length, off + (n - got)));
      out.set(part, got);
      got += part.length;
      off = 0;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  private skip(n: number): void {
    this.size -= n;
    while (n > 0) {
      const avail = this.chunks[0].length - this.head;
      if (n < avail) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }
}
