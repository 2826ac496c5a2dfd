import { Alert, Button, Checkbox, ClipboardCopy, Form, FormGroup, FormSelect, FormSelectOption, Label, PageSection, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { Page } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { ago, when } from '../components/format';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';
import { PERMISSIONS } from './RolesPage';

interface ApiToken {
  id: string;
  name: string;
  permissions: string[];
  organization: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  lastUsedFrom: string | null;
  revokedAt: string | null;
}

/** The signed-in user's own API tokens: a token can hold at most what its owner holds. */
export function TokensPage() {
  const session = useSession();
  const tokens = useApi((s) => get<Page<ApiToken>>('/api/v1/tokens', s), []);
  const [name, setName] = useState('');
  const [expiresIn, setExpiresIn] = useState('90d');
  const [permissions, setPermissions] = useState<string[]>([]);
  const [created, setCreated] = useState<string>();
  const { error, run } = useAction();
  const held = PERMISSIONS.filter((p) => session.can(p));
  const create = () => run(async () => {
    const t = await api<{ token: string }>('POST', '/api/v1/tokens', { name, expiresIn, ...(permissions.length ? { permissions } : {}) });
    setCreated(t.token);
    setName('');
    tokens.reload();
  });
  const revoke = (t: ApiToken) => run(async () => {
    await api('DELETE', `/api/v1/tokens/${t.id}`);
    tokens.reload();
  });
  return (
    <>
      <PageHeader title="API tokens" description="Tokens for scripts and automation (Authorization: Bearer …). Only a hash is stored; a token is shown once." />
      <PageSection>
        <Form isHorizontal onSubmit={(e) => { e.preventDefault(); void create(); }} style={{ maxWidth: 760 }}>
          <FormGroup label="Name" isRequired fieldId="token-name"><TextInput id="token-name" value={name} onChange={(_e, v) => setName(v)} /></FormGroup>
          <FormGroup label="Expires in" fieldId="token-expiry">
            <FormSelect id="token-expiry" value={expiresIn} onChange={(_e, v) => setExpiresIn(v)}>
              {['1d', '7d', '30d', '90d', '365d'].map((d) => <FormSelectOption key={d} value={d} label={d} />)}
            </FormSelect>
          </FormGroup>
          <FormGroup label="Limit to (none: everything you hold)" fieldId="token-permissions">
            {held.map((p) => <Checkbox key={p} id={`token-perm-${p}`} label={p} isChecked={permissions.includes(p)}
              onChange={(_e, on) => setPermissions(on ? [...permissions, p] : permissions.filter((x) => x !== p))} />)}
          </FormGroup>
          <Button type="submit" isDisabled={!name.trim()} style={{ width: 'fit-content' }}>Create token</Button>
        </Form>
        <ProblemAlert error={error} />
        {created && (
          <Alert variant="success" isInline title="Copy the token now; it is not shown again" style={{ marginTop: 16 }}>
            <ClipboardCopy isReadOnly>{created}</ClipboardCopy>
          </Alert>
        )}
      </PageSection>
      <PageSection>
        <ProblemAlert error={tokens.error} />
        {tokens.data && tokens.data.total === 0 && <Empty title="You have no API tokens" />}
        {tokens.data && tokens.data.total > 0 && (
          <Table variant="compact" aria-label="API tokens">
            <Thead><Tr><Th>Name</Th><Th>Scope</Th><Th>Expires</Th><Th>Last used</Th><Th>State</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {tokens.data.items.map((t) => (
                <Tr key={t.id}>
                  <Td>{t.name}</Td>
                  <Td>{t.permissions.length ? t.permissions.join(', ') : 'everything the owner holds'}{t.organization && ` in ${t.organization}`}</Td>
                  <Td>{when(t.expiresAt)}</Td>
                  <Td>{ago(t.lastUsedAt)}{t.lastUsedFrom && ` from ${t.lastUsedFrom}`}</Td>
                  <Td><Label isCompact color={t.revokedAt ? 'grey' : 'green'}>{t.revokedAt ? 'revoked' : 'active'}</Label></Td>
                  <Td isActionCell>{!t.revokedAt && <Button variant="link" isDanger onClick={() => revoke(t)}>Revoke</Button>}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
    </>
  );
}
