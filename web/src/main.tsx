import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { SessionProvider } from './session';
import { prefetchStudy } from './prefetch';
import './style.css';

// A study's address opened directly: the viewer's code and the study's first requests start
// now, side by side with the session check, not after it.
const opened = /^\/studies\/([^/]+)$/.exec(location.pathname);
if (opened) {
  void import('./pages/Viewer').catch(() => undefined);
  prefetchStudy(decodeURIComponent(opened[1]));
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
