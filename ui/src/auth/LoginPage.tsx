import { ActionGroup, Alert, Button, Divider, Form, FormGroup, LoginPage as PfLoginPage, TextInput } from '@patternfly/react-core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, get } from '../api/client';
import { useSessionState } from './session';

interface Provider {
  name: string;
  displayName: string;
  loginUrl: string;
}

/** Local and LDAP accounts sign in with the form; each enabled OIDC source gets a button. */
export function LoginPage() {
  const { signIn, ended } = useSessionState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Provider[]>([]);

  useEffect(() => {
    get<{ items: Provider[] }>('/api/v1/auth/providers')
      .then((p) => setProviders(p.items))
      .catch(() => setProviders([]));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api<{ token: string; expiresAt: string }>('POST', '/api/v1/auth/login', { username, password });
      await signIn(s);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401
        ? 'The username or password is not right.'
        : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const returnTo = encodeURIComponent(window.location.pathname === '/login' ? '/' : window.location.pathname);
  return (
    <PfLoginPage loginTitle="Sign in to Octofleet" loginSubtitle="Fleet management for machines, GPUs and workspaces">
      {ended && <Alert variant="info" isInline isPlain title={ended} style={{ marginBottom: 16 }} />}
      {error && (
        <Alert variant="danger" isInline title={error} data-testid="login-error" style={{ marginBottom: 16 }} />
      )}
      <Form onSubmit={submit}>
        <FormGroup label="Username" isRequired fieldId="username">
          <TextInput id="username" name="username" autoComplete="username" isRequired value={username}
            onChange={(_e, v) => setUsername(v)} />
        </FormGroup>
        <FormGroup label="Password" isRequired fieldId="password">
          <TextInput id="password" name="password" type="password" autoComplete="current-password" isRequired
            value={password} onChange={(_e, v) => setPassword(v)} />
        </FormGroup>
        <ActionGroup>
          <Button type="submit" variant="primary" isBlock isLoading={busy} isDisabled={busy || !username || !password}>
            Sign in
          </Button>
        </ActionGroup>
      </Form>
      {providers.length > 0 && (
        <>
          <Divider style={{ margin: '16px 0' }} />
          {providers.map((p) => (
            <Button key={p.name} component="a" variant="secondary" isBlock style={{ marginBottom: 8 }}
              href={`${p.loginUrl}?returnTo=${returnTo}`}>
              Sign in with {p.displayName}
            </Button>
          ))}
        </>
      )}
    </PfLoginPage>
  );
}
