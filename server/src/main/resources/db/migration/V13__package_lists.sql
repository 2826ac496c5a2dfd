-- Installed packages as lists of ids of interned package builds, a few rows per node, instead of one row per package
-- per node (docs/benchmarks.md, "Inventory reports"). A node's first report of 2,000 packages cost PostgreSQL ~90 ms as
-- rows: a foreign-key check and three B-tree insertions per package. As a list it is five rows of ids of builds the
-- fleet already knows, and entries in a GIN index's pending list. At 100,000 nodes the rows would also have been
-- ~200 million (tens of GB with their indexes); distinct builds are a few hundred thousand at most.

-- One row per distinct (name, arch, version) ever reported. Rows are never updated; an upgrade is a new build.
CREATE TABLE packages (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    arch        text NOT NULL,
    version     text NOT NULL,
    UNIQUE (name, arch, version)
);
-- Package rules compare lower(name) (package = "nginx", package = "nvidia-*").
CREATE INDEX packages_lower_name_idx ON packages (lower(name));

-- Which builds a node has installed, as ids of `packages`, sorted, in rows of at most 400 (chunk 0, 1, …). A row
-- stays under PostgreSQL's 2 kB TOAST threshold, so lists live in the table's own pages: a whole list as one 8 kB
-- array was moved out of line, the planner did not see that cost, and chose to read every list (0.75 s at 33,000
-- lists) over the GIN index (30 ms). No rows: the node has reported no packages.
CREATE TABLE node_package_lists (
    node_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    chunk       smallint NOT NULL,
    package_ids integer[] NOT NULL,
    PRIMARY KEY (node_id, chunk)
);
-- "Nodes with any of these builds" (package_ids && ARRAY[…]) for package rules.
CREATE INDEX node_package_lists_ids_idx ON node_package_lists USING gin (package_ids);

INSERT INTO packages (name, arch, version)
SELECT DISTINCT name, arch, version FROM node_packages ORDER BY name, arch, version;

INSERT INTO node_package_lists (node_id, chunk, package_ids)
SELECT node_id, (n - 1) / 400, array_agg(id ORDER BY id)
FROM (SELECT np.node_id, p.id, row_number() OVER (PARTITION BY np.node_id ORDER BY p.id) AS n
      FROM node_packages np
      JOIN packages p ON p.name = np.name AND p.arch = np.arch AND p.version = np.version) AS listed
GROUP BY node_id, (n - 1) / 400;

DROP TABLE node_packages;

-- The old shape, for SQL readers (docs/api.md "Querying inventory with SQL"): one row per package per node.
CREATE VIEW node_packages AS
SELECT l.node_id, p.name, p.arch, p.version
FROM node_package_lists l
CROSS JOIN LATERAL unnest(l.package_ids) AS u (package_id)
JOIN packages p ON p.id = u.package_id;

ANALYZE packages;
ANALYZE node_package_lists;
