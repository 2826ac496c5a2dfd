import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Radio,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, get } from '../api/client';
import type { FleetNode, Group, Page } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { RuleEditor } from '../components/RuleEditor';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

export function GroupsPage() {
  const session = useSession();
  const groups = useApi((s) => get<Page<Group>>('/api/v1/groups', s), []);
  const tags = useApi((s) => get<{ items: { tag: string; nodes: number }[] }>('/api/v1/tags', s), []);
  const [editing, setEditing] = useState<Group | 'new' | null>(null);
  const { error, run } = useAction();
  const canWrite = session.can('groups:write');

  const remove = (g: Group) => window.confirm(`Delete the group "${g.name}"? Its nodes stay; its parameters and alert rules go.`)
    && run(async () => {
      await api('DELETE', `/api/v1/groups/${g.id}`);
      groups.reload();
    });

  return (
    <>
      <PageHeader title="Groups and tags"
        description="Static groups list their nodes; dynamic groups hold whatever their rule selects, evaluated on every read."
        actions={canWrite && <Button onClick={() => setEditing('new')}>Create a group</Button>} />
      <PageSection>
        <ProblemAlert error={error ?? groups.error} />
        {!groups.data && groups.loading && <Loading what="groups" />}
        {groups.data && groups.data.total === 0 && (
          <Empty title="No groups yet" action={canWrite && <Button onClick={() => setEditing('new')}>Create a group</Button>}>
            Group nodes to target jobs, set parameters and scope alert rules.
          </Empty>
        )}
        {groups.data && groups.data.total > 0 && (
          <Table variant="compact" aria-label="Groups">
            <Thead><Tr><Th>Name</Th><Th>Kind</Th><Th>Members</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {groups.data.items.map((g) => (
                <Tr key={g.id}>
                  <Td><Link to={`/nodes?group=${g.id}`}>{g.name}</Link></Td>
                  <Td><Label isCompact color={g.kind === 'dynamic' ? 'purple' : 'blue'}>{g.kind}</Label></Td>
                  <Td>{g.kind === 'dynamic' ? <code>{g.rule}</code> : `${g.nodeIds?.length ?? 0} nodes`}</Td>
                  <Td isActionCell>
                    {canWrite && <>
                      <Button variant="link" onClick={() => setEditing(g)}>Edit</Button>
                      <Button variant="link" isDanger onClick={() => remove(g)}>Delete</Button>
                    </>}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      <PageSection>
        <Card isCompact>
          <CardTitle>Tags</CardTitle>
          <CardBody>
            <ProblemAlert error={tags.error} />
            {tags.data && tags.data.items.length === 0 && <span>No node is tagged yet. Select nodes in the node list and choose "Add tag".</span>}
            {(tags.data?.items ?? []).map((t) => (
              <Label key={t.tag} style={{ margin: 4 }} render={({ className, content }) => (
                <Link to={`/nodes?tag=${encodeURIComponent(t.tag)}`} className={className}>{content}</Link>)}>
                {t.tag} · {t.nodes}
              </Label>
            ))}
          </CardBody>
        </Card>
      </PageSection>
      {editing && <GroupEditor group={editing === 'new' ? null : editing}
        onClose={(saved) => { setEditing(null); if (saved) { groups.reload(); } }} />}
    </>
  );
}

function GroupEditor({ group, onClose }: { group: Group | null; onClose: (saved: boolean) => void }) {
  const [name, setName] = useState(group?.name ?? '');
  const [kind, setKind] = useState<'static' | 'dynamic'>(group?.kind ?? 'dynamic');
  const [rule, setRule] = useState(group?.rule ?? '');
  const [nodeIds, setNodeIds] = useState<string[]>(group?.nodeIds ?? []);
  const [search, setSearch] = useState('');
  const { busy, error, run } = useAction();
  const found = useApi((s) => (search.trim() ? get<Page<FleetNode>>(`/api/v1/nodes?q=${encodeURIComponent(search)}&size=8`, s)
    : Promise.resolve(undefined)), [search]);
  const members = useApi((s) => (group && group.kind === 'static' ? get<Page<FleetNode>>(`/api/v1/groups/${group.id}/nodes?size=500`, s)
    : Promise.resolve(undefined)), [group?.id]);
  const [names, setNames] = useState<Record<string, string>>({});
  const label = (id: string) => names[id] ?? members.data?.items.find((n) => n.id === id)?.hostname ?? id.slice(0, 8);

  const save = () => run(async () => {
    const body = kind === 'dynamic' ? { name, kind, rule } : { name, kind, nodeIds };
    if (group) {
      await api('PUT', `/api/v1/groups/${group.id}`, body);
    } else {
      await api('POST', '/api/v1/groups', body);
    }
    onClose(true);
  });

  return (
    <Modal isOpen variant="medium" onClose={() => onClose(false)} aria-labelledby="group-editor-title">
      <ModalHeader title={group ? `Edit ${group.name}` : 'Create a group'} labelId="group-editor-title" />
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <FormGroup label="Name" isRequired fieldId="group-name">
            <TextInput id="group-name" value={name} onChange={(_e, v) => setName(v)} />
          </FormGroup>
          <FormGroup label="Kind" isInline role="radiogroup" fieldId="group-kind">
            <Radio id="group-dynamic" name="group-kind" label="Dynamic (rule)" isChecked={kind === 'dynamic'} onChange={() => setKind('dynamic')} />
            <Radio id="group-static" name="group-kind" label="Static (listed nodes)" isChecked={kind === 'static'} onChange={() => setKind('static')} />
          </FormGroup>
          {kind === 'dynamic' ? (
            <RuleEditor id="group-rule" label="Rule" value={rule} onChange={setRule} />
          ) : (
            <FormGroup label="Members" fieldId="group-member-search">
              <div style={{ marginBottom: 8 }}>
                {nodeIds.length === 0 && <span>No members yet.</span>}
                {nodeIds.map((id) => <Label key={id} onClose={() => setNodeIds(nodeIds.filter((x) => x !== id))} style={{ marginRight: 4 }}>{label(id)}</Label>)}
              </div>
              <TextInput id="group-member-search" value={search} onChange={(_e, v) => setSearch(v)} placeholder="find a node to add" />
              {(found.data?.items ?? []).filter((n) => !nodeIds.includes(n.id)).map((n) => (
                <Button key={n.id} variant="link" isInline style={{ marginRight: 12 }} onClick={() => {
                  setNodeIds([...nodeIds, n.id]);
                  setNames({ ...names, [n.id]: n.hostname });
                  setSearch('');
                }}>+ {n.hostname}</Button>
              ))}
            </FormGroup>
          )}
          <ProblemAlert error={error} title="The group was not saved" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button onClick={save} isLoading={busy} isDisabled={busy || !name.trim() || (kind === 'dynamic' && !rule.trim())}>Save</Button>
        <Button variant="link" onClick={() => onClose(false)}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
