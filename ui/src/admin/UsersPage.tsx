import {
  Button,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
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
import { api, get } from '../api/client';
import type { Page, User } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { ago } from '../components/format';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

interface BindingDraft {
  role: string;
  organization: string;
  /** A binding narrowed to a node group (kept as it is; narrowing is set through the API). */
  group: string | null;
}

export function UsersPage() {
  const session = useSession();
  const users = useApi((s) => get<Page<User>>('/api/v1/users', s), []);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const { error, run } = useAction();

  const setDisabled = (u: User, disabled: boolean) => run(async () => {
    await api('PUT', `/api/v1/users/${u.id}`, { disabled });
    users.reload();
  });
  const remove = (u: User) => window.confirm(`Delete the user ${u.username}? Their sessions and API tokens stop working.`)
    && run(async () => {
      await api('DELETE', `/api/v1/users/${u.id}`);
      users.reload();
    });

  return (
    <>
      <PageHeader title="Users" description="Local, directory (LDAP) and SSO accounts, service accounts, and the roles they hold in each organization."
        actions={<Button onClick={() => setEditing('new')}>Create a user</Button>} />
      <PageSection>
        <ProblemAlert error={error ?? users.error} />
        {!users.data && users.loading && <Loading what="users" />}
        {users.data && users.data.total === 0 && <Empty title="No users" />}
        {users.data && users.data.total > 0 && (
          <Table variant="compact" aria-label="Users">
            <Thead><Tr><Th>Username</Th><Th>Name</Th><Th>Kind</Th><Th>Roles</Th><Th>Last login</Th><Th>State</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {users.data.items.map((u) => (
                <Tr key={u.id}>
                  <Td>{u.username}</Td>
                  <Td>{u.displayName}{u.email && <div><small>{u.email}</small></div>}</Td>
                  <Td>{u.kind}{u.source && ` (${u.source})`}</Td>
                  <Td>{u.roles.map((b, i) => (
                    <Label key={i} isCompact style={{ margin: 2 }} color={b.origin === 'direct' ? 'blue' : 'purple'}>
                      {b.role} in {b.organization}{b.group ? ` / group ${b.group.slice(0, 8)}` : ''}{b.origin !== 'direct' ? ` (${b.origin})` : ''}
                    </Label>))}</Td>
                  <Td>{ago(u.lastLoginAt)}</Td>
                  <Td><Label isCompact color={u.disabled ? 'grey' : 'green'}>{u.disabled ? 'disabled' : 'active'}</Label></Td>
                  <Td isActionCell>
                    <Button variant="link" onClick={() => setEditing(u)}>Edit</Button>
                    {u.id !== session.me.user.id && <>
                      <Button variant="link" onClick={() => setDisabled(u, !u.disabled)}>{u.disabled ? 'Enable' : 'Disable'}</Button>
                      <Button variant="link" isDanger onClick={() => remove(u)}>Delete</Button>
                    </>}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {editing && <UserEditor user={editing === 'new' ? null : editing} onClose={(saved) => { setEditing(null); if (saved) { users.reload(); } }} />}
    </>
  );
}

function UserEditor({ user, onClose }: { user: User | null; onClose: (saved: boolean) => void }) {
  const roles = useApi((s) => get<Page<{ name: string }>>('/api/v1/roles', s), []);
  const orgs = useApi((s) => get<Page<{ name: string }>>('/api/v1/organizations', s), []);
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [kind, setKind] = useState(user?.kind ?? 'human');
  const [bindings, setBindings] = useState<BindingDraft[]>(
    // Only direct bindings are edited here; those from directory or SSO group mappings follow the mappings.
    (user?.roles ?? []).filter((b) => b.origin === 'direct').map((b) => ({ role: b.role, organization: b.organization, group: b.group })));
  const { busy, error, run } = useAction();
  const roleNames = (roles.data?.items ?? []).map((r) => r.name);
  const orgNames = ['*', ...(orgs.data?.items ?? []).map((o) => o.name)];

  const save = () => run(async () => {
    const body: Record<string, unknown> = { displayName, email: email || null, roles: bindings };
    if (password) {
      body.password = password;
    }
    if (user) {
      await api('PUT', `/api/v1/users/${user.id}`, body);
    } else {
      await api('POST', '/api/v1/users', { ...body, username, kind });
    }
    onClose(true);
  });

  return (
    <Modal isOpen variant="medium" onClose={() => onClose(false)} aria-labelledby="user-editor-title">
      <ModalHeader title={user ? `Edit ${user.username}` : 'Create a user'} labelId="user-editor-title" />
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          {!user && (
            <>
              <FormGroup label="Username" isRequired fieldId="user-username">
                <TextInput id="user-username" value={username} onChange={(_e, v) => setUsername(v)} />
              </FormGroup>
              <FormGroup label="Kind" isInline role="radiogroup" fieldId="user-kind">
                <Radio id="user-kind-human" name="user-kind" label="Person" isChecked={kind === 'human'} onChange={() => setKind('human')} />
                <Radio id="user-kind-service" name="user-kind" label="Service account (API tokens only)" isChecked={kind === 'service'} onChange={() => setKind('service')} />
              </FormGroup>
            </>
          )}
          <FormGroup label="Display name" fieldId="user-display">
            <TextInput id="user-display" value={displayName} onChange={(_e, v) => setDisplayName(v)} />
          </FormGroup>
          <FormGroup label="Email" fieldId="user-email">
            <TextInput id="user-email" type="email" value={email} onChange={(_e, v) => setEmail(v)} />
          </FormGroup>
          {kind !== 'service' && (!user || user.kind === 'human') && (!user?.source) && (
            <FormGroup label={user ? 'New password (leave empty to keep)' : 'Password'} isRequired={!user} fieldId="user-password">
              <TextInput id="user-password" type="password" autoComplete="new-password" value={password} onChange={(_e, v) => setPassword(v)} />
            </FormGroup>
          )}
          <FormGroup label="Roles" fieldId="user-roles">
            {bindings.map((b, i) => (
              <div key={i} style={{ display: 'flex', gap: 8, marginBottom: 8 }}>
                <FormSelect aria-label="Role" value={b.role} onChange={(_e, v) => setBindings(bindings.map((x, j) => (j === i ? { ...x, role: v } : x)))}>
                  {roleNames.map((r) => <FormSelectOption key={r} value={r} label={r} />)}
                </FormSelect>
                <FormSelect aria-label="Organization" value={b.organization} onChange={(_e, v) => setBindings(bindings.map((x, j) => (j === i ? { ...x, organization: v } : x)))}>
                  {orgNames.map((o) => <FormSelectOption key={o} value={o} label={o === '*' ? 'every organization' : o} />)}
                </FormSelect>
                {b.group && <span style={{ alignSelf: 'center' }}>group {b.group.slice(0, 8)}</span>}
                <Button variant="link" isDanger onClick={() => setBindings(bindings.filter((_x, j) => j !== i))}>Remove</Button>
              </div>
            ))}
            <Button variant="link" isInline onClick={() => setBindings([...bindings, { role: roleNames.includes('viewer') ? 'viewer' : roleNames[0] ?? '', organization: orgNames[1] ?? '*', group: null }])}>
              + Add a role
            </Button>
          </FormGroup>
          <ProblemAlert error={error} title="The user was not saved" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button onClick={save} isLoading={busy} isDisabled={busy || (!user && !username.trim())}>Save</Button>
        <Button variant="link" onClick={() => onClose(false)}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
