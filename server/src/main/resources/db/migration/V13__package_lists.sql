-- Installed packages as one row per node holding ids of interned package builds, instead of one row per package per
-- node (docs/benchmarks.md, "Inventory reports"). A node's first report of 2,000 packages cost PostgreSQL ~90 ms as
-- rows: a foreign-key check and three B-tree insertions per package. As a list it is one row, a lookup of builds the
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

-- Which builds a node has installed, as ids of `packages`, sorted. No row: the node has reported no packages.
CREATE TABLE node_package_lists (
    node_id     uuid PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
    package_ids integer[] NOT NULL
);
-- "Nodes with any of these builds" (package_ids && ARRAY[…]) for package rules and for pruning unused builds.
CREATE INDEX node_package_lists_ids_idx ON node_package_lists USING gin (package_ids);

INSERT INTO packages (name, arch, version)
SELECT DISTINCT name, arch, version FROM node_packages ORDER BY name, arch, version;

INSERT INTO node_package_lists (node_id, package_ids)
SELECT np.node_id, array_agg(p.id ORDER BY p.id)
FROM node_packages np
JOIN packages p ON p.name = np.name AND p.arch = np.arch AND p.version = np.version
GROUP BY np.node_id;

DROP TABLE node_packages;

-- The old shape, for SQL readers (docs/api.md "Querying inventory with SQL"): one row per package per node.
CREATE VIEW node_packages AS
SELECT l.node_id, p.name, p.arch, p.version
FROM node_package_lists l
CROSS JOIN LATERAL unnest(l.package_ids) AS u (package_id)
JOIN packages p ON p.id = u.package_id;

ANALYZE packages;
ANALYZE node_package_lists;
