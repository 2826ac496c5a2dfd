import {
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Gallery,
  Label,
  PageSection,
  SearchInput,
  Tab,
  Tabs,
  TabTitleText,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { get, qs } from '../api/client';
import type { InventoryChange, Job, MetricsAnswer, NodeDetails, Page, Series } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, Loading, ProblemAlert } from '../components/Feedback';
import { MetricChart, type Unit } from '../components/MetricChart';
import { PageHeader } from '../components/PageHeader';
import { ago, bytes, osLabel, when } from '../components/format';
import { useApi } from '../components/useApi';
import { JobStatusLabel } from '../jobs/JobStatusLabel';
import { StatusLabel } from './NodesPage';

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <DescriptionList isCompact isHorizontal>
      {rows.map(([k, v]) => (
        <DescriptionListGroup key={k}>
          <DescriptionListTerm>{k}</DescriptionListTerm>
          <DescriptionListDescription>{v === '' || v === 0 ? '—' : v}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

export function NodeDetailPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const [tab, setTab] = useState<string | number>('inventory');
  const node = useApi((s) => get<NodeDetails>(`/api/v1/nodes/${id}`, s), [id], 10_000);

  if (node.error && !node.data) {
    return <PageSection><ProblemAlert error={node.error} title="This node could not be loaded" /></PageSection>;
  }
  if (!node.data) {
    return <Loading what="the node" />;
  }
  const n = node.data;
  return (
    <>
      <PageHeader
        title={<>{n.hostname} <StatusLabel status={n.status} /></>}
        description={<>
          {osLabel(n.os)} · {n.organization} · agent {n.agentVersion}{n.agentKind === 'legacy' && ' (legacy)'} · last seen {ago(n.lastSeen)} · id <code>{n.id}</code>
          {n.tags.length > 0 && <> · {n.tags.map((t) => <Label key={t} isCompact style={{ marginRight: 4 }}>{t}</Label>)}</>}
        </>}
      />
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} mountOnEnter unmountOnExit aria-label="Node sections">
          <Tab eventKey="inventory" title={<TabTitleText>Inventory</TabTitleText>}><Inventory node={n} /></Tab>
          <Tab eventKey="metrics" title={<TabTitleText>Metrics</TabTitleText>}><Metrics id={id} gpus={n.inventory?.gpus.length ?? 0} /></Tab>
          <Tab eventKey="packages" title={<TabTitleText>Packages</TabTitleText>}><Packages id={id} /></Tab>
          <Tab eventKey="history" title={<TabTitleText>History</TabTitleText>}><History id={id} /></Tab>
          {session.can('jobs:read') && <Tab eventKey="jobs" title={<TabTitleText>Jobs</TabTitleText>}><NodeJobs id={id} /></Tab>}
          {session.can('parameters:read') && <Tab eventKey="parameters" title={<TabTitleText>Parameters</TabTitleText>}><Parameters id={id} /></Tab>}
        </Tabs>
      </PageSection>
    </>
  );
}

function Inventory({ node }: { node: NodeDetails }) {
  const inv = node.inventory;
  if (!inv) {
    return <Empty title="No inventory yet">The agent sends its inventory right after it connects.</Empty>;
  }
  return (
    <Gallery hasGutter minWidths={{ default: '380px' }} style={{ marginTop: 16 }}>
      <Card isCompact data-testid="inventory-system">
        <CardTitle>System</CardTitle>
        <CardBody>
          <Facts rows={[
            ['Manufacturer', inv.system.manufacturer], ['Model', inv.system.model], ['Serial', inv.system.serial],
            ['Virtualization', inv.system.virtualization || 'bare metal'], ['BIOS', inv.system.biosVersion],
            ['OS', `${inv.os.name} ${inv.os.version} (${inv.os.arch})`], ['Kernel', inv.os.kernel],
            ['Booted', when(inv.bootTime)],
          ]} />
        </CardBody>
      </Card>
      <Card isCompact data-testid="inventory-cpu">
        <CardTitle>CPU and memory</CardTitle>
        <CardBody>
          <Facts rows={[
            ['CPU', inv.cpu.model], ['Vendor', inv.cpu.vendor],
            ['Sockets / cores / threads', `${inv.cpu.sockets} / ${inv.cpu.cores} / ${inv.cpu.threads}`],
            ['Max frequency', inv.cpu.maxFrequencyHz ? `${(inv.cpu.maxFrequencyHz / 1e9).toFixed(2)} GHz` : ''],
            ['Memory', <span data-testid="memory-total">{bytes(inv.memory.totalBytes)}</span>],
          ]} />
        </CardBody>
      </Card>
      <Card isCompact data-testid="inventory-gpus">
        <CardTitle>GPUs</CardTitle>
        <CardBody>
          {inv.gpus.length === 0 ? 'No GPU reported.' : inv.gpus.map((g, index) => (
            <div key={g.uuid || g.model} style={{ marginBottom: 12 }}>
              <strong>{g.model}</strong> · {bytes(g.vramBytes)} · driver {g.driverVersion || '—'}
              <div><small>{g.uuid}</small></div>
              <div>MIG: {g.migMode || 'not supported'}</div>
              {g.migMode === 'Enabled' && <MigLayout nodeId={node.id} gpuIndex={index} />}
            </div>
          ))}
        </CardBody>
      </Card>
      <Card isCompact>
        <CardTitle>Disks</CardTitle>
        <CardBody>
          <Table variant="compact" aria-label="Disks">
            <Thead><Tr><Th>Name</Th><Th>Type</Th><Th>Size</Th><Th>Model</Th></Tr></Thead>
            <Tbody>{inv.disks.map((d) => <Tr key={d.name}><Td>{d.name}</Td><Td>{d.type}</Td><Td>{bytes(d.sizeBytes)}</Td><Td>{d.model}</Td></Tr>)}</Tbody>
          </Table>
        </CardBody>
      </Card>
      <Card isCompact>
        <CardTitle>Filesystems</CardTitle>
        <CardBody>
          <Table variant="compact" aria-label="Filesystems">
            <Thead><Tr><Th>Mount</Th><Th>Type</Th><Th>Size</Th><Th>Free</Th></Tr></Thead>
            <Tbody>{inv.filesystems.map((f) => <Tr key={f.mount}><Td>{f.mount}</Td><Td>{f.type}</Td><Td>{bytes(f.totalBytes)}</Td><Td>{bytes(f.freeBytes)}</Td></Tr>)}</Tbody>
          </Table>
        </CardBody>
      </Card>
      <Card isCompact>
        <CardTitle>Network interfaces</CardTitle>
        <CardBody>
          <Table variant="compact" aria-label="Network interfaces">
            <Thead><Tr><Th>Name</Th><Th>MAC</Th><Th>Addresses</Th><Th>Speed</Th></Tr></Thead>
            <Tbody>{inv.nics.map((nic) => (
              <Tr key={nic.name}><Td>{nic.name}</Td><Td>{nic.mac}</Td><Td>{[...nic.ipv4, ...nic.ipv6].join(', ')}</Td>
                <Td>{nic.speedBps ? `${nic.speedBps / 1e9} Gb/s` : '—'}</Td></Tr>))}
            </Tbody>
          </Table>
        </CardBody>
      </Card>
    </Gallery>
  );
}

/**
 * The MIG devices of GPU {@code gpuIndex} as the agent last reported them (the gpu.mig.mem.* series, instance
 * `<gpu>/<gpu instance>/<compute instance>`), with their memory in use.
 */
function MigLayout({ nodeId, gpuIndex }: { nodeId: string; gpuIndex: number }) {
  const answer = useApi((s) => get<MetricsAnswer>(`/api/v1/nodes/${nodeId}/metrics${qs({
    names: 'gpu.mig.mem.total.bytes,gpu.mig.mem.used.bytes', from: '-15m' })}`, s), [nodeId], 60_000);
  const latest = (s: Series | undefined) => s?.points.at(-1)?.avg;
  const series = (answer.data?.series ?? []).filter((s) => s.instance.startsWith(`${gpuIndex}/`));
  const instances = [...new Set(series.map((s) => s.instance))].sort();
  if (answer.error) {
    return <ProblemAlert error={answer.error} />;
  }
  if (!answer.data) {
    return null;
  }
  if (instances.length === 0) {
    return <div><small>No MIG device reported in the last 15 minutes.</small></div>;
  }
  return (
    <Table variant="compact" aria-label={`MIG layout of GPU ${gpuIndex}`} data-testid={`mig-${gpuIndex}`}>
      <Thead><Tr><Th>GPU instance</Th><Th>Compute instance</Th><Th>Memory used</Th><Th>Memory</Th></Tr></Thead>
      <Tbody>
        {instances.map((instance) => {
          const [, gi, ci] = instance.split('/');
          const total = latest(series.find((s) => s.instance === instance && s.name === 'gpu.mig.mem.total.bytes'));
          const used = latest(series.find((s) => s.instance === instance && s.name === 'gpu.mig.mem.used.bytes'));
          return <Tr key={instance}><Td>{gi}</Td><Td>{ci}</Td><Td>{bytes(used)}</Td><Td>{bytes(total)}</Td></Tr>;
        })}
      </Tbody>
    </Table>
  );
}

/** ISO-8601 step (PT15S, PT1H) in words: "15 s", "1 h". */
export function stepLabel(step: string): string {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(step);
  if (!m) {
    return step;
  }
  return [m[1] && `${m[1]} h`, m[2] && `${m[2]} min`, m[3] && `${m[3]} s`].filter(Boolean).join(' ');
}

const RANGES = ['1h', '6h', '24h', '7d', '30d'] as const;

interface ChartSpec {
  title: string;
  names: string[];
  unit: Unit;
  max?: number;
  gpu?: boolean;
}

const CHARTS: ChartSpec[] = [
  { title: 'CPU', names: ['cpu.usage'], unit: '%', max: 100 },
  { title: 'Memory', names: ['mem.used.pct'], unit: '%', max: 100 },
  { title: 'Network received', names: ['nic.rx.bps'], unit: 'B/s' },
  { title: 'Network sent', names: ['nic.tx.bps'], unit: 'B/s' },
  { title: 'GPU utilisation', names: ['gpu.util'], unit: '%', max: 100, gpu: true },
  { title: 'GPU memory', names: ['gpu.mem.used.pct'], unit: '%', max: 100, gpu: true },
  { title: 'GPU temperature', names: ['gpu.temp'], unit: '°C', gpu: true },
  { title: 'GPU power', names: ['gpu.power.draw'], unit: 'W', gpu: true },
];

function Metrics({ id, gpus }: { id: string; gpus: number }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>('1h');
  const charts = CHARTS.filter((c) => !c.gpu || gpus > 0);
  const names = charts.flatMap((c) => c.names).join(',');
  const answer = useApi((s) => get<MetricsAnswer>(`/api/v1/nodes/${id}/metrics${qs({ names, from: `-${range}` })}`, s),
    [id, names, range], 30_000);
  const byName = useMemo(() => {
    const m = new Map<string, Series[]>();
    (answer.data?.series ?? []).forEach((s) => m.set(s.name, [...(m.get(s.name) ?? []), s]));
    return m;
  }, [answer.data]);
  return (
    <div style={{ marginTop: 16 }}>
      <ToggleGroup aria-label="Range" style={{ marginBottom: 16 }}>
        {RANGES.map((r) => <ToggleGroupItem key={r} text={`Last ${r}`} isSelected={range === r} onChange={() => setRange(r)} />)}
      </ToggleGroup>
      {answer.data && <small style={{ marginLeft: 12 }}>one point per {stepLabel(answer.data.step)}</small>}
      <ProblemAlert error={answer.error} title="Metrics could not be loaded" />
      {!answer.data && answer.loading && <Loading what="metrics" />}
      {answer.data && (
        <div className="of-metric-grid">
          {charts.map((c) => (
            <MetricChart key={c.title} title={c.title} unit={c.unit} max={c.max} from={answer.data!.from}
              to={answer.data!.to} series={c.names.flatMap((n) => byName.get(n) ?? [])} />
          ))}
        </div>
      )}
    </div>
  );
}

function Packages({ id }: { id: string }) {
  const [filter, setFilter] = useState('');
  const pkgs = useApi((s) => get<Page<{ name: string; version: string; arch: string }>>(`/api/v1/nodes/${id}/packages`, s), [id]);
  const shown = (pkgs.data?.items ?? []).filter((p) => p.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div style={{ marginTop: 16 }}>
      <SearchInput aria-label="Search packages" placeholder="package name" value={filter} onChange={(_e, v) => setFilter(v)}
        onClear={() => setFilter('')} style={{ maxWidth: 360 }} />
      <ProblemAlert error={pkgs.error} />
      {pkgs.data && <p>{shown.length} of {pkgs.data.total} packages</p>}
      <Table variant="compact" aria-label="Packages">
        <Thead><Tr><Th>Name</Th><Th>Version</Th><Th>Architecture</Th></Tr></Thead>
        <Tbody>{shown.slice(0, 500).map((p) => <Tr key={`${p.name}:${p.arch}`}><Td>{p.name}</Td><Td>{p.version}</Td><Td>{p.arch}</Td></Tr>)}</Tbody>
      </Table>
      {shown.length > 500 && <p>Showing the first 500; narrow the search.</p>}
    </div>
  );
}

function describeChange(c: InventoryChange): string {
  if (c.change === 'initial') {
    return 'First inventory report';
  }
  const item = (v: unknown) => (v && typeof v === 'object' ? JSON.stringify(v) : String(v ?? ''));
  if (c.change === 'changed') {
    return `${c.section} ${c.key}: ${item(c.before)} → ${item(c.after)}`;
  }
  return `${c.section} ${c.key} ${c.change}${c.change === 'added' ? `: ${item(c.after)}` : ''}`;
}

function History({ id }: { id: string }) {
  const history = useApi((s) => get<{ items: InventoryChange[] }>(`/api/v1/nodes/${id}/inventory/history${qs({ limit: 200 })}`, s), [id]);
  return (
    <div style={{ marginTop: 16 }}>
      <ProblemAlert error={history.error} />
      {history.data && history.data.items.length === 0 && <Empty title="No inventory changes recorded" />}
      <Table variant="compact" aria-label="Inventory history">
        <Thead><Tr><Th width={20}>When</Th><Th width={10}>Change</Th><Th>What</Th></Tr></Thead>
        <Tbody>
          {(history.data?.items ?? []).map((c, i) => (
            <Tr key={i}>
              <Td>{when(c.changedAt)}</Td>
              <Td><Label isCompact color={c.change === 'removed' ? 'red' : c.change === 'added' ? 'green' : 'blue'}>{c.change}</Label></Td>
              <Td style={{ wordBreak: 'break-all' }}>{describeChange(c)}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </div>
  );
}

function NodeJobs({ id }: { id: string }) {
  const jobs = useApi((s) => get<Page<Job>>(`/api/v1/jobs${qs({ node: id, size: 50 })}`, s), [id], 10_000);
  return (
    <div style={{ marginTop: 16 }}>
      <ProblemAlert error={jobs.error} />
      {jobs.data && jobs.data.items.length === 0 && <Empty title="No job has run on this node" />}
      {jobs.data && jobs.data.items.length > 0 && (
        <Table variant="compact" aria-label="Jobs on this node">
          <Thead><Tr><Th>Job</Th><Th>Kind</Th><Th>Status</Th><Th>By</Th><Th>Created</Th></Tr></Thead>
          <Tbody>{jobs.data.items.map((j) => (
            <Tr key={j.id}><Td><Link to={`/jobs/${j.id}?node=${id}`}>{j.name || `${j.kind} job`}</Link></Td><Td>{j.kind}</Td>
              <Td><JobStatusLabel status={j.status} /></Td><Td>{j.createdBy}</Td><Td>{when(j.createdAt)}</Td></Tr>))}
          </Tbody>
        </Table>
      )}
    </div>
  );
}

interface EffectiveParameter {
  key: string;
  value: string | null;
  secret: boolean;
  source: string;
}

function Parameters({ id }: { id: string }) {
  const params = useApi((s) => get<Page<EffectiveParameter>>(`/api/v1/nodes/${id}/parameters${qs({ effective: true })}`, s), [id]);
  return (
    <div style={{ marginTop: 16 }}>
      <ProblemAlert error={params.error} />
      {params.data && params.data.items.length === 0 && <Empty title="No parameter applies to this node">Set parameters globally, on a group or on this node through the API (docs/parameters.md).</Empty>}
      {params.data && params.data.items.length > 0 && (
        <Table variant="compact" aria-label="Parameters">
          <Thead><Tr><Th>Key</Th><Th>Value</Th><Th>From</Th></Tr></Thead>
          <Tbody>{params.data.items.map((p) => (
            <Tr key={p.key}><Td><code>{p.key}</code></Td>
              <Td>{p.secret ? <span data-testid="secret-value">•••••• <Label isCompact>secret</Label></span> : <code>{p.value}</code>}</Td>
              <Td>{p.source.startsWith('group:') ? <Link to={`/groups?open=${p.source.slice(6)}`}>group</Link> : p.source}</Td></Tr>))}
          </Tbody>
        </Table>
      )}
    </div>
  );
}
