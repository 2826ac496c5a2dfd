import { Button, Form, FormGroup, PageSection, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { Page } from '../api/types';
import { useSession } from '../auth/session';
import { Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { when } from '../components/format';
import { useAction } from '../components/useAction';
import { useApi } from '../components/useApi';

interface Organization {
  name: string;
  description: string;
  createdAt: string;
}

export function OrganizationsPage() {
  const session = useSession();
  const orgs = useApi((s) => get<Page<Organization>>('/api/v1/organizations', s), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { error, run } = useAction();
  const canEdit = session.canEverywhere('settings:manage');
  const create = () => run(async () => {
    await api('POST', '/api/v1/organizations', { name, description });
    setName('');
    setDescription('');
    orgs.reload();
  });
  const remove = (o: Organization) => window.confirm(`Delete the organization ${o.name}? Only an empty organization can be deleted.`) && run(async () => {
    await api('DELETE', `/api/v1/organizations/${encodeURIComponent(o.name)}`);
    orgs.reload();
  });
  return (
    <>
      <PageHeader title="Organizations" description="Tenants: every node, group, job and parameter belongs to one; roles are granted per organization." />
      {canEdit && (
        <PageSection>
          <Form isHorizontal onSubmit={(e) => { e.preventDefault(); void create(); }} style={{ maxWidth: 640 }}>
            <FormGroup label="Name" fieldId="org-name"><TextInput id="org-name" value={name} onChange={(_e, v) => setName(v)} /></FormGroup>
            <FormGroup label="Description" fieldId="org-description"><TextInput id="org-description" value={description} onChange={(_e, v) => setDescription(v)} /></FormGroup>
            <Button type="submit" isDisabled={!name.trim()} style={{ width: 'fit-content' }}>Create organization</Button>
          </Form>
        </PageSection>
      )}
      <PageSection>
        <ProblemAlert error={error ?? orgs.error} />
        {!orgs.data && <Loading what="organizations" />}
        {orgs.data && (
          <Table variant="compact" aria-label="Organizations">
            <Thead><Tr><Th>Name</Th><Th>Description</Th><Th>Created</Th><Th screenReaderText="Actions" /></Tr></Thead>
            <Tbody>
              {orgs.data.items.map((o) => (
                <Tr key={o.name}>
                  <Td>{o.name}</Td><Td>{o.description}</Td><Td>{when(o.createdAt)}</Td>
                  <Td isActionCell>{canEdit && <Button variant="link" isDanger onClick={() => remove(o)}>Delete</Button>}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
    </>
  );
}
