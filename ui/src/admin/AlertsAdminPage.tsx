import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Label,
  PageSection,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { api, get } from '../api/client';
import type { AlertRule, Group, Page } from '../api/types';
import { Empty, ProblemAlert } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { useAction } from '../components/useAction';
import { ago } from '../components/format';
import { useApi } from '../components/useApi';

interface Channel {
  id: string;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  hasSecret: boolean;
  enabled: boolean;
}

interface Silence {
  id: string;
  ruleId: string | null;
  nodeId: string | null;
  endsAt: string;
  comment: string;
  createdBy: string;
}

function describeRule(r: AlertRule): string {
  if (r.kind !== 'metric') {
    return r.kind;
  }
  const inst = r.instance ? `[${r.instance}]` : '';
  return `${r.metric}${inst} ${r.comparator} ${r.threshold}${r.forSeconds ? ` for ${r.forSeconds}s` : ''}`;
}

export function AlertsAdminPage() {
  const rules = useApi((s) => get<{ items: AlertRule[] }>('/api/v1/alert-rules', s), []);
  const channels = useApi((s) => get<{ items: Channel[] }>('/api/v1/notification-channels', s), []);
  const silences = useApi((s) => get<{ items: Silence[] }>('/api/v1/alert-silences', s), []);
  const groups = useApi((s) => get<Page<Group>>('/api/v1/groups', s), []);
  const { error, run } = useAction();
  const [notice, setNotice] = useState<string>();

  const [ruleName, setRuleName] = useState('');
  const [expression, setExpression] = useState('');
  const [severity, setSeverity] = useState('warning');
  const [groupId, setGroupId] = useState('');
  const [ruleChannels, setRuleChannels] = useState<string[]>([]);

  const [channelName, setChannelName] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');

  const guard = (f: () => Promise<void>) => {
    setNotice(undefined);
    return run(f);
  };

  const createRule = () => guard(async () => {
    await api('POST', '/api/v1/alert-rules', {
      name: ruleName, expression, severity, channelIds: ruleChannels, ...(groupId ? { groupId } : {}),
    });
    setRuleName('');
    setExpression('');
    rules.reload();
  });
  const toggleRule = (r: AlertRule) => guard(async () => {
    await api('PUT', `/api/v1/alert-rules/${r.id}`, {
      name: r.name, kind: r.kind, metric: r.metric, instance: r.instance, comparator: r.comparator, threshold: r.threshold,
      forSeconds: r.forSeconds, groupId: r.groupId, severity: r.severity, enabled: !r.enabled, channelIds: r.channelIds,
    });
    rules.reload();
  });
  const deleteRule = (r: AlertRule) => guard(async () => {
    if (window.confirm(`Delete the rule ${r.name}?`)) {
      await api('DELETE', `/api/v1/alert-rules/${r.id}`);
      rules.reload();
    }
  });
  const createChannel = () => guard(async () => {
    await api('POST', '/api/v1/notification-channels', { name: channelName, kind: 'webhook', settings: { url }, ...(secret ? { secret } : {}) });
    setChannelName('');
    setUrl('');
    setSecret('');
    channels.reload();
  });
  const testChannel = (c: Channel) => guard(async () => {
    const r = await api<{ delivered: boolean; error: string | null }>('POST', `/api/v1/notification-channels/${c.id}/test`, {});
    setNotice(r.delivered ? `A test notification reached ${c.name}.` : `${c.name} did not accept the test: ${r.error}`);
  });
  const deleteChannel = (c: Channel) => guard(async () => {
    if (window.confirm(`Delete the channel ${c.name}?`)) {
      await api('DELETE', `/api/v1/notification-channels/${c.id}`);
      channels.reload();
    }
  });
  const endSilence = (s: Silence) => guard(async () => {
    await api('DELETE', `/api/v1/alert-silences/${s.id}`);
    silences.reload();
  });

  const groupName = (id: string | null) => (id ? groups.data?.items.find((g) => g.id === id)?.name ?? id.slice(0, 8) : 'all nodes');
  return (
    <>
      <PageHeader title="Alert rules and channels" description="Rules are checked against the live metrics every evaluation interval (30 s by default); firing and resolving alerts go to their channels as signed webhooks." />
      <PageSection>
        <ProblemAlert error={error} />
        {notice && <HelperText><HelperTextItem variant="success">{notice}</HelperTextItem></HelperText>}
        <Card isCompact>
          <CardTitle>Rules</CardTitle>
          <CardBody>
            <Form isHorizontal onSubmit={(e) => { e.preventDefault(); void createRule(); }} style={{ maxWidth: 760, marginBottom: 16 }}>
              <FormGroup label="Name" fieldId="rule-name"><TextInput id="rule-name" value={ruleName} onChange={(_e, v) => setRuleName(v)} /></FormGroup>
              <FormGroup label="Expression" fieldId="rule-expression">
                <TextInput id="rule-expression" value={expression} onChange={(_e, v) => setExpression(v)} placeholder="gpu.temp > 85 for 5m"
                  style={{ fontFamily: 'var(--pf-t--global--font--family--mono, monospace)' }} />
                <FormHelperText><HelperText><HelperTextItem>metric[instance] comparator threshold for duration, e.g. fs.free.pct[/var] &lt; 10 for 10m</HelperTextItem></HelperText></FormHelperText>
              </FormGroup>
              <FormGroup label="Severity" fieldId="rule-severity">
                <FormSelect id="rule-severity" value={severity} onChange={(_e, v) => setSeverity(v)}>
                  {['info', 'warning', 'critical'].map((s) => <FormSelectOption key={s} value={s} label={s} />)}
                </FormSelect>
              </FormGroup>
              <FormGroup label="Nodes" fieldId="rule-group">
                <FormSelect id="rule-group" value={groupId} onChange={(_e, v) => setGroupId(v)}>
                  <FormSelectOption value="" label="every node" />
                  {(groups.data?.items ?? []).map((g) => <FormSelectOption key={g.id} value={g.id} label={`group ${g.name}`} />)}
                </FormSelect>
              </FormGroup>
              <FormGroup label="Notify" fieldId="rule-channels">
                {(channels.data?.items ?? []).length === 0 && <span>No channel yet (add one below).</span>}
                {(channels.data?.items ?? []).map((c) => <Checkbox key={c.id} id={`rule-ch-${c.id}`} label={c.name} isChecked={ruleChannels.includes(c.id)}
                  onChange={(_e, on) => setRuleChannels(on ? [...ruleChannels, c.id] : ruleChannels.filter((x) => x !== c.id))} />)}
              </FormGroup>
              <Button type="submit" isDisabled={!ruleName.trim() || !expression.trim()} style={{ width: 'fit-content' }}>Add rule</Button>
            </Form>
            <ProblemAlert error={rules.error} />
            {rules.data && rules.data.items.length === 0 && <Empty title="No alert rules yet">Add one above, e.g. "gpu.temp &gt; 85 for 5m".</Empty>}
            {rules.data && rules.data.items.length > 0 && (
              <Table variant="compact" aria-label="Alert rules">
                <Thead><Tr><Th>Name</Th><Th>Condition</Th><Th>Nodes</Th><Th>Severity</Th><Th>State</Th><Th screenReaderText="Actions" /></Tr></Thead>
                <Tbody>
                  {rules.data.items.map((r) => (
                    <Tr key={r.id}>
                      <Td>{r.name}</Td><Td><code>{describeRule(r)}</code></Td><Td>{groupName(r.groupId)}</Td><Td>{r.severity}</Td>
                      <Td><Label isCompact color={r.enabled ? 'green' : 'grey'}>{r.enabled ? 'enabled' : 'disabled'}</Label></Td>
                      <Td isActionCell>
                        <Button variant="link" onClick={() => toggleRule(r)}>{r.enabled ? 'Disable' : 'Enable'}</Button>
                        <Button variant="link" isDanger onClick={() => deleteRule(r)}>Delete</Button>
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </CardBody>
        </Card>
      </PageSection>
      <PageSection>
        <Card isCompact>
          <CardTitle>Notification channels</CardTitle>
          <CardBody>
            <Form isHorizontal onSubmit={(e) => { e.preventDefault(); void createChannel(); }} style={{ maxWidth: 760, marginBottom: 16 }}>
              <FormGroup label="Name" fieldId="channel-name"><TextInput id="channel-name" value={channelName} onChange={(_e, v) => setChannelName(v)} /></FormGroup>
              <FormGroup label="Webhook URL" fieldId="channel-url"><TextInput id="channel-url" type="url" value={url} onChange={(_e, v) => setUrl(v)} placeholder="https://hooks.example.org/octofleet" /></FormGroup>
              <FormGroup label="Signing secret" fieldId="channel-secret">
                <TextInput id="channel-secret" type="password" value={secret} onChange={(_e, v) => setSecret(v)} />
                <FormHelperText><HelperText><HelperTextItem>Each call carries an HMAC-SHA256 signature with this secret (docs/alerts.md).</HelperTextItem></HelperText></FormHelperText>
              </FormGroup>
              <Button type="submit" isDisabled={!channelName.trim() || !url.trim()} style={{ width: 'fit-content' }}>Add webhook</Button>
            </Form>
            <ProblemAlert error={channels.error} />
            {channels.data && channels.data.items.length > 0 && (
              <Table variant="compact" aria-label="Notification channels">
                <Thead><Tr><Th>Name</Th><Th>Kind</Th><Th>Target</Th><Th screenReaderText="Actions" /></Tr></Thead>
                <Tbody>
                  {channels.data.items.map((c) => (
                    <Tr key={c.id}>
                      <Td>{c.name}</Td><Td>{c.kind}{c.hasSecret && ' (signed)'}</Td><Td><small>{String(c.settings.url ?? '')}</small></Td>
                      <Td isActionCell>
                        <Button variant="link" onClick={() => testChannel(c)}>Send a test</Button>
                        <Button variant="link" isDanger onClick={() => deleteChannel(c)}>Delete</Button>
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </CardBody>
        </Card>
      </PageSection>
      <PageSection>
        <Card isCompact>
          <CardTitle>Active silences</CardTitle>
          <CardBody>
            {silences.data && silences.data.items.length === 0 && <span>No silences. Create one through the API (POST /api/v1/alert-silences).</span>}
            {silences.data && silences.data.items.length > 0 && (
              <Table variant="compact" aria-label="Silences">
                <Thead><Tr><Th>Rule</Th><Th>Node</Th><Th>Ends</Th><Th>Comment</Th><Th screenReaderText="Actions" /></Tr></Thead>
                <Tbody>
                  {silences.data.items.map((s) => (
                    <Tr key={s.id}>
                      <Td>{s.ruleId ? rules.data?.items.find((r) => r.id === s.ruleId)?.name ?? s.ruleId.slice(0, 8) : 'every rule'}</Td>
                      <Td>{s.nodeId ? s.nodeId.slice(0, 8) : 'every node'}</Td><Td>{ago(s.endsAt).replace(' ago', '')}</Td><Td>{s.comment} ({s.createdBy})</Td>
                      <Td isActionCell><Button variant="link" onClick={() => endSilence(s)}>End now</Button></Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </CardBody>
        </Card>
      </PageSection>
    </>
  );
}
