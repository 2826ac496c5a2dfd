import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LiveOutput } from './LiveOutput';

describe('LiveOutput', () => {
  it('says it is waiting before the first byte, and that there was none once the run ended', () => {
    const { rerender } = render(<LiveOutput segments={[]} complete={false} label="out" />);
    expect(screen.getByLabelText('out')).toHaveTextContent('Waiting for output…');
    rerender(<LiveOutput segments={[]} complete label="out" />);
    expect(screen.getByLabelText('out')).toHaveTextContent('(no output)');
  });

  it('shows stderr apart from stdout and follows new output while running', () => {
    const segments = [
      { stream: 'stdout' as const, text: 'hello\n' },
      { stream: 'stderr' as const, text: 'warning\n' },
    ];
    render(<LiveOutput segments={segments} complete={false} label="out" />);
    const pre = screen.getByLabelText('out');
    expect(pre).toHaveTextContent('hello warning');
    expect(screen.getByText('warning', { exact: false })).toHaveClass('of-stderr');
    expect(pre).toHaveAttribute('data-complete', 'false');
  });
});
