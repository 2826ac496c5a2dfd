import { FormGroup, FormHelperText, HelperText, HelperTextItem, TextArea } from '@patternfly/react-core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, describeError, get, qs } from '../api/client';
import type { FleetNode, Page } from '../api/types';

/** Where a rule is wrong: the server's "query at 17: …" detail split into its 0-based offset and the message. */
export interface RuleProblem {
  position: number | null;
  message: string;
}

export function ruleProblemOf(e: unknown): RuleProblem {
  if (e instanceof ApiError && e.status === 400) {
    const m = /^(?:query|rule) at (\d+): (.*)$/s.exec(e.detail);
    if (m) {
      return { position: Number(m[1]), message: m[2] };
    }
    return { position: null, message: e.detail || e.title };
  }
  return { position: null, message: describeError(e) };
}

/** "At character N: message", and the rule with a caret under that character. */
export function RuleProblemText({ rule, problem }: { rule: string; problem: RuleProblem }) {
  return (
    <>
      {problem.position !== null ? `At character ${problem.position + 1}: ` : ''}{problem.message}
      {problem.position !== null && (
        <div className="of-rule-error" aria-hidden>
          {rule.replace(/\n/g, ' ')}{'\n'}{' '.repeat(Math.max(0, problem.position))}^
        </div>
      )}
    </>
  );
}

type Preview =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'ok'; total: number; sample: FleetNode[] }
  | { state: 'invalid'; problem: RuleProblem }
  | { state: 'failed'; message: string };

/**
 * A targeting-rule field (docs/targeting.md) that checks the rule against the server as the user types and shows
 * either how many nodes it matches (with the first few) or where it is wrong, with a caret under the position.
 */
export function RuleEditor({ id, label, value, onChange, debounceMs = 350, helper }: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  debounceMs?: number;
  helper?: string;
}) {
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });

  useEffect(() => {
    if (!value.trim()) {
      setPreview({ state: 'idle' });
      return;
    }
    const ctl = new AbortController();
    setPreview({ state: 'checking' });
    const t = window.setTimeout(() => {
      get<Page<FleetNode>>(`/api/v1/nodes${qs({ query: value, size: 5 })}`, ctl.signal)
        .then((p) => setPreview({ state: 'ok', total: p.total, sample: p.items }))
        .catch((e) => {
          if (ctl.signal.aborted) {
            return;
          }
          if (e instanceof ApiError && e.status === 400) {
            setPreview({ state: 'invalid', problem: ruleProblemOf(e) });
          } else {
            setPreview({ state: 'failed', message: describeError(e) });
          }
        });
    }, debounceMs);
    return () => {
      ctl.abort();
      window.clearTimeout(t);
    };
  }, [value, debounceMs]);

  const invalid = preview.state === 'invalid';
  return (
    <FormGroup label={label} fieldId={id}>
      <TextArea id={id} value={value} onChange={(_e, v) => onChange(v)} rows={2} resizeOrientation="vertical"
        validated={invalid ? 'error' : 'default'} aria-invalid={invalid}
        placeholder='os.family = "linux" and gpu.count >= 1 and tag = "lab"' spellCheck={false}
        style={{ fontFamily: 'var(--pf-t--global--font--family--mono, monospace)' }} />
      <FormHelperText>
        <HelperText>
          {preview.state === 'idle' && <HelperTextItem>{helper ?? 'A targeting rule; see docs/targeting.md for the fields.'}</HelperTextItem>}
          {preview.state === 'checking' && <HelperTextItem>Checking…</HelperTextItem>}
          {preview.state === 'ok' && (
            <HelperTextItem variant="success" data-testid={`${id}-matches`}>
              Matches {preview.total} node{preview.total === 1 ? '' : 's'}
              {preview.sample.length > 0 && ': '}
              {preview.sample.map((n, i) => (
                <span key={n.id}>{i > 0 && ', '}<Link to={`/nodes/${n.id}`}>{n.hostname}</Link></span>
              ))}
              {preview.total > preview.sample.length && ', …'}
            </HelperTextItem>
          )}
          {preview.state === 'invalid' && (
            <HelperTextItem variant="error" data-testid={`${id}-error`}>
              <RuleProblemText rule={value} problem={preview.problem} />
            </HelperTextItem>
          )}
          {preview.state === 'failed' && <HelperTextItem variant="warning">{preview.message}</HelperTextItem>}
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}
