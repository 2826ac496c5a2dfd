import {
  ActionGroup,
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  NumberInput,
  PageSection,
  Radio,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { api, describeError, get, qs } from '../api/client';
import type { FleetNode, Group, Job, Page, Targets } from '../api/types';
import { ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { useAction } from '../components/useAction';
import { RuleEditor } from '../components/RuleEditor';
import { useApi } from '../components/useApi';

const MONO = { fontFamily: 'var(--pf-t--global--font--family--mono, monospace)' };

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: say hello
      debug:
        msg: "hello from {{ inventory_hostname }}"
`;

/** The targets as the dry-run endpoint takes them: comma-separated lists. */
export function targetQuery(t: Targets): string {
  return qs({
    nodeIds: t.nodeIds?.join(','),
    groupIds: t.groupIds?.join(','),
    tags: t.tags?.join(','),
    query: t.query,
  });
}

interface Preview {
  total: number;
  items: FleetNode[];
}

/** Shows which nodes the targets select right now, as the server resolves them for the job. */
function TargetPreview({ targets }: { targets: Targets }) {
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(targets);
  useEffect(() => {
    const empty = !targets.nodeIds?.length && !targets.groupIds?.length && !targets.tags?.length && !targets.query;
    if (empty) {
      setPreview(undefined);
      setError(undefined);
      return;
    }
    const ctl = new AbortController();
    const t = window.setTimeout(() => {
      get<Preview>(`/api/v1/jobs/targets${targetQuery(targets)}`, ctl.signal)
        .then((p) => { setPreview(p); setError(undefined); })
        .catch((e) => { if (!ctl.signal.aborted) { setError(describeError(e)); setPreview(undefined); } });
    }, 300);
    return () => { ctl.abort(); window.clearTimeout(t); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (error) {
    return <HelperTextItem variant="error">{error}</HelperTextItem>;
  }
  if (!preview) {
    return <HelperTextItem>Choose nodes, groups, tags or a rule; the nodes they select show here.</HelperTextItem>;
  }
  return (
    <HelperTextItem variant={preview.total > 0 ? 'success' : 'warning'} data-testid="target-preview">
      {preview.total === 0 ? 'These targets select no node right now.' : <>
        Runs on {preview.total} node{preview.total === 1 ? '' : 's'}: {preview.items.map((n, i) => (
          <span key={n.id}>{i > 0 && ', '}<Link to={`/nodes/${n.id}`}>{n.hostname}</Link>{n.status === 'offline' && ' (offline)'}</span>
        ))}{preview.total > preview.items.length && ', …'}
      </>}
    </HelperTextItem>
  );
}

export function NewJobPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const preset = (location.state as { nodeIds?: string[] } | null)?.nodeIds ?? [];
  const [kind, setKind] = useState<'shell' | 'script' | 'ansible'>('shell');
  const [name, setName] = useState('');
  const [script, setScript] = useState('uptime\ndf -h /');
  const [interpreter, setInterpreter] = useState('python3');
  const [playbook, setPlaybook] = useState(PLAYBOOK);
  const [extraVars, setExtraVars] = useState('{}');
  const [nodeIds, setNodeIds] = useState<string[]>(preset);
  const [nodeSearch, setNodeSearch] = useState('');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [tags, setTags] = useState('');
  const [query, setQuery] = useState('');
  const [timeout, setTimeoutSeconds] = useState(3600);
  const { busy, error, run } = useAction();

  const groups = useApi((s) => get<Page<Group>>('/api/v1/groups', s), []);
  const found = useApi((s) => (nodeSearch.trim()
    ? get<Page<FleetNode>>(`/api/v1/nodes?q=${encodeURIComponent(nodeSearch)}&size=8`, s)
    : Promise.resolve(undefined)), [nodeSearch]);
  const chosen = useApi((s) => (nodeIds.length
    ? get<Preview>(`/api/v1/jobs/targets${targetQuery({ nodeIds })}&limit=100`, s)
    : Promise.resolve(undefined)), [nodeIds.join(',')]);

  const tagList = tags.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
  const targets: Targets = {
    ...(nodeIds.length ? { nodeIds } : {}),
    ...(groupIds.length ? { groupIds } : {}),
    ...(tagList.length ? { tags: tagList } : {}),
    ...(query.trim() ? { query: query.trim() } : {}),
  };

  let varsError: string | null = null;
  let vars: unknown = {};
  if (kind === 'ansible') {
    try {
      vars = JSON.parse(extraVars || '{}');
      if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
        varsError = 'extra vars must be a JSON object';
      }
    } catch (e) {
      varsError = `extra vars are not valid JSON: ${(e as Error).message}`;
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { kind, targets, timeoutSeconds: timeout, ...(name.trim() ? { name: name.trim() } : {}) };
    if (kind === 'shell') {
      body.script = script;
    } else if (kind === 'script') {
      body.script = script;
      body.interpreter = interpreter;
    } else {
      body.playbook = playbook;
      body.extraVars = vars;
    }
    void run(async () => {
      const job = await api<Job>('POST', '/api/v1/jobs', body);
      navigate(`/jobs/${job.id}`);
    });
  };

  return (
    <>
      <PageHeader title="Run a job" description="The job starts on every selected node that is online right away; offline nodes run it when they reconnect, until it expires." />
      <PageSection>
        <Form onSubmit={submit} style={{ maxWidth: 980 }}>
          <FormGroup label="Kind" role="radiogroup" fieldId="kind" isInline>
            <Radio id="kind-shell" name="kind" label="Shell" isChecked={kind === 'shell'} onChange={() => setKind('shell')} />
            <Radio id="kind-script" name="kind" label="Script" isChecked={kind === 'script'} onChange={() => setKind('script')} />
            <Radio id="kind-ansible" name="kind" label="Ansible playbook" isChecked={kind === 'ansible'} onChange={() => setKind('ansible')} />
          </FormGroup>
          <FormGroup label="Name" fieldId="job-name">
            <TextInput id="job-name" value={name} onChange={(_e, v) => setName(v)} placeholder="optional, e.g. disk check" />
          </FormGroup>
          {kind !== 'ansible' && (
            <FormGroup label={kind === 'shell' ? 'Shell script (sh)' : 'Script'} isRequired fieldId="job-script">
              <TextArea id="job-script" value={script} onChange={(_e, v) => setScript(v)} rows={8} style={MONO}
                resizeOrientation="vertical" spellCheck={false} />
            </FormGroup>
          )}
          {kind === 'script' && (
            <FormGroup label="Interpreter" isRequired fieldId="job-interpreter">
              <TextInput id="job-interpreter" value={interpreter} onChange={(_e, v) => setInterpreter(v)} />
            </FormGroup>
          )}
          {kind === 'ansible' && (
            <>
              <FormGroup label="Playbook (YAML)" isRequired fieldId="job-playbook">
                <TextArea id="job-playbook" value={playbook} onChange={(_e, v) => setPlaybook(v)} rows={14} style={MONO}
                  resizeOrientation="vertical" spellCheck={false}
                  onKeyDown={(e) => {
                    if (e.key === 'Tab') {
                      e.preventDefault();
                      const t = e.currentTarget;
                      const at = t.selectionStart;
                      setPlaybook(playbook.slice(0, at) + '  ' + playbook.slice(t.selectionEnd));
                      requestAnimationFrame(() => t.setSelectionRange(at + 2, at + 2));
                    }
                  }} />
                <FormHelperText><HelperText><HelperTextItem>Tab indents two spaces. The server checks the YAML and names the line and column of a mistake.</HelperTextItem></HelperText></FormHelperText>
              </FormGroup>
              <FormGroup label="Extra vars (JSON)" fieldId="job-vars">
                <TextArea id="job-vars" value={extraVars} onChange={(_e, v) => setExtraVars(v)} rows={3} style={MONO}
                  validated={varsError ? 'error' : 'default'} />
                {varsError && <FormHelperText><HelperText><HelperTextItem variant="error">{varsError}</HelperTextItem></HelperText></FormHelperText>}
              </FormGroup>
            </>
          )}
          <Card isCompact>
            <CardTitle>Targets</CardTitle>
            <CardBody>
              <FormGroup label="Nodes" fieldId="target-node-search">
                <div style={{ marginBottom: 8 }}>
                  {nodeIds.map((id) => (
                    <Label key={id} onClose={() => setNodeIds(nodeIds.filter((x) => x !== id))} style={{ marginRight: 4 }}>
                      {chosen.data?.items.find((n) => n.id === id)?.hostname ?? id.slice(0, 8)}
                    </Label>
                  ))}
                </div>
                <TextInput id="target-node-search" value={nodeSearch} onChange={(_e, v) => setNodeSearch(v)} placeholder="find a node by hostname, id, IP" />
                {(found.data?.items ?? []).filter((n) => !nodeIds.includes(n.id)).map((n) => (
                  <Button key={n.id} variant="link" isInline style={{ marginRight: 12 }}
                    onClick={() => { setNodeIds([...nodeIds, n.id]); setNodeSearch(''); }}>+ {n.hostname}</Button>
                ))}
              </FormGroup>
              <FormGroup label="Groups" fieldId="target-groups">
                {(groups.data?.items ?? []).length === 0 && <span>No groups yet.</span>}
                {(groups.data?.items ?? []).map((g) => (
                  <Checkbox key={g.id} id={`group-${g.id}`} label={`${g.name} (${g.kind})`} isChecked={groupIds.includes(g.id)}
                    onChange={(_e, on) => setGroupIds(on ? [...groupIds, g.id] : groupIds.filter((x) => x !== g.id))} />
                ))}
              </FormGroup>
              <FormGroup label="Tags" fieldId="target-tags">
                <TextInput id="target-tags" value={tags} onChange={(_e, v) => setTags(v)} placeholder="lab, gpu" />
              </FormGroup>
              <RuleEditor id="target-rule" label="Rule" value={query} onChange={setQuery} />
              <HelperText style={{ marginTop: 12 }}><TargetPreview targets={targets} /></HelperText>
            </CardBody>
          </Card>
          <FormGroup label="Timeout (seconds)" fieldId="job-timeout">
            <NumberInput id="job-timeout" value={timeout} min={1} onMinus={() => setTimeoutSeconds(Math.max(1, timeout - 60))}
              onPlus={() => setTimeoutSeconds(timeout + 60)} onChange={(e) => setTimeoutSeconds(Number((e.target as HTMLInputElement).value) || 1)}
              inputAriaLabel="Timeout in seconds" />
          </FormGroup>
          <ProblemAlert error={error} title="The job was not started" />
          <ActionGroup>
            <Button type="submit" isLoading={busy} isDisabled={busy || !!varsError || Object.keys(targets).length === 0}
              data-testid="start-job">Start the job</Button>
            <Button variant="link" onClick={() => navigate('/jobs')}>Cancel</Button>
          </ActionGroup>
        </Form>
      </PageSection>
    </>
  );
}
