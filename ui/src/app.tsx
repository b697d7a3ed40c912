import { useEffect, useState } from 'preact/hooks';
import { logout, onSession, session, type Session } from './api';
import { ChangePassword, Login } from './pages/login';
import { Dashboard } from './pages/dashboard';
import { PackagesPage, PACKAGE_KINDS } from './pages/packages';
import { NsList } from './pages/ns-list';
import { NsDetail } from './pages/ns-detail';
import { VimsPage } from './pages/vims';
import { SliceDetail, SliceList } from './pages/slices';
import { AdminPage } from './pages/admin';
import { href, navigate, usePath } from './router';

const NAV: { path: string; label: string; admin?: boolean }[] = [
  { path: '/', label: 'Dashboard' },
  { path: '/vnf-packages', label: 'VNF packages' },
  { path: '/ns-packages', label: 'NS packages' },
  { path: '/slice-templates', label: 'Slice templates' },
  { path: '/ns', label: 'NS instances' },
  { path: '/slices', label: 'Slice instances' },
  { path: '/vims', label: 'VIM accounts' },
  { path: '/admin', label: 'Users & projects', admin: true },
];

export function App() {
  const [s, setS] = useState<Session | null>(session());
  useEffect(() => onSession(setS), []);
  const path = usePath();
  if (!s) return <Login />;
  if (s.changePassword) return <ChangePassword session={s} />;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">OpenCloudEdge MANO</span>
        <span class="who">
          {s.username} · project {s.projectName}
          <button type="button" class="link" onClick={() => void logout().then(() => navigate('/'))}>
            Log out
          </button>
        </span>
      </header>
      <nav aria-label="Main">
        <ul>
          {NAV.filter((n) => !n.admin || s.admin).map((n) => (
            <li key={n.path}>
              <a {...href(n.path)} aria-current={isCurrent(path, n.path) ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Route path={path} s={s} />
      </main>
    </div>
  );
}

function isCurrent(path: string, nav: string): boolean {
  return nav === '/' ? path === '/' : path === nav || path.startsWith(`${nav}/`);
}

function Route({ path, s }: { path: string; s: Session }) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case undefined:
      return <Dashboard />;
    case 'vnf-packages':
      return <PackagesPage kind={PACKAGE_KINDS.vnf} id={parts[1]} />;
    case 'ns-packages':
      return <PackagesPage kind={PACKAGE_KINDS.ns} id={parts[1]} />;
    case 'slice-templates':
      return <PackagesPage kind={PACKAGE_KINDS.nst} id={parts[1]} />;
    case 'ns':
      return parts[1] ? <NsDetail id={parts[1]} /> : <NsList />;
    case 'slices':
      return parts[1] ? <SliceDetail id={parts[1]} /> : <SliceList />;
    case 'vims':
      return <VimsPage />;
    case 'admin':
      if (s.admin) return <AdminPage />;
  }
  return (
    <section class="page">
      <h1 id="page-title">Not found</h1>
      <p>
        No page at <code>{path}</code>. <a {...href('/')}>Dashboard</a>
      </p>
    </section>
  );
}
