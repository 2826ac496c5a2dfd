import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  ClipboardCopy,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  NumberInput,
  PageSection,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { Page } from '../api/types';
import { Empty, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { when } from '../components/format';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

interface EnrollmentToken {
  id: string;
  organization: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revokedAt: string | null;
  state: 'active' | 'used' | 'expired' | 'revoked';
}

interface Created {
  id: string;
  expiresAt: string;
  maxUses: number;
  joinCommand: string;
}

const TTLS = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86400 },
  { label: '7 days', seconds: 7 * 86400 },
  { label: '30 days', seconds: 30 * 86400 },
];

export function EnrollmentPage() {
  const tokens = useApi((s) => get<Page<EnrollmentToken>>('/api/v1/enrollment-tokens', s), []);
  const orgs = useApi((s) => get<Page<{ name: string }>>('/api/v1/organizations', s), []);
  const [organization, setOrganization] = useState('');
  const [ttl, setTtl] = useState(3600);
  const [uses, setUses] = useState(1);
  const [created, setCreated] = useState<Created>();
  const { busy, error, run } = useAction();

  const create = () => run(async () => {
    setCreated(await api<Created>('POST', '/api/v1/enrollment-tokens', {
      ttlSeconds: ttl, maxUses: uses, ...(organization ? { organization } : {}),
    }));
    tokens.reload();
  });

  const revoke = (t: EnrollmentToken) => run(async () => {
    await api('DELETE', `/api/v1/enrollment-tokens/${t.id}`);
    tokens.reload();
  });

  const orgList = orgs.data?.items ?? [];
  return (
    <>
      <PageHeader title="Enrollment" description="A token lets a host join once (or as often as its uses allow) until it expires; its join command pins this server's CA." />
      <PageSection>
        <Card isCompact>
          <CardTitle>Create an enrollment token</CardTitle>
          <CardBody>
            <Form isHorizontal onSubmit={(e) => { e.preventDefault(); void create(); }} style={{ maxWidth: 640 }}>
              {orgList.length > 1 && (
                <FormGroup label="Organization" fieldId="token-org">
                  <FormSelect id="token-org" value={organization} onChange={(_e, v) => setOrganization(v)}>
                    <FormSelectOption value="" label="(my default organization)" />
                    {orgList.map((o) => <FormSelectOption key={o.name} value={o.name} label={o.name} />)}
                  </FormSelect>
                </FormGroup>
              )}
              <FormGroup label="Valid for" fieldId="token-ttl">
                <FormSelect id="token-ttl" value={ttl} onChange={(_e, v) => setTtl(Number(v))}>
                  {TTLS.map((t) => <FormSelectOption key={t.seconds} value={t.seconds} label={t.label} />)}
                </FormSelect>
              </FormGroup>
              <FormGroup label="Uses" fieldId="token-uses">
                <NumberInput id="token-uses" value={uses} min={1} max={10000} onMinus={() => setUses(Math.max(1, uses - 1))}
                  onPlus={() => setUses(Math.min(10000, uses + 1))} onChange={(e) => setUses(Number((e.target as HTMLInputElement).value) || 1)}
                  inputAriaLabel="Uses" />
              </FormGroup>
              <Button type="submit" isLoading={busy} isDisabled={busy} style={{ width: 'fit-content' }}>Create token</Button>
            </Form>
            <ProblemAlert error={error} />
            {created && (
              <Alert variant="success" isInline title="Token created; copy the join command now: it is not shown again" style={{ marginTop: 16 }}>
                <p>Run this on the new host (valid until {when(created.expiresAt)}, {created.maxUses} use{created.maxUses === 1 ? '' : 's'}):</p>
                <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" data-testid="join-command">{created.joinCommand}</ClipboardCopy>
              </Alert>
            )}
          </CardBody>
        </Card>
      </PageSection>
      <PageSection>
        <ProblemAlert error={tokens.error} />
        {tokens.data && tokens.data.total === 0 && <Empty title="No enrollment tokens yet">Create one above to enroll your first host.</Empty>}
        {tokens.data && tokens.data.total > 0 && (
          <Table variant="compact" aria-label="Enrollment tokens">
            <Thead><Tr><Th>Created</Th><Th>By</Th><Th>Organization</Th><Th>Expires</Th><Th>Uses</Th><Th>State</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {tokens.data.items.map((t) => (
                <Tr key={t.id}>
                  <Td>{when(t.createdAt)}</Td><Td>{t.createdBy}</Td><Td>{t.organization}</Td><Td>{when(t.expiresAt)}</Td>
                  <Td>{t.uses} / {t.maxUses}</Td>
                  <Td><Label isCompact color={t.state === 'active' ? 'green' : 'grey'}>{t.state}</Label></Td>
                  <Td isActionCell>{t.state === 'active' && <Button variant="link" isDanger onClick={() => revoke(t)}>Revoke</Button>}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
    </>
  );
}
