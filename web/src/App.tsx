import { lazy, Suspense, useEffect } from 'react';
import { prefetchStudy } from './prefetch';
import { NavLink, Route, Routes, useLocation } from 'react-router-dom';
import { useSession } from './session';
import { Login } from './pages/Login';
import { Library } from './pages/Library';
import { Import } from './pages/Import';
import { Audit } from './pages/Audit';

// The viewer (Cornerstone3D and its decoders) loads only when a study is opened.
const Viewer = lazy(() => import('./pages/Viewer'));
const Compare = lazy(() => import('./pages/Compare'));

export function App() {
  const { session, checking, logout } = useSession();
  const location = useLocation();
  useEffect(() => {
    const m = /^\/studies\/([^/]+)$/.exec(location.pathname);
    if (m && session) prefetchStudy(decodeURIComponent(m[1]));
  }, [location.pathname, session]);
  if (checking) return <div className="center muted">Opening the vault…</div>;
  if (!session) return <Login />;
  const fullBleed = location.pathname.startsWith('/studies/') || location.pathname.startsWith('/compare/');
  return (
    <div className={fullBleed ? 'app app-viewer' : 'app'}>
      <header className="topbar">
        <NavLink to="/" className="brand">custos</NavLink>
        <nav>
          <NavLink to="/" end>Library</NavLink>
          <NavLink to="/import">Import</NavLink>
          <NavLink to="/audit">Who looked</NavLink>
        </nav>
        <span className="spacer" />
        <span className="muted user" data-testid="user">{session.user}</span>
        <button type="button" data-testid="logout" onClick={() => void logout('logout')}>Log out</button>
      </header>
      <main>
        <Suspense fallback={<div className="center muted">Loading the viewer…</div>}>
          <Routes>
            <Route path="/" element={<Library />} />
            <Route path="/import" element={<Import />} />
            <Route path="/audit" element={<Audit />} />
            <Route path="/studies/:uid" element={<Viewer />} />
            <Route path="/compare/:a/:b" element={<Compare />} />
            <Route path="*" element={<div className="center">This page does not exist. <NavLink to="/">Back to the library</NavLink></div>} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
