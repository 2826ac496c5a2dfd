import { Button, PageSection } from '@patternfly/react-core';
import { Link } from 'react-router-dom';
import { Empty } from '../components/Feedback';

export function NotFoundPage() {
  return (
    <PageSection>
      <Empty title="This page does not exist" action={<Button component={(p) => <Link {...p} to="/" />}>Go to the overview</Button>}>
        The address may be mistyped, or the page moved.
      </Empty>
    </PageSection>
  );
}
