import {
  Button,
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  Flex,
  Label,
  PageSection,
  Split,
  SplitItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, getText, streamEvents } from '../api/client';
import type { Job, Run } from '../api/types';
import { useSession } from '../auth/session';
import { Loading, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { useAction } from '../components/useAction';
import { ago, when } from '../components/format';
import { JobStatusLabel } from './JobStatusLabel';
import { LiveOutput } from './LiveOutput';
import { OutputMerger } from './outputMerger';

/** "1 running, 2 succeeded": from the runs as the live stream updates them, else from the job's counts. */
export function runSummary(job: Job): string {
  const counts: Record<string, number> = {};
  if (job.runs) {
    job.runs.forEach((r) => { counts[r.status] = (counts[r.status] ?? 0) + 1; });
  } else {
    Object.entries(job.counts).filter(([k]) => k !== 'total').forEach(([k, v]) => { counts[k] = v; });
  }
  return Object.entries(counts).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k.replace('_', ' ')}`).join(', ') || 'none';
}

const ENDED = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'unreachable']);

/** Reads stored output from the merger's end until the server says there is no more for now. */
async function fill(jobId: string, nodeId: string, merger: OutputMerger, signal: AbortSignal) {
  for (let i = 0; i < 64; i++) {
    const from = merger.end;
    const { text, headers } = await getText(`/api/v1/jobs/${jobId}/runs/${nodeId}/output?offset=${from}`, signal);
    const next = Number(headers.get('Octofleet-Next-Offset') ?? from);
    const result = merger.stored(from, text, next);
    if (result === 'ok' || next === from) {
      return;
    }
  }
}

export function JobDetailPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const session = useSession();
  const navigate = useNavigate();
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<unknown>();
  const [outputError, setOutputError] = useState<unknown>();
  const { busy, error: actionError, run: act } = useAction();
  const [, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const viewed = params.get('node');
  const merger = useRef<{ node: string; merger: OutputMerger } | null>(null);
  const [live, setLive] = useState(false);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setJob(await api<Job>('GET', `/api/v1/jobs/${id}`, undefined, signal));
      setError(undefined);
    } catch (e) {
      if (!(e instanceof DOMException)) {
        setError(e);
      }
    }
  }, [id]);

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  // Pick the first run to show when none is chosen.
  useEffect(() => {
    if (!viewed && job?.runs && job.runs.length > 0) {
      setParams({ node: job.runs[0].nodeId }, { replace: true });
    }
  }, [job, viewed, setParams]);

  // One live stream for the job: run state changes, output chunks, job status. Reconnects while the job runs.
  const ended = job ? ENDED.has(job.status) : false;
  useEffect(() => {
    if (!job || ended) {
      return;
    }
    const ctl = new AbortController();
    let retry: number | undefined;
    const connect = () => {
      setLive(true);
      streamEvents(`/api/v1/jobs/${id}/events`, (e) => {
        if (e.event === 'run') {
          const run = JSON.parse(e.data) as Run;
          setJob((j) => j && { ...j, runs: (j.runs ?? []).map((r) => (r.nodeId === run.nodeId ? { ...r, ...run } : r)) });
        } else if (e.event === 'output') {
          const o = JSON.parse(e.data) as { nodeId: string; stream: 'stdout' | 'stderr'; offset: number; text: string };
          const m = merger.current;
          if (m && m.node === o.nodeId) {
            if (m.merger.live(o.offset, o.stream, o.text) === 'gap') {
              void fill(id, o.nodeId, m.merger, ctl.signal).then(bump);
            }
            bump();
          }
        } else if (e.event === 'job') {
          void load(ctl.signal);
        }
      }, ctl.signal)
        .catch(() => undefined)
        .finally(() => {
          setLive(false);
          if (!ctl.signal.aborted) {
            void load(ctl.signal);
            retry = window.setTimeout(connect, 2000);
          }
        });
    };
    connect();
    return () => {
      ctl.abort();
      window.clearTimeout(retry);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, ended, job === undefined]);

  // The viewed run's output: a fresh merger, then the stored part; live chunks join as they come.
  useEffect(() => {
    if (!viewed) {
      return;
    }
    const ctl = new AbortController();
    const m = new OutputMerger();
    merger.current = { node: viewed, merger: m };
    bump();
    fill(id, viewed, m, ctl.signal).then(bump).catch((e) => {
      if (!ctl.signal.aborted) {
        setOutputError(e);
      }
    });
    return () => ctl.abort();
  }, [id, viewed, bump]);

  // When the viewed run ends, read whatever the stream did not carry (the end of the output).
  const viewedRun = job?.runs?.find((r) => r.nodeId === viewed);
  const viewedEnded = viewedRun ? ENDED.has(viewedRun.status) : false;
  useEffect(() => {
    if (viewedEnded && viewed && merger.current?.node === viewed) {
      const ctl = new AbortController();
      void fill(id, viewed, merger.current.merger, ctl.signal).then(bump).catch(() => undefined);
      return () => ctl.abort();
    }
  }, [viewedEnded, viewed, id, bump]);

  if (error && !job) {
    return <PageSection><ProblemAlert error={error} title="This job could not be loaded" /></PageSection>;
  }
  if (!job) {
    return <Loading what="the job" />;
  }
  const canRun = session.can('jobs:run');
  const failedRuns = (job.runs ?? []).filter((r) => ['failed', 'timed_out', 'unreachable', 'cancelled'].includes(r.status)).length;
  const body = (job.spec.script ?? job.spec.playbook ?? '') as string;
  return (
    <>
      <PageHeader
        title={<>{job.name || `${job.kind} job`} <JobStatusLabel status={job.status} /></>}
        description={<>{job.kind} · by {job.createdBy} · {ago(job.createdAt)}{job.finishedAt && ` · finished ${when(job.finishedAt)}`}
          {job.rerunOf && <> · rerun of <Link to={`/jobs/${job.rerunOf}`}>{job.rerunOf.slice(0, 8)}</Link></>}
          {live && <> · <Label color="blue" isCompact>live</Label></>}</>}
        actions={canRun && (
          <Flex>
            {!ended && (
              <Button variant="danger" isDisabled={busy || job.cancelRequested} onClick={() => act(async () => {
                setJob(await api<Job>('POST', `/api/v1/jobs/${id}/cancel`, {}));
              })}>{job.cancelRequested ? 'Cancelling…' : 'Cancel'}</Button>
            )}
            {ended && failedRuns > 0 && (
              <Button variant="secondary" isDisabled={busy} onClick={() => act(async () => {
                const j = await api<Job>('POST', `/api/v1/jobs/${id}/rerun`, { only: 'failed' });
                navigate(`/jobs/${j.id}`);
              })}>Rerun failed ({failedRuns})</Button>
            )}
            {ended && (
              <Button variant="secondary" isDisabled={busy} onClick={() => act(async () => {
                const j = await api<Job>('POST', `/api/v1/jobs/${id}/rerun`, { only: 'all' });
                navigate(`/jobs/${j.id}`);
              })}>Rerun all</Button>
            )}
          </Flex>
        )}
      />
      <PageSection>
        <ProblemAlert error={actionError} />
        <ProblemAlert error={outputError} title="The output could not be read" />
        <Split hasGutter>
          <SplitItem style={{ flex: '0 0 46%', minWidth: 0 }}>
            <Card isCompact>
              <CardTitle>Runs ({runSummary(job)})</CardTitle>
              <CardBody>
                <Table variant="compact" aria-label="Runs" isStriped>
                  <Thead><Tr><Th>Node</Th><Th>Status</Th><Th>Exit</Th><Th>Duration</Th></Tr></Thead>
                  <Tbody>
                    {(job.runs ?? []).map((r) => (
                      <Tr key={r.nodeId} isClickable isRowSelected={r.nodeId === viewed}
                        onRowClick={() => setParams({ node: r.nodeId }, { replace: true })} data-run-node={r.nodeId}>
                        <Td>{r.hostname}</Td>
                        <Td><JobStatusLabel status={r.status} />{r.reason && <div><small>{r.reason}</small></div>}</Td>
                        <Td>{r.exitCode ?? '—'}</Td>
                        <Td>{r.startedAt ? `${Math.round(((r.finishedAt ? Date.parse(r.finishedAt) : Date.now()) - Date.parse(r.startedAt)) / 1000)} s` : '—'}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </CardBody>
            </Card>
            {job.kind !== 'inventory' && (
              <Card isCompact style={{ marginTop: 16 }}>
                <CardTitle>{job.kind === 'ansible' ? 'Playbook' : 'Script'}</CardTitle>
                <CardBody>
                  <CodeBlock><CodeBlockCode>{body}</CodeBlockCode></CodeBlock>
                </CardBody>
              </Card>
            )}
          </SplitItem>
          <SplitItem isFilled style={{ minWidth: 0 }}>
            <Card isCompact>
              <CardTitle>Output {viewedRun && <>of <Link to={`/nodes/${viewedRun.nodeId}`}>{viewedRun.hostname}</Link></>}
                {viewedRun?.recap && <small> · {Object.entries(viewedRun.recap).map(([k, v]) => `${k} ${v}`).join(', ')}</small>}</CardTitle>
              <CardBody>
                {merger.current && merger.current.node === viewed ? (
                  <LiveOutput segments={merger.current.merger.segments} complete={viewedEnded}
                    label={`Output of ${viewedRun?.hostname ?? viewed}`} />
                ) : <span>Choose a run.</span>}
              </CardBody>
            </Card>
          </SplitItem>
        </Split>
      </PageSection>
    </>
  );
}
