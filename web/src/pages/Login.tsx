import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Session } from '../api';
import { useSession } from '../session';

const NOTICES: Record<string, string> = {
  idle: 'You were logged off because nothing happened for a while. Your scans are safe; log in again to continue.',
  expired: 'Your session has ended. Please log in again.',
  logout: 'You are logged out.',
};

export function Login() {
  const { loggedIn, reason } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body: Record<string, string> = { username, password };
      if (totp.trim()) body.totp = totp.trim();
      const s = await api<Session>('/api/v1/session', { method: 'POST', json: body, expect401: true });
      loggedIn(s);
    } catch (err) {
      const e2 = err as ApiError;
      if (e2.code === 'totp_required' || e2.code === 'totp_invalid') {
        setNeedCode(true);
        setTimeout(() => codeRef.current?.focus(), 0);
      }
      setError(e2.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-page">
      <form className="card login" onSubmit={submit} aria-label="Log in">
        <h1>custos</h1>
        <p className="muted">Your medical images, kept by you.</p>
        {reason && !error && (
          <p className="notice" role="status" data-testid="logoff-notice">{NOTICES[reason]}</p>
        )}
        <label>
          User name
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label>
          Code from your authenticator app{needCode ? '' : ' (if you set one up)'}
          <input
            ref={codeRef}
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="123456"
            value={totp}
            onChange={(e) => setTotp(e.target.value)}
            className={needCode ? 'attention' : ''}
          />
        </label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </div>
  );
}
