// The REST API's shapes as docs/api.md describes them (only the fields the dashboard reads).

export interface Page<T> {
  items: T[];
  total: number;
}

export interface OperatingSystem {
  family: string;
  name: string;
  version: string;
  kernel: string;
  arch: string;
}

export interface FleetNode {
  id: string;
  organization: string;
  hostname: string;
  status: 'online' | 'offline';
  lastSeen: string | null;
  agentVersion: string;
  /** 'octofleet', or 'legacy' for a Python-era agent reporting over HTTP (docs/migration.md). */
  agentKind: 'octofleet' | 'legacy';
  os: OperatingSystem | null;
  enrolledAt: string;
  tags: string[];
}

export interface Gpu {
  vendor: string;
  model: string;
  uuid: string;
  vramBytes: number;
  driverVersion: string;
  migMode: string;
}

export interface Inventory {
  os: OperatingSystem;
  cpu: { model: string; vendor: string; sockets: number; cores: number; threads: number; maxFrequencyHz: number };
  memory: { totalBytes: number };
  disks: { name: string; model: string; serial: string; sizeBytes: number; type: string }[];
  filesystems: { mount: string; type: string; totalBytes: number; freeBytes: number }[];
  nics: { name: string; mac: string; ipv4: string[]; ipv6: string[]; speedBps: number }[];
  system: { manufacturer: string; model: string; serial: string; uuid: string; biosVersion: string; virtualization: string };
  gpus: Gpu[];
  packages: { name: string; version: string; arch: string }[];
  bootTime: string;
}

export interface NodeDetails extends FleetNode {
  inventory: Inventory | null;
}

export interface InventoryChange {
  changedAt: string;
  section: string;
  key: string;
  change: 'initial' | 'added' | 'removed' | 'changed';
  before: unknown;
  after: unknown;
}

export interface Binding {
  role: string;
  organization: string;
  group: string | null;
  origin: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  kind: string;
  source: string | null;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  roles: Binding[];
}

export interface Me {
  user: User;
  permissions: Record<string, string[]>;
}

export type RunStatus =
  | 'pending' | 'sent' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'unreachable' | 'skipped'
  | string;

export interface Run {
  runId: string;
  nodeId: string;
  hostname: string;
  status: RunStatus;
  exitCode: number | null;
  reason: string | null;
  attempt: number;
  batch: number;
  sentAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  outputBytes: number;
  recap: Record<string, number> | null;
}

export interface Targets {
  nodeIds?: string[];
  groupIds?: string[];
  tags?: string[];
  query?: string;
}

export interface Job {
  id: string;
  name: string | null;
  kind: 'shell' | 'script' | 'ansible' | 'inventory' | string;
  status: string;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  spec: Record<string, unknown>;
  targets: Targets;
  counts: Record<string, number>;
  cancelRequested: boolean;
  rerunOf: string | null;
  runs?: Run[];
}

export interface Group {
  id: string;
  name: string;
  kind: 'static' | 'dynamic';
  rule: string | null;
  nodeIds: string[] | null;
  createdAt: string;
}

export interface Point {
  time: string;
  avg: number;
  min: number;
  max: number;
}

export interface Series {
  name: string;
  instance: string;
  key: string;
  points: Point[];
}

export interface MetricsAnswer {
  from: string;
  to: string;
  step: string;
  series: Series[];
}

export interface FleetReport {
  nodes: number;
  online: number;
  os: { key: string; nodes: number }[];
  agentVersions: { key: string; nodes: number }[];
  gpuModels: { key: string; nodes: number }[];
  organizations: { key: string; nodes: number }[];
}

export interface Alert {
  id: string;
  ruleId: string;
  rule: string;
  severity: string;
  organization: string;
  nodeId: string;
  hostname: string;
  instance: string;
  state: 'firing' | 'resolved' | string;
  value: number | null;
  startedAt: string;
  resolvedAt: string | null;
  silenced: boolean;
}

export interface AlertRule {
  id: string;
  organization: string;
  name: string;
  kind: string;
  metric: string | null;
  instance: string | null;
  comparator: string | null;
  threshold: number | null;
  forSeconds: number;
  groupId: string | null;
  severity: string;
  enabled: boolean;
  channelIds: string[];
  createdBy: string;
  createdAt: string;
}
