import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AsUser, fakeServer } from '../test-support';
import { RuleEditor, ruleProblemOf } from './RuleEditor';
import { ApiError } from '../api/client';

function Editor() {
  const [rule, setRule] = useState('');
  return <RuleEditor id="rule" label="Rule" value={rule} onChange={setRule} debounceMs={0} />;
}

afterEach(() => vi.unstubAllGlobals());

describe('RuleEditor', () => {
  it('previews how many nodes a valid rule matches, naming the first ones', async () => {
    const server = fakeServer((url) => ({
      body: url.searchParams.get('query') === 'tag = "lab"'
        ? { total: 3, items: [{ id: 'n1', hostname: 'gpu-1' }, { id: 'n2', hostname: 'gpu-2' }] }
        : { total: 0, items: [] },
    }));
    vi.stubGlobal('fetch', server.fetchStub);
    render(<AsUser permissions={['nodes:read']}><Editor /></AsUser>);
    await userEvent.type(screen.getByLabelText('Rule'), 'tag = "lab"');
    const matches = await screen.findByTestId('rule-matches');
    expect(matches).toHaveTextContent('Matches 3 nodes: gpu-1, gpu-2, …');
    expect(server.requests.at(-1)?.pathname).toBe('/api/v1/nodes');
  });

  it('shows where a rule is wrong, with a caret under the position the server names', async () => {
    const server = fakeServer(() => ({
      status: 400,
      body: { type: 'https://octofleet.io/problems/invalid-request', title: 'Bad Request', status: 400,
        detail: "query at 10: expected a value after '>=', got the end of the rule" },
    }));
    vi.stubGlobal('fetch', server.fetchStub);
    render(<AsUser permissions={['nodes:read']}><Editor /></AsUser>);
    await userEvent.type(screen.getByLabelText('Rule'), 'gpu.count >=');
    const error = await screen.findByTestId('rule-error');
    expect(error).toHaveTextContent("At character 11: expected a value after '>=', got the end of the rule");
    expect(error.querySelector('.of-rule-error')?.textContent).toBe(`gpu.count >=\n${' '.repeat(10)}^`);
    expect(screen.getByLabelText('Rule')).toHaveAttribute('aria-invalid', 'true');
  });

  it('reads the position out of both query and group-rule problems', () => {
    expect(ruleProblemOf(new ApiError(400, 'invalid-request', 'Bad Request', 'rule at 3: unknown field'))).toEqual({ position: 3, message: 'unknown field' });
    expect(ruleProblemOf(new ApiError(400, 'invalid-request', 'Bad Request', 'size must be between 1 and 500'))).toEqual({ position: null, message: 'size must be between 1 and 500' });
  });
});
