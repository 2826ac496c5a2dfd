import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AsUser, fakeServer } from '../test-support';
import { NodesPage } from './NodesPage';

const node = (id: string, hostname: string, status: string) => ({
  id, hostname, status, organization: 'default', lastSeen: new Date().toISOString(), agentVersion: '0.1.0', agentKind: 'octofleet',
  os: { family: 'linux', name: 'Debian GNU/Linux', version: '12', kernel: '6.1', arch: 'amd64' },
  enrolledAt: '2026-01-01T00:00:00Z', tags: ['lab'],
});

function server() {
  return fakeServer((url) => {
    if (url.pathname === '/api/v1/groups') {
      return { body: { total: 0, items: [] } };
    }
    const items = [node('a', 'alpha', 'online'), node('b', 'bravo', 'offline')];
    return { body: { total: 120, items: url.searchParams.get('sort') === '-hostname' ? items.reverse() : items } };
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('NodesPage', () => {
  it('asks the server for one sorted page and sorts again on a header click', async () => {
    const s = server();
    vi.stubGlobal('fetch', s.fetchStub);
    render(<AsUser permissions={['nodes:read']}><NodesPage /></AsUser>);
    const table = await screen.findByTestId('nodes-table');
    expect(within(table).getAllByRole('link').map((a) => a.textContent)).toEqual(['alpha', 'bravo']);
    const first = s.requests.find((u) => u.pathname === '/api/v1/nodes')!;
    expect(first.searchParams.get('sort')).toBe('hostname');
    expect(first.searchParams.get('size')).toBe('50');

    await userEvent.click(within(table).getByRole('button', { name: 'Hostname' }));
    await screen.findByText('bravo');
    const last = s.requests.filter((u) => u.pathname === '/api/v1/nodes').at(-1)!;
    expect(last.searchParams.get('sort')).toBe('-hostname');
    expect(within(screen.getByTestId('nodes-table')).getAllByRole('link').map((a) => a.textContent)).toEqual(['bravo', 'alpha']);
  });

  it('offers bulk actions for selected nodes only as far as the user may act', async () => {
    vi.stubGlobal('fetch', server().fetchStub);
    const { unmount } = render(<AsUser permissions={['nodes:read', 'jobs:run', 'nodes:write']}><NodesPage /></AsUser>);
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select row 0' }));
    expect(screen.getByText('1 selected')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run a job' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add tag' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add to group' })).toBeNull();
    unmount();

    render(<AsUser permissions={['nodes:read']}><NodesPage /></AsUser>);
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select row 0' }));
    expect(screen.queryByRole('button', { name: 'Run a job' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add tag' })).toBeNull();
  });

  it('sends the filters to the server and says when nothing matches', async () => {
    const s = fakeServer((url) => (url.pathname === '/api/v1/groups'
      ? { body: { total: 0, items: [] } } : { body: { total: 0, items: [] } }));
    vi.stubGlobal('fetch', s.fetchStub);
    render(<AsUser permissions={['nodes:read']} route="/nodes?status=offline&tag=gpu"><NodesPage /></AsUser>);
    expect(await screen.findByText('No node matches these filters')).toBeInTheDocument();
    const req = s.requests.find((u) => u.pathname === '/api/v1/nodes')!;
    expect(req.searchParams.get('status')).toBe('offline');
    expect(req.searchParams.get('tag')).toBe('gpu');
  });
});
