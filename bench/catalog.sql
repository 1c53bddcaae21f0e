-- What `reconcile plan` reads from a live SQLite database, as three whole-catalog queries
-- (one each for columns, indexes and foreign keys of every table). bench/run.sh times
-- `sqlite3 DB < bench/catalog.sql` as the floor for a no-op plan, and uses the output to check
-- that two databases hold the same schema.

-- Columns of every table, and each table's CREATE text once (reconcile reads CHECKs from it).
SELECT m.name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden,
       CASE WHEN c.cid = 0 THEN m.sql END
FROM sqlite_schema AS m JOIN pragma_table_xinfo(m.name) AS c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
ORDER BY m.name, c.cid;

-- Indexes of every table with their key columns, and the CREATE INDEX text (partial indexes).
SELECT m.name, l.name, l."unique", l.origin, l.partial,
       i.seqno, i.cid, i.name, i."desc", i.coll, s.sql
FROM sqlite_schema AS m
JOIN pragma_index_list(m.name) AS l
JOIN pragma_index_xinfo(l.name) AS i
LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = l.name
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND i.key = 1
ORDER BY m.name, l.name, i.seqno;

-- Foreign keys of every table.
SELECT m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete, f."match"
FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
ORDER BY m.name, f.id, f.seq;
