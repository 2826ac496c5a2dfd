import { Button, FormSelect, FormSelectOption, PageSection, Pagination, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link, useSearchParams } from 'react-router-dom';
import { get, qs } from '../api/client';
import type { Job, Page } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { ago } from '../components/format';
import { useApi } from '../components/useApi';
import { JobStatusLabel } from './JobStatusLabel';

export function JobsPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const page = Number(params.get('page') ?? '1'); // the jobs API counts pages from 1
  const size = 50;
  const jobs = useApi((s) => get<Page<Job>>(`/api/v1/jobs${qs({ status, page, size })}`, s), [status, page], 5_000);
  const newJob = session.can('jobs:run') && (
    <Button component={(p) => <Link {...p} to="/jobs/new" />} data-testid="new-job">Run a job</Button>
  );
  return (
    <>
      <PageHeader title="Jobs" description="Shell, script and Ansible jobs, newest first." actions={newJob} />
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <FormSelect aria-label="Status" value={status} onChange={(_e, v) => setParams(v ? { status: v } : {})}>
                <FormSelectOption value="" label="Any status" />
                {['running', 'succeeded', 'failed', 'cancelled'].map((s) => <FormSelectOption key={s} value={s} label={s} />)}
              </FormSelect>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ProblemAlert error={jobs.error} title="The jobs could not be loaded" />
        {!jobs.data && jobs.loading && <Loading what="jobs" />}
        {jobs.data && jobs.data.total === 0 && (
          <Empty title={status ? `No ${status} job` : 'No job has run yet'} action={!status && newJob}>
            {!status && 'Run a shell command, a script or an Ansible playbook on a node, a group, a tag or a rule.'}
          </Empty>
        )}
        {jobs.data && jobs.data.total > 0 && (
          <>
            <Table variant="compact" aria-label="Jobs">
              <Thead><Tr><Th>Job</Th><Th>Kind</Th><Th>Status</Th><Th>Runs</Th><Th>By</Th><Th>Created</Th></Tr></Thead>
              <Tbody>
                {jobs.data.items.map((j) => (
                  <Tr key={j.id}>
                    <Td><Link to={`/jobs/${j.id}`}>{j.name || `${j.kind} job ${j.id.slice(0, 8)}`}</Link></Td>
                    <Td>{j.kind}</Td>
                    <Td><JobStatusLabel status={j.status} /></Td>
                    <Td>{Object.entries(j.counts ?? {}).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => `${v} ${k.replace('_', ' ')}`).join(', ')}</Td>
                    <Td>{j.createdBy}</Td>
                    <Td>{ago(j.createdAt)}</Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            <Pagination itemCount={jobs.data.total} page={page} perPage={size} perPageOptions={[{ title: '50', value: 50 }]}
              onSetPage={(_e, p) => setParams({ ...(status ? { status } : {}), page: String(p) })} />
          </>
        )}
      </PageSection>
    </>
  );
}
