import {
  Alert,
  Button,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Label,
  List,
  ListItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { Page } from '../api/types';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

interface AuthSource {
  id: string;
  name: string;
  type: 'ldap' | 'oidc';
  enabled: boolean;
  position: number;
  settings: Record<string, unknown>;
  secretSet: boolean;
}

interface TestResult {
  ok: boolean;
  failedStep: string | null;
  steps: { step: string; outcome: string; message: string }[];
}

const TEMPLATES: Record<string, object> = {
  ldap: {
    directory: 'openldap', urls: ['ldaps://ldap.example.org:636'], security: 'ldaps',
    bindDn: 'cn=octofleet,ou=services,dc=example,dc=org', bindPassword: '',
    userBaseDn: 'ou=people,dc=example,dc=org', groupBaseDn: 'ou=groups,dc=example,dc=org',
  },
  oidc: {
    issuer: 'https://sso.example.org/realms/fleet', clientId: 'octofleet', clientSecret: '',
    redirectUri: `${window.location.origin}/api/v1/auth/oidc/<name>/callback`, groupsClaim: 'groups',
  },
};

export function AuthSourcesPage() {
  const sources = useApi((s) => get<Page<AuthSource>>('/api/v1/auth-sources', s), []);
  const [editing, setEditing] = useState<AuthSource | 'new' | null>(null);
  const [testing, setTesting] = useState<AuthSource | null>(null);
  const { error, run } = useAction();
  const remove = (s: AuthSource) => window.confirm(`Delete the auth source ${s.name}? Its users can no longer sign in through it.`) && run(async () => {
    await api('DELETE', `/api/v1/auth-sources/${s.id}`);
    sources.reload();
  });
  return (
    <>
      <PageHeader title="Auth sources" description="LDAP / Active Directory and OIDC single sign-on providers, tried in position order. Secrets are write-only."
        actions={<Button onClick={() => setEditing('new')}>Add a source</Button>} />
      <PageSection>
        <ProblemAlert error={error ?? sources.error} />
        {!sources.data && sources.loading && <Loading what="auth sources" />}
        {sources.data && sources.data.total === 0 && <Empty title="Only local accounts sign in">Add an LDAP directory or an OIDC provider (docs/auth.md has Keycloak, Entra ID and AD walk-throughs).</Empty>}
        {sources.data && sources.data.total > 0 && (
          <Table variant="compact" aria-label="Auth sources">
            <Thead><Tr><Th>Name</Th><Th>Type</Th><Th>Position</Th><Th>State</Th><Th>Where</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {sources.data.items.map((s) => (
                <Tr key={s.id}>
                  <Td>{s.name}</Td><Td>{s.type}</Td><Td>{s.position}</Td>
                  <Td><Label isCompact color={s.enabled ? 'green' : 'grey'}>{s.enabled ? 'enabled' : 'disabled'}</Label></Td>
                  <Td><small>{String(s.settings.issuer ?? (s.settings.urls as string[] | undefined)?.join(', ') ?? '')}</small></Td>
                  <Td isActionCell>
                    <Button variant="link" onClick={() => setTesting(s)}>Test</Button>
                    <Button variant="link" onClick={() => setEditing(s)}>Edit</Button>
                    <Button variant="link" isDanger onClick={() => remove(s)}>Delete</Button>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {editing && <SourceEditor source={editing === 'new' ? null : editing} onClose={(saved) => { setEditing(null); if (saved) { sources.reload(); } }} />}
      {testing && <SourceTest source={testing} onClose={() => setTesting(null)} />}
    </>
  );
}

function SourceEditor({ source, onClose }: { source: AuthSource | null; onClose: (saved: boolean) => void }) {
  const [name, setName] = useState(source?.name ?? '');
  const [type, setType] = useState<'ldap' | 'oidc'>(source?.type ?? 'ldap');
  const [enabled, setEnabled] = useState(source?.enabled ?? true);
  const [position, setPosition] = useState(String(source?.position ?? 10));
  const [settings, setSettings] = useState(JSON.stringify(source?.settings ?? TEMPLATES.ldap, null, 2));
  const { error, run } = useAction();
  let parsed: unknown;
  let jsonError: string | null = null;
  try {
    parsed = JSON.parse(settings);
  } catch (e) {
    jsonError = (e as Error).message;
  }
  const save = () => run(async () => {
    const body = { name, type, enabled, position: Number(position), settings: parsed };
    if (source) {
      await api('PUT', `/api/v1/auth-sources/${source.id}`, body);
    } else {
      await api('POST', '/api/v1/auth-sources', body);
    }
    onClose(true);
  });
  return (
    <Modal isOpen variant="medium" onClose={() => onClose(false)} aria-labelledby="source-editor-title">
      <ModalHeader title={source ? `Edit ${source.name}` : 'Add an auth source'} labelId="source-editor-title" />
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <FormGroup label="Name" isRequired fieldId="source-name"><TextInput id="source-name" value={name} onChange={(_e, v) => setName(v)} /></FormGroup>
          {!source && (
            <FormGroup label="Type" fieldId="source-type">
              <FormSelect id="source-type" value={type} onChange={(_e, v) => {
                setType(v as 'ldap' | 'oidc');
                setSettings(JSON.stringify(TEMPLATES[v], null, 2));
              }}>
                <FormSelectOption value="ldap" label="LDAP / Active Directory" />
                <FormSelectOption value="oidc" label="OIDC single sign-on" />
              </FormSelect>
            </FormGroup>
          )}
          <FormGroup label="Position (lower is tried first)" fieldId="source-position"><TextInput id="source-position" type="number" value={position} onChange={(_e, v) => setPosition(v)} /></FormGroup>
          <Checkbox id="source-enabled" label="Enabled" isChecked={enabled} onChange={(_e, v) => setEnabled(v)} />
          <FormGroup label="Settings (JSON)" fieldId="source-settings">
            <TextArea id="source-settings" value={settings} onChange={(_e, v) => setSettings(v)} rows={12}
              style={{ fontFamily: 'var(--pf-t--global--font--family--mono, monospace)' }} validated={jsonError ? 'error' : 'default'} />
            <FormHelperText><HelperText><HelperTextItem variant={jsonError ? 'error' : 'default'}>
              {jsonError ?? `The settings are described in docs/auth.md. ${source?.secretSet ? 'A secret is set; leave it out to keep it.' : ''}`}
            </HelperTextItem></HelperText></FormHelperText>
          </FormGroup>
          <ProblemAlert error={error} title="The source was not saved" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button onClick={save} isDisabled={!name.trim() || !!jsonError}>Save</Button>
        <Button variant="link" onClick={() => onClose(false)}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}

/** The diagnose action: each step (connect, bind, find the user, groups; or discovery) with what happened. */
function SourceTest({ source, onClose }: { source: AuthSource; onClose: () => void }) {
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<TestResult>();
  const { busy, error, run } = useAction();
  const test = () => run(async () => {
    setResult(await api<TestResult>('POST', `/api/v1/auth-sources/${source.id}/test`, username ? { username } : {}));
  });
  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="source-test-title">
      <ModalHeader title={`Test ${source.name}`} labelId="source-test-title" />
      <ModalBody>
        {source.type === 'ldap' && (
          <FormGroup label="Look up this user (optional)" fieldId="test-user">
            <TextInput id="test-user" value={username} onChange={(_e, v) => setUsername(v)} />
          </FormGroup>
        )}
        <ProblemAlert error={error} />
        {result && (
          <Alert variant={result.ok ? 'success' : 'danger'} isInline title={result.ok ? 'Every step passed' : `Failed at ${result.failedStep}`} style={{ marginTop: 16 }}>
            <List>{result.steps.map((s) => <ListItem key={s.step}><strong>{s.step}</strong> ({s.outcome}): {s.message}</ListItem>)}</List>
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button onClick={test} isLoading={busy} isDisabled={busy}>Run the test</Button>
        <Button variant="link" onClick={onClose}>Close</Button>
      </ModalFooter>
    </Modal>
  );
}
