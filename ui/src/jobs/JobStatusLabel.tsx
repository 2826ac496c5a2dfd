import { Label } from '@patternfly/react-core';

const COLOR: Record<string, 'green' | 'red' | 'blue' | 'orange' | 'grey' | 'purple'> = {
  succeeded: 'green',
  failed: 'red',
  timed_out: 'red',
  unreachable: 'orange',
  cancelled: 'grey',
  skipped: 'grey',
  running: 'blue',
  sent: 'blue',
  pending: 'purple',
  queued: 'purple',
};

export function JobStatusLabel({ status }: { status: string }) {
  return (
    <Label color={COLOR[status] ?? 'grey'} isCompact data-status={status}>
      {status.replace('_', ' ')}
    </Label>
  );
}
