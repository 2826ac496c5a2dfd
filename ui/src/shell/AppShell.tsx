import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavGroup,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { BarsIcon } from '@patternfly/react-icons';
import type { ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router-dom';
import { useSession } from '../auth/session';

interface Item {
  to: string;
  label: string;
  /** Shown when the session holds this (anywhere, or `*` when everywhere is set). */
  permission?: string;
  everywhere?: boolean;
}

const FLEET: Item[] = [
  { to: '/', label: 'Overview', permission: 'nodes:read' },
  { to: '/nodes', label: 'Nodes', permission: 'nodes:read' },
  { to: '/jobs', label: 'Jobs', permission: 'jobs:read' },
  { to: '/groups', label: 'Groups and tags', permission: 'groups:read' },
  { to: '/enrollment', label: 'Enrollment', permission: 'enrollment:manage' },
];

const ADMIN: Item[] = [
  { to: '/admin/users', label: 'Users', permission: 'users:manage' },
  { to: '/admin/roles', label: 'Roles', permission: 'users:manage' },
  { to: '/admin/organizations', label: 'Organizations' },
  { to: '/admin/auth-sources', label: 'Auth sources', permission: 'settings:manage', everywhere: true },
  { to: '/admin/tokens', label: 'API tokens' },
  { to: '/admin/alerts', label: 'Alert rules and channels', permission: 'alerts:manage' },
  { to: '/admin/audit', label: 'Audit log', permission: 'audit:read' },
];

export function useVisible() {
  const session = useSession();
  return (item: Item) =>
    !item.permission || (item.everywhere ? session.canEverywhere(item.permission) : session.can(item.permission));
}

export function AppShell({ children }: { children: ReactNode }) {
  const session = useSession();
  const visible = useVisible();
  const location = useLocation();
  const active = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname.startsWith(to));
  const items = (list: Item[]) =>
    list.filter(visible).map((i) => (
      <NavItem key={i.to} isActive={active(i.to)}>
        <NavLink to={i.to}>{i.label}</NavLink>
      </NavItem>
    ));

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton variant="plain" aria-label="Navigation">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component="a" href="/">
            <strong style={{ fontSize: '1.25rem' }}>Octofleet</strong>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: 'alignEnd' }}>
              <ToolbarItem>
                <span data-testid="signed-in-as">{session.me.user.displayName || session.me.user.username}</span>
              </ToolbarItem>
              <ToolbarItem>
                <Button variant="secondary" size="sm" onClick={() => void session.logout()}>
                  Sign out
                </Button>
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );

  const admin = items(ADMIN);
  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Main">
          <NavList>{items(FLEET)}</NavList>
          {admin.length > 0 && (
            <NavGroup title="Administration">{admin}</NavGroup>
          )}
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <Page masthead={masthead} sidebar={sidebar} isManagedSidebar>
      {children}
    </Page>
  );
}
