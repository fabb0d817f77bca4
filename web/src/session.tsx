// The logged-in state: the session from the server, the idle logoff (the server's idle
// timeout, measured from the person's last activity on the page), and why we were logged off.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, setCsrf, setUnauthenticatedHandler, type Session } from './api';

export type LogoffReason = 'idle' | 'expired' | 'logout' | null;

interface SessionState {
  session: Session | null;
  checking: boolean;
  reason: LogoffReason;
  loggedIn: (s: Session) => void;
  logout: (reason?: LogoffReason) => Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'pointermove'] as const;

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [reason, setReason] = useState<LogoffReason>(null);
  const lastActivity = useRef(Date.now());

  const loggedIn = useCallback((s: Session) => {
    setCsrf(s.csrf);
    lastActivity.current = Date.now();
    setReason(null);
    setSession(s);
  }, []);

  const logout = useCallback(async (why: LogoffReason = 'logout') => {
    try {
      await api('/api/v1/session', { method: 'DELETE', expect401: true });
    } catch {
      /* already gone */
    }
    setCsrf('');
    setSession(null);
    setReason(why);
  }, []);

  useEffect(() => {
    api<Session>('/api/v1/session', { expect401: true })
      .then(loggedIn)
      .catch(() => setSession(null))
      .finally(() => setChecking(false));
  }, [loggedIn]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrf('');
      setSession(null);
      setReason('expired');
    });
    return () => setUnauthenticatedHandler(null);
  }, []);

  useEffect(() => {
    if (!session) return;
    const touch = () => {
      lastActivity.current = Date.now();
    };
    for (const e of ACTIVITY) window.addEventListener(e, touch, { passive: true });
    const idleMs = Math.max(1, session.idle_timeout_seconds) * 1000;
    const timer = window.setInterval(() => {
      if (Date.now() - lastActivity.current >= idleMs) void logout('idle');
    }, 1000);
    return () => {
      for (const e of ACTIVITY) window.removeEventListener(e, touch);
      window.clearInterval(timer);
    };
  }, [session, logout]);

  return <Ctx.Provider value={{ session, checking, reason, loggedIn, logout }}>{children}</Ctx.Provider>;
}
