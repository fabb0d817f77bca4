// The REST API client: JSON in and out, the session cookie sent by the browser, the CSRF
// token on every state-changing request, errors turned into plain words.
import { plainWords, type ApiErrorBody } from './lib/errors';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthenticated: (() => void) | null = null;

export function setCsrf(token: string): void {
  csrfToken = token;
}

export function csrf(): string {
  return csrfToken;
}

/** Called when a request made while logged in gets 401 (the session ended on the server). */
export function setUnauthenticatedHandler(f: (() => void) | null): void {
  onUnauthenticated = f;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** A 401 is an expected answer (login), not a lost session. */
  expect401?: boolean;
}

export async function errorOf(res: Response): Promise<ApiError> {
  let body: ApiErrorBody = {};
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    /* not JSON */
  }
  const code = body.error?.code ?? '';
  const retry = Number(res.headers.get('Retry-After') ?? '0');
  return new ApiError(res.status, code, plainWords(res.status, code, body.error?.message, retry));
}

export async function request(path: string, o: RequestOptions = {}): Promise<Response> {
  const method = o.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...(o.headers ?? {}) };
  let body = o.body;
  if (o.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', plainWords(0, undefined, undefined));
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !o.expect401 && onUnauthenticated) onUnauthenticated();
    throw err;
  }
  return res;
}

export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await request(path, o);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface Session {
  user: string;
  role: string;
  csrf: string;
  idle_timeout_seconds: number;
  lifetime_seconds?: number;
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
