import { Button, Card, CardBody, CardTitle, Gallery, Label, List, ListItem, PageSection } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router-dom';
import { get, qs } from '../api/client';
import type { Alert, FleetReport, Job, Page } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { ago } from '../components/format';
import { useApi } from '../components/useApi';
import { JobStatusLabel } from '../jobs/JobStatusLabel';

function Counts({ title, rows, unit }: { title: string; rows: { key: string; nodes: number }[]; unit: string }) {
  return (
    <Card isCompact>
      <CardTitle>{title}</CardTitle>
      <CardBody>
        {rows.length === 0 ? (
          <span>None reported.</span>
        ) : (
          <List isPlain>
            {rows.map((r) => (
              <ListItem key={r.key}>
                <strong>{r.nodes}</strong> {r.key || '(unknown)'} <small>{unit}</small>
              </ListItem>
            ))}
          </List>
        )}
      </CardBody>
    </Card>
  );
}

export function OverviewPage() {
  const session = useSession();
  const fleet = useApi((s) => get<FleetReport>('/api/v1/reports/fleet', s), [], 10_000);
  const jobs = useApi(
    (s) => (session.can('jobs:read') ? get<Page<Job>>(`/api/v1/jobs${qs({ size: 8 })}`, s) : Promise.resolve(undefined)),
    [],
    10_000,
  );
  const alerts = useApi((s) => get<{ items: Alert[] }>(`/api/v1/alerts${qs({ state: 'firing', limit: 20 })}`, s), [], 10_000);

  const f = fleet.data;
  return (
    <>
      <PageHeader title="Fleet overview" description="What the fleet looks like right now; refreshes every 10 seconds." />
      <PageSection>
        <ProblemAlert error={fleet.error} title="The fleet report could not be loaded" />
        {!f && fleet.loading && <Loading what="the fleet" />}
        {f && f.nodes === 0 && (
          <Empty title="No nodes yet"
            action={session.can('enrollment:manage') && (
              <Button component={(p) => <Link {...p} to="/enrollment" />}>Create an enrollment token</Button>
            )}>
            Create an enrollment token and run its join command on a host; the node shows up here as soon as its agent
            connects.
          </Empty>
        )}
        {f && f.nodes > 0 && (
          <Gallery hasGutter minWidths={{ default: '220px' }}>
            <Card isCompact data-testid="count-online">
              <CardTitle>Online</CardTitle>
              <CardBody>
                <Link to="/nodes?status=online" className="of-count">{f.online}</Link> of {f.nodes} nodes
              </CardBody>
            </Card>
            <Card isCompact data-testid="count-offline">
              <CardTitle>Offline</CardTitle>
              <CardBody>
                <Link to="/nodes?status=offline" className="of-count">{f.nodes - f.online}</Link> nodes
              </CardBody>
            </Card>
            <Counts title="By operating system" rows={f.os} unit="nodes" />
            <Counts title="GPUs by model" rows={f.gpuModels} unit="nodes" />
            <Counts title="Agent versions" rows={f.agentVersions} unit="nodes" />
          </Gallery>
        )}
      </PageSection>
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '420px' }}>
          <Card>
            <CardTitle>Firing alerts</CardTitle>
            <CardBody>
              <ProblemAlert error={alerts.error} />
              {alerts.data && alerts.data.items.length === 0 && <span>No alert is firing.</span>}
              {alerts.data && alerts.data.items.length > 0 && (
                <Table variant="compact" aria-label="Firing alerts">
                  <Thead><Tr><Th>Rule</Th><Th>Node</Th><Th>Value</Th><Th>Since</Th></Tr></Thead>
                  <Tbody>
                    {alerts.data.items.map((a) => (
                      <Tr key={a.id}>
                        <Td>
                          <Label color={a.severity === 'critical' ? 'red' : 'orange'} isCompact>{a.severity}</Label>{' '}
                          {a.rule}{a.silenced && ' (silenced)'}
                        </Td>
                        <Td><Link to={`/nodes/${a.nodeId}`}>{a.hostname}</Link>{a.instance && ` · ${a.instance}`}</Td>
                        <Td>{a.value === null ? '—' : a.value.toFixed(1)}</Td>
                        <Td>{ago(a.startedAt)}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              )}
            </CardBody>
          </Card>
          {session.can('jobs:read') && (
            <Card>
              <CardTitle>Recent jobs</CardTitle>
              <CardBody>
                <ProblemAlert error={jobs.error} />
                {jobs.data && jobs.data.items.length === 0 && <span>No job has run yet.</span>}
                {jobs.data && jobs.data.items.length > 0 && (
                  <Table variant="compact" aria-label="Recent jobs">
                    <Thead><Tr><Th>Job</Th><Th>Status</Th><Th>By</Th><Th>Created</Th></Tr></Thead>
                    <Tbody>
                      {jobs.data.items.map((j) => (
                        <Tr key={j.id}>
                          <Td><Link to={`/jobs/${j.id}`}>{j.name || `${j.kind} job`}</Link></Td>
                          <Td><JobStatusLabel status={j.status} /></Td>
                          <Td>{j.createdBy}</Td>
                          <Td>{ago(j.createdAt)}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </CardBody>
            </Card>
          )}
        </Gallery>
      </PageSection>
    </>
  );
}
