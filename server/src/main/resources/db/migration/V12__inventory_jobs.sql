-- Jobs of kind 'inventory': refresh the node's inventory now (docs/jobs.md). No fields of their own.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('shell', 'script', 'ansible', 'inventory'));
