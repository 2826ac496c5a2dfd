import {
  Alert,
  Bullseye,
  EmptyState,
  EmptyStateBody,
  EmptyStateFooter,
  Spinner,
} from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { describeError } from '../api/client';

/** A failed call, in words: the server's problem detail under a heading saying what it means. */
export function ProblemAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) {
    return null;
  }
  return (
    <Alert variant="danger" isInline title={title ?? 'Something went wrong'} data-testid="problem">
      {describeError(error)}
    </Alert>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Bullseye>
      <Spinner aria-label={`Loading ${what}`} size="lg" />
    </Bullseye>
  );
}

/** An empty list that says what to do next. */
export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <EmptyState titleText={title} headingLevel="h3" variant="sm">
      {children && <EmptyStateBody>{children}</EmptyStateBody>}
      {action && <EmptyStateFooter>{action}</EmptyStateFooter>}
    </EmptyState>
  );
}
