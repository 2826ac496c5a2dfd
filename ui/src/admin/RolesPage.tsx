import { Button, Checkbox, Form, FormGroup, Label, Modal, ModalBody, ModalFooter, ModalHeader, PageSection, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { Page } from '../api/types';
import { useSession } from '../auth/session';
import { Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

interface Role {
  name: string;
  description: string;
  permissions: string[];
  builtin: boolean;
}

export const PERMISSIONS = [
  'nodes:read', 'nodes:write', 'groups:read', 'groups:write', 'parameters:read', 'parameters:write', 'jobs:read',
  'jobs:run', 'schedules:manage', 'enrollment:manage', 'users:manage', 'audit:read', 'settings:manage',
  'alerts:manage', 'server:metrics',
];

export function RolesPage() {
  const session = useSession();
  const roles = useApi((s) => get<Page<Role>>('/api/v1/roles', s), []);
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const { error, run } = useAction();
  const canEdit = session.canEverywhere('settings:manage');
  const remove = (r: Role) => window.confirm(`Delete the role ${r.name}?`) && run(async () => {
    await api('DELETE', `/api/v1/roles/${encodeURIComponent(r.name)}`);
    roles.reload();
  });
  return (
    <>
      <PageHeader title="Roles" description="A role is a set of permissions; users hold roles per organization (or narrowed to a node group)."
        actions={canEdit && <Button onClick={() => setEditing('new')}>Create a role</Button>} />
      <PageSection>
        <ProblemAlert error={error ?? roles.error} />
        {!roles.data && <Loading what="roles" />}
        {roles.data && (
          <Table variant="compact" aria-label="Roles">
            <Thead><Tr><Th>Role</Th><Th>Permissions</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {roles.data.items.map((r) => (
                <Tr key={r.name}>
                  <Td>{r.name} {r.builtin && <Label isCompact>built in</Label>}<div><small>{r.description}</small></div></Td>
                  <Td>{r.permissions.map((p) => <Label key={p} isCompact style={{ margin: 2 }}>{p}</Label>)}</Td>
                  <Td isActionCell>{canEdit && !r.builtin && <>
                    <Button variant="link" onClick={() => setEditing(r)}>Edit</Button>
                    <Button variant="link" isDanger onClick={() => remove(r)}>Delete</Button>
                  </>}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {editing && <RoleEditor role={editing === 'new' ? null : editing} onClose={(saved) => { setEditing(null); if (saved) { roles.reload(); } }} />}
    </>
  );
}

function RoleEditor({ role, onClose }: { role: Role | null; onClose: (saved: boolean) => void }) {
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [permissions, setPermissions] = useState<string[]>(role?.permissions ?? ['nodes:read']);
  const { error, run } = useAction();
  const save = () => run(async () => {
    const body = { name, description, permissions };
    if (role) {
      await api('PUT', `/api/v1/roles/${encodeURIComponent(role.name)}`, body);
    } else {
      await api('POST', '/api/v1/roles', body);
    }
    onClose(true);
  });
  return (
    <Modal isOpen variant="small" onClose={() => onClose(false)} aria-labelledby="role-editor-title">
      <ModalHeader title={role ? `Edit ${role.name}` : 'Create a role'} labelId="role-editor-title" />
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <FormGroup label="Name" isRequired fieldId="role-name"><TextInput id="role-name" value={name} onChange={(_e, v) => setName(v)} /></FormGroup>
          <FormGroup label="Description" fieldId="role-description"><TextInput id="role-description" value={description} onChange={(_e, v) => setDescription(v)} /></FormGroup>
          <FormGroup label="Permissions" fieldId="role-permissions">
            {PERMISSIONS.map((p) => (
              <Checkbox key={p} id={`perm-${p}`} label={p} isChecked={permissions.includes(p)}
                onChange={(_e, on) => setPermissions(on ? [...permissions, p] : permissions.filter((x) => x !== p))} />
            ))}
          </FormGroup>
          <ProblemAlert error={error} title="The role was not saved" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button onClick={save} isDisabled={!name.trim()}>Save</Button>
        <Button variant="link" onClick={() => onClose(false)}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
