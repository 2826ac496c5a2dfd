import { Button, Label, PageSection, Pagination, TextInput, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { get, qs } from '../api/client';
import type { Page } from '../api/types';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { when } from '../components/format';
import { useApi } from '../components/useApi';

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  organization: string | null;
  sourceAddress: string | null;
  result: string;
  httpStatus: number | null;
  details: string | null;
  before: unknown;
  after: unknown;
}

/** datetime-local (local time, no zone) → ISO instant, or undefined. */
function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const actor = params.get('actor') ?? '';
  const action = params.get('action') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const page = Number(params.get('page') ?? '1'); // the audit API counts pages from 1
  const size = 100;
  const [open, setOpen] = useState<Set<number>>(new Set());
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) {
      next.set(k, v);
    } else {
      next.delete(k);
    }
    if (k !== 'page') {
      next.delete('page');
    }
    setParams(next, { replace: true });
  };
  const entries = useApi((s) => get<Page<AuditEntry>>(`/api/v1/audit${qs({ actor, action, from: instant(from), to: instant(to), page, size })}`, s),
    [actor, action, from, to, page]);
  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in and every change, newest first. Entries cannot be changed or deleted." />
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem><TextInput aria-label="Actor" placeholder="actor" value={actor} onChange={(_e, v) => set('actor', v)} /></ToolbarItem>
            <ToolbarItem><TextInput aria-label="Action" placeholder="action, e.g. login_failed" value={action} onChange={(_e, v) => set('action', v)} /></ToolbarItem>
            <ToolbarItem><TextInput aria-label="From" type="datetime-local" value={from} onChange={(_e, v) => set('from', v)} /></ToolbarItem>
            <ToolbarItem><TextInput aria-label="To" type="datetime-local" value={to} onChange={(_e, v) => set('to', v)} /></ToolbarItem>
            <ToolbarItem><Button variant="link" onClick={() => setParams(new URLSearchParams())}>Clear</Button></ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ProblemAlert error={entries.error} />
        {!entries.data && entries.loading && <Loading what="the audit log" />}
        {entries.data && entries.data.total === 0 && <Empty title="No entries match" />}
        {entries.data && entries.data.total > 0 && (
          <>
            <Table variant="compact" aria-label="Audit log">
              <Thead><Tr><Th screenReaderText="Details" /><Th>When</Th><Th>Actor</Th><Th>Action</Th><Th>Target</Th><Th>Result</Th><Th>From</Th></Tr></Thead>
              {entries.data.items.map((e, i) => {
                const expandable = !!(e.details || e.before || e.after);
                const isOpen = open.has(e.id);
                return (
                  <Tbody key={e.id} isExpanded={isOpen}>
                    <Tr>
                      <Td expand={expandable ? { rowIndex: i, isExpanded: isOpen, onToggle: () => {
                        const next = new Set(open);
                        if (isOpen) { next.delete(e.id); } else { next.add(e.id); }
                        setOpen(next);
                      } } : undefined} />
                      <Td>{when(e.at)}</Td><Td>{e.actor}</Td><Td><code>{e.action}</code></Td><Td><small>{e.target}</small></Td>
                      <Td><Label isCompact color={e.result === 'success' ? 'green' : 'red'}>{e.result}{e.httpStatus ? ` ${e.httpStatus}` : ''}</Label></Td>
                      <Td>{e.sourceAddress}</Td>
                    </Tr>
                    {expandable && (
                      <Tr isExpanded={isOpen}>
                        <Td colSpan={7}>
                          <ExpandableRowContent>
                            {e.details && <p>{e.details}</p>}
                            {(e.before !== null || e.after !== null) && (
                              <pre style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre>
                            )}
                          </ExpandableRowContent>
                        </Td>
                      </Tr>
                    )}
                  </Tbody>
                );
              })}
            </Table>
            <Pagination itemCount={entries.data.total} page={page} perPage={size} perPageOptions={[{ title: '100', value: 100 }]}
              onSetPage={(_e, p) => set('page', String(p))} />
          </>
        )}
      </PageSection>
    </>
  );
}
