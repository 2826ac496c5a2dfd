-- Indexes for the node list's filters at fleet scale (docs/benchmarks.md, "The nodes API at 100,000 nodes").

-- A package rule (package = "nginx") compares lower(name): without this index each node's packages were read and
-- filtered one node at a time (8–11 s at 100,000 nodes and 13 million package rows).
CREATE INDEX node_packages_lower_name_idx ON node_packages (lower(name), node_id);
-- Statistics for the expression now, not at the next autovacuum: without them the planner guesses a few rows per
-- name and probes every node (190 ms at 100,000 nodes) instead of hashing the matching packages (31 ms).
ANALYZE node_packages;

-- Text search (q=) matches a substring of the hostname: a trigram index serves ILIKE '%…%'. pg_trgm ships with
-- PostgreSQL's contrib (and the embedded server); where it cannot be installed, the search works without the index.
DO $migration$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%); hostname search runs without its index', SQLERRM;
        RETURN;
    END;
    CREATE INDEX nodes_hostname_trgm_idx ON nodes USING gin (hostname gin_trgm_ops);
END
$migration$;
