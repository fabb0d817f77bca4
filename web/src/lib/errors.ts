// Every error in plain words.

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

const WORDS: Record<string, string> = {
  bad_credentials: 'The user name or password is not right.',
  totp_required: 'Enter the 6-digit code from your authenticator app.',
  totp_invalid: 'That code is not right or has expired. Enter the current code from your authenticator app.',
  locked: 'Too many wrong attempts: this account is locked for a while.',
  ip_throttled: 'Too many attempts from this computer: wait a moment and try again.',
  unauthenticated: 'You are not logged in (or your session has ended). Please log in again.',
  csrf: 'The page was open too long. Reload it and try again.',
  forbidden: 'Your account is not allowed to do this.',
  not_found: 'This was not found in the vault. It may have been moved to the trash.',
  too_large: 'This upload is too large for the server.',
};

export function plainWords(status: number, code: string | undefined, message: string | undefined, retryAfter?: number): string {
  let text = (code && WORDS[code]) || '';
  if (!text) {
    if (status === 0) text = 'The vault cannot be reached. Is `custos serve` still running?';
    else if (status === 401) text = WORDS.unauthenticated;
    else if (status === 403) text = WORDS.forbidden;
    else if (status === 404) text = WORDS.not_found;
    else if (status === 413) text = WORDS.too_large;
    else if (status >= 500) text = `The vault had a problem (${status}). ${message ?? ''}`.trim();
    else text = message || `The request failed (${status}).`;
  }
  if (retryAfter && retryAfter > 0) {
    const minutes = Math.ceil(retryAfter / 60);
    text += retryAfter < 90 ? ` Try again in ${retryAfter} seconds.` : ` Try again in ${minutes} minutes.`;
  }
  return text;
}
