import {
  Button,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Pagination,
  SearchInput,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from '@patternfly/react-table';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, describeError, get, qs } from '../api/client';
import type { FleetNode, Group, Page } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { RuleProblemText, ruleProblemOf } from '../components/RuleEditor';
import { ago, osLabel } from '../components/format';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

const SORTS = ['hostname', 'status', 'lastSeen', 'enrolledAt'] as const;
const LIVE_MS = 5_000;

export function StatusLabel({ status }: { status: string }) {
  return (
    <Label color={status === 'online' ? 'green' : 'grey'} isCompact data-testid="node-status">
      {status}
    </Label>
  );
}

/**
 * The fleet, searched, filtered, sorted and paged by the server (one page of rows travels, however large the
 * fleet), refreshed every few seconds so nodes going online or offline show without a reload.
 */
export function NodesPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const group = params.get('group') ?? '';
  const tag = params.get('tag') ?? '';
  const rule = params.get('query') ?? '';
  const sort = params.get('sort') ?? 'hostname';
  const page = Number(params.get('page') ?? '0');
  const size = Number(params.get('size') ?? '50');
  const [ruleDraft, setRuleDraft] = useState(rule);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<'tag' | 'group' | null>(null);

  const set = (changes: Record<string, string | number | null>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') {
        next.delete(k);
      } else {
        next.set(k, String(v));
      }
    }
    if (!keepPage) {
      next.delete('page');
    }
    setParams(next, { replace: true });
  };

  const groups = useApi((s) => get<Page<Group>>('/api/v1/groups', s), []);
  const base = group ? `/api/v1/groups/${group}/nodes` : '/api/v1/nodes';
  const nodes = useApi(
    (s) => get<Page<FleetNode>>(`${base}${qs({ q, status, tag, query: rule, sort, page, size })}`, s),
    [base, q, status, tag, rule, sort, page, size],
    LIVE_MS,
  );

  useEffect(() => setRuleDraft(rule), [rule]);

  const ruleError = nodes.error && rule ? ruleProblemOf(nodes.error) : null;
  const items = nodes.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((n) => selected.has(n.id));

  const sortBy = (column: (typeof SORTS)[number]): ThProps['sort'] => ({
    sortBy: {
      index: SORTS.indexOf(sort.replace('-', '') as (typeof SORTS)[number]),
      direction: sort.startsWith('-') ? 'desc' : 'asc',
    },
    onSort: (_e, _i, direction) => set({ sort: direction === 'desc' ? `-${column}` : column }),
    columnIndex: SORTS.indexOf(column),
  });

  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) {
      next.add(id);
    } else {
      next.delete(id);
    }
    setSelected(next);
  };

  const canWrite = session.can('nodes:write');
  const canGroups = session.can('groups:write');
  const canRun = session.can('jobs:run');

  return (
    <>
      <PageHeader title="Nodes" description="Search by hostname, id prefix, IP or MAC; filter with a targeting rule. The list updates live." />
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <SearchInput aria-label="Search nodes" placeholder="hostname, id, IP or MAC" value={q}
                onChange={(_e, v) => set({ q: v })} onClear={() => set({ q: null })} />
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect aria-label="Status" value={status} onChange={(_e, v) => set({ status: v })}>
                <FormSelectOption value="" label="Any status" />
                <FormSelectOption value="online" label="Online" />
                <FormSelectOption value="offline" label="Offline" />
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect aria-label="Group" value={group} onChange={(_e, v) => set({ group: v })}>
                <FormSelectOption value="" label="Any group" />
                {(groups.data?.items ?? []).map((g) => (
                  <FormSelectOption key={g.id} value={g.id} label={`${g.name} (${g.kind})`} />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <TextInput aria-label="Tag" placeholder="tag" value={tag} onChange={(_e, v) => set({ tag: v.trim() })}
                style={{ width: 120 }} />
            </ToolbarItem>
            <ToolbarItem style={{ flex: '1 1 320px' }}>
              <form style={{ width: '100%' }} onSubmit={(e) => { e.preventDefault(); set({ query: ruleDraft }); }}>
                <TextInput aria-label="Rule" placeholder='rule, e.g. gpu.count >= 1 and os.family = "linux" (Enter)'
                  value={ruleDraft} onChange={(_e, v) => setRuleDraft(v)} validated={ruleError ? 'error' : 'default'}
                  onBlur={() => ruleDraft !== rule && set({ query: ruleDraft })}
                  style={{ fontFamily: 'var(--pf-t--global--font--family--mono, monospace)' }} />
              </form>
            </ToolbarItem>
            <ToolbarGroup align={{ default: 'alignEnd' }}>
              {selected.size > 0 && (
                <>
                  <ToolbarItem><span>{selected.size} selected</span></ToolbarItem>
                  {canRun && (
                    <ToolbarItem>
                      <Button onClick={() => navigate('/jobs/new', { state: { nodeIds: [...selected] } })}>Run a job</Button>
                    </ToolbarItem>
                  )}
                  {canWrite && <ToolbarItem><Button variant="secondary" onClick={() => setBulk('tag')}>Add tag</Button></ToolbarItem>}
                  {canGroups && <ToolbarItem><Button variant="secondary" onClick={() => setBulk('group')}>Add to group</Button></ToolbarItem>}
                  <ToolbarItem><Button variant="link" onClick={() => setSelected(new Set())}>Clear</Button></ToolbarItem>
                </>
              )}
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
        {ruleError ? (
          <div data-testid="rule-error" style={{ color: 'var(--pf-t--global--text--color--status--danger--default, #c9190b)', marginBottom: 8 }}>
            <RuleProblemText rule={rule} problem={ruleError} />
          </div>
        ) : (
          <ProblemAlert error={nodes.error} title="The nodes could not be loaded" />
        )}
        {!nodes.data && nodes.loading && <Loading what="nodes" />}
        {nodes.data && nodes.data.total === 0 && !q && !status && !group && !tag && !rule && (
          <Empty title="No nodes yet"
            action={session.can('enrollment:manage') && <Button component={(p) => <Link {...p} to="/enrollment" />}>Create an enrollment token</Button>}>
            Enroll a host: create an enrollment token and run its join command there.
          </Empty>
        )}
        {nodes.data && nodes.data.total === 0 && (q || status || group || tag || rule) && (
          <Empty title="No node matches these filters" action={<Button variant="link" onClick={() => setParams(new URLSearchParams())}>Clear all filters</Button>} />
        )}
        {nodes.data && nodes.data.total > 0 && (
          <>
            <Table aria-label="Nodes" variant="compact" data-testid="nodes-table">
              <Thead>
                <Tr>
                  <Th select={{ onSelect: (_e, on) => {
                    const next = new Set(selected);
                    items.forEach((n) => (on ? next.add(n.id) : next.delete(n.id)));
                    setSelected(next);
                  }, isSelected: allOnPage }} aria-label="Select all on this page" />
                  <Th sort={sortBy('hostname')}>Hostname</Th>
                  <Th sort={sortBy('status')}>Status</Th>
                  <Th sort={sortBy('lastSeen')}>Last seen</Th>
                  <Th>Operating system</Th>
                  <Th>Organization</Th>
                  <Th>Tags</Th>
                  <Th>Agent</Th>
                </Tr>
              </Thead>
              <Tbody>
                {items.map((n, i) => (
                  <Tr key={n.id} data-node-id={n.id}>
                    <Td select={{ rowIndex: i, onSelect: (_e, on) => toggle(n.id, on), isSelected: selected.has(n.id) }} />
                    <Td dataLabel="Hostname"><Link to={`/nodes/${n.id}`}>{n.hostname}</Link></Td>
                    <Td dataLabel="Status"><StatusLabel status={n.status} /></Td>
                    <Td dataLabel="Last seen">{ago(n.lastSeen)}</Td>
                    <Td dataLabel="Operating system">{osLabel(n.os)}</Td>
                    <Td dataLabel="Organization">{n.organization}</Td>
                    <Td dataLabel="Tags">
                      <LabelGroup numLabels={4}>
                        {n.tags.map((t) => (
                          <Label key={t} isCompact onClick={() => set({ tag: t })}>{t}</Label>
                        ))}
                      </LabelGroup>
                    </Td>
                    <Td dataLabel="Agent">{n.agentVersion}{n.agentKind === 'legacy' && <> <Label isCompact color="orange">legacy</Label></>}</Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            <Pagination itemCount={nodes.data.total} page={page + 1} perPage={size} perPageOptions={[
              { title: '50', value: 50 }, { title: '100', value: 100 }, { title: '500', value: 500 }]}
              onSetPage={(_e, p) => set({ page: p - 1 }, true)} onPerPageSelect={(_e, s) => set({ size: s })} />
          </>
        )}
      </PageSection>
      {bulk === 'tag' && <AddTagModal nodes={items.filter((n) => selected.has(n.id))} ids={[...selected]}
        onClose={(done) => { setBulk(null); if (done) { nodes.reload(); } }} />}
      {bulk === 'group' && <AddToGroupModal ids={[...selected]} groups={(groups.data?.items ?? []).filter((g) => g.kind === 'static')}
        onClose={(done) => { setBulk(null); if (done) { groups.reload(); } }} />}
    </>
  );
}

/** Adds one tag to every selected node, node by node (PUT replaces a node's tags), with progress. */
function AddTagModal({ ids, nodes, onClose }: { ids: string[]; nodes: FleetNode[]; onClose: (done: boolean) => void }) {
  const [tag, setTag] = useState('');
  const [done, setDone] = useState(0);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const known = new Map(nodes.map((n) => [n.id, n]));
  const addTag = async () => {
    setBusy(true);
    setErrors([]);
    const failed: string[] = [];
    for (const id of ids) {
      try {
        const current = known.get(id)?.tags ?? (await get<FleetNode>(`/api/v1/nodes/${id}`)).tags;
        await api('PUT', `/api/v1/nodes/${id}/tags`, { tags: [...new Set([...current, tag.trim()])] });
      } catch (e) {
        failed.push(`${known.get(id)?.hostname ?? id}: ${describeError(e)}`);
      }
      setDone((d) => d + 1);
    }
    setErrors(failed);
    setBusy(false);
    if (failed.length === 0) {
      onClose(true);
    }
  };
  return (
    <Modal isOpen variant="small" onClose={() => onClose(done > 0)} aria-labelledby="add-tag-title">
      <ModalHeader title={`Add a tag to ${ids.length} node${ids.length === 1 ? '' : 's'}`} labelId="add-tag-title" />
      <ModalBody>
        <TextInput aria-label="Tag" value={tag} onChange={(_e, v) => setTag(v)} placeholder="lab, gpu, rack:b7" />
        {busy && <p>Tagged {done} of {ids.length}…</p>}
        {errors.map((e) => <p key={e} style={{ color: '#c9190b' }}>{e}</p>)}
      </ModalBody>
      <ModalFooter>
        <Button onClick={addTag} isDisabled={!tag.trim() || busy} isLoading={busy}>Add tag</Button>
        <Button variant="link" onClick={() => onClose(done > 0)}>Close</Button>
      </ModalFooter>
    </Modal>
  );
}

/** Adds the selected nodes to a static group (its member list is replaced by the union). */
function AddToGroupModal({ ids, groups, onClose }: { ids: string[]; groups: Group[]; onClose: (done: boolean) => void }) {
  const [groupId, setGroupId] = useState(groups[0]?.id ?? '');
  const { busy, error, run } = useAction();
  const addToGroup = () => run(async () => {
    const g = await get<Group>(`/api/v1/groups/${groupId}`);
    await api('PUT', `/api/v1/groups/${groupId}`, {
      name: g.name, kind: 'static', nodeIds: [...new Set([...(g.nodeIds ?? []), ...ids])],
    });
    onClose(true);
  });
  return (
    <Modal isOpen variant="small" onClose={() => onClose(false)} aria-labelledby="add-group-title">
      <ModalHeader title={`Add ${ids.length} node${ids.length === 1 ? '' : 's'} to a static group`} labelId="add-group-title" />
      <ModalBody>
        {groups.length === 0 ? (
          <p>There is no static group yet; create one under Groups and tags.</p>
        ) : (
          <FormSelect aria-label="Static group" value={groupId} onChange={(_e, v) => setGroupId(v)}>
            {groups.map((g) => <FormSelectOption key={g.id} value={g.id} label={g.name} />)}
          </FormSelect>
        )}
        <ProblemAlert error={error} />
      </ModalBody>
      <ModalFooter>
        <Button onClick={addToGroup} isDisabled={!groupId || busy} isLoading={busy}>Add to group</Button>
        <Button variant="link" onClick={() => onClose(false)}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
