import { Bullseye, Spinner } from '@patternfly/react-core';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { LoginPage } from './auth/LoginPage';
import { SessionProvider, useSessionState } from './auth/session';
import { AppShell } from './shell/AppShell';
import { OverviewPage } from './overview/OverviewPage';
import { NodesPage } from './nodes/NodesPage';
import { JobsPage } from './jobs/JobsPage';
import { GroupsPage } from './groups/GroupsPage';
import { EnrollmentPage } from './enrollment/EnrollmentPage';
import { NotFoundPage } from './shell/NotFoundPage';

// Pages most visits do not need load on first use (uPlot, the editors, the administration).
const NodeDetailPage = lazy(() => import('./nodes/NodeDetailPage').then((m) => ({ default: m.NodeDetailPage })));
const NewJobPage = lazy(() => import('./jobs/NewJobPage').then((m) => ({ default: m.NewJobPage })));
const JobDetailPage = lazy(() => import('./jobs/JobDetailPage').then((m) => ({ default: m.JobDetailPage })));
const UsersPage = lazy(() => import('./admin/UsersPage').then((m) => ({ default: m.UsersPage })));
const RolesPage = lazy(() => import('./admin/RolesPage').then((m) => ({ default: m.RolesPage })));
const OrganizationsPage = lazy(() => import('./admin/OrganizationsPage').then((m) => ({ default: m.OrganizationsPage })));
const AuthSourcesPage = lazy(() => import('./admin/AuthSourcesPage').then((m) => ({ default: m.AuthSourcesPage })));
const TokensPage = lazy(() => import('./admin/TokensPage').then((m) => ({ default: m.TokensPage })));
const AlertsAdminPage = lazy(() => import('./admin/AlertsAdminPage').then((m) => ({ default: m.AlertsAdminPage })));
const AuditPage = lazy(() => import('./admin/AuditPage').then((m) => ({ default: m.AuditPage })));

function Routed() {
  const { session, loading } = useSessionState();
  if (loading) {
    return (
      <Bullseye style={{ height: '100vh' }}>
        <Spinner aria-label="Loading" />
      </Bullseye>
    );
  }
  if (!session) {
    return <LoginPage />;
  }
  return (
    <AppShell>
      <Suspense fallback={<Bullseye style={{ height: '40vh' }}><Spinner aria-label="Loading the page" /></Bullseye>}>
      <Routes>
        <Route path="/" element={<OverviewPage />} />
        <Route path="/login" element={<Navigate to="/" replace />} />
        <Route path="/nodes" element={<NodesPage />} />
        <Route path="/nodes/:id" element={<NodeDetailPage />} />
        <Route path="/jobs" element={<JobsPage />} />
        <Route path="/jobs/new" element={<NewJobPage />} />
        <Route path="/jobs/:id" element={<JobDetailPage />} />
        <Route path="/groups" element={<GroupsPage />} />
        <Route path="/enrollment" element={<EnrollmentPage />} />
        <Route path="/admin/users" element={<UsersPage />} />
        <Route path="/admin/roles" element={<RolesPage />} />
        <Route path="/admin/organizations" element={<OrganizationsPage />} />
        <Route path="/admin/auth-sources" element={<AuthSourcesPage />} />
        <Route path="/admin/tokens" element={<TokensPage />} />
        <Route path="/admin/alerts" element={<AlertsAdminPage />} />
        <Route path="/admin/audit" element={<AuditPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
      </Suspense>
    </AppShell>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routed />
      </SessionProvider>
    </BrowserRouter>
  );
}
