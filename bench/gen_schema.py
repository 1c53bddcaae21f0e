#!/usr/bin/env python3
"""Generates an N-table `reconcile` project for the benchmark (Python 3.11, stdlib only).

    bench/gen_schema.py N OUT_DIR

writes

    OUT_DIR/schema.kdl                     N tables, the same shape each (see below)
    OUT_DIR/environments/development.kdl   url "sqlite://dev.db"
    OUT_DIR/ddl.sql                        the equivalent SQLite DDL, in one transaction

Every table has 8 columns of mixed portable types, 2 indexes (one unique) and one foreign key
to an earlier table (table 0 has the column but no key):

    table t00006 {
        column id bigint primary-key=#true auto-increment=#true
        column code string length=30
        column quantity int
        column is_active bool default=#true
        column created_at datetime default=(sql)CURRENT_TIMESTAMP
        column price decimal precision=12 scale=2
        column notes text nullable=#true
        column parent_id bigint nullable=#true references=t00003.id on-delete=cascade
        index code unique=#true
        index parent_id created_at
    }

Even tables declare the key with the column's `references=`, odd tables with a `foreign-key`
node (the two spellings mean the same key), so both parser paths are exercised. The target
of table i is an earlier table picked by a fixed integer hash of i, so the key graph is not a
chain. The output depends on N only (no randomness, no clock).

ddl.sql holds the statements `reconcile plan --dialect sqlite --format sql` prints for the same
schema, byte for byte (CREATE TABLE with the key inline, then its two CREATE INDEX; reconcile
prints all tables first, then all indexes), wrapped in one BEGIN/COMMIT; bench/run.sh checks that a database built from it reads back the same as
one built by `reconcile apply` (the three catalog queries give the same rows).
"""

from __future__ import annotations

import sys
from pathlib import Path


def table_name(i: int, width: int) -> str:
    return f"t{i:0{width}d}"


def parent_of(i: int) -> int | None:
    """The earlier table that table i references; None for table 0."""
    if i == 0:
        return None
    h = (i * 2654435761) & 0xFFFFFFFF  # Knuth's multiplicative hash, fixed for all runs
    return (h >> 8) % i


def kdl_table(i: int, width: int) -> str:
    t = table_name(i, width)
    parent = parent_of(i)
    lines = [
        f"table {t} {{",
        "    column id bigint primary-key=#true auto-increment=#true",
        f"    column code string length={20 + i % 5 * 10}",
        "    column quantity int",
        f"    column is_active bool default={'#true' if i % 2 == 0 else '#false'}",
        "    column created_at datetime default=(sql)CURRENT_TIMESTAMP",
        f"    column price decimal precision={10 + i % 3} scale=2",
        "    column notes text nullable=#true",
    ]
    if parent is None:
        lines.append("    column parent_id bigint nullable=#true")
    elif i % 2 == 0:
        lines.append(
            f"    column parent_id bigint nullable=#true references={table_name(parent, width)}.id"
            " on-delete=cascade"
        )
    else:
        lines.append("    column parent_id bigint nullable=#true")
    lines.append("    index code unique=#true")
    lines.append("    index parent_id created_at")
    if parent is not None and i % 2 == 1:
        lines.append(
            f'    foreign-key parent_id references="{table_name(parent, width)}(id)"'
            " on-delete=cascade"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def sql_table(i: int, width: int) -> str:
    t = table_name(i, width)
    parent = parent_of(i)
    cols = [
        '"id" INTEGER PRIMARY KEY',
        f'"code" VARCHAR({20 + i % 5 * 10}) NOT NULL',
        '"quantity" INTEGER NOT NULL',
        f'"is_active" BOOLEAN NOT NULL DEFAULT {"TRUE" if i % 2 == 0 else "FALSE"}',
        '"created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP',
        f'"price" NUMERIC({10 + i % 3},2) NOT NULL',
        '"notes" TEXT',
        '"parent_id" BIGINT',
    ]
    if parent is not None:
        p = table_name(parent, width)
        fk_name = f"fk_{t}_parent_id_{p}"
        cols.append(
            f'CONSTRAINT "{fk_name}" FOREIGN KEY ("parent_id") REFERENCES "{p}" ("id")'
            " ON DELETE CASCADE"
        )
    body = ",\n".join(f"  {c}" for c in cols)
    return (
        f'CREATE TABLE "{t}" (\n{body}\n);\n'
        f'CREATE UNIQUE INDEX "uq_{t}_code" ON "{t}" ("code");\n'
        f'CREATE INDEX "ix_{t}_parent_id_created_at" ON "{t}" ("parent_id", "created_at");\n'
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        print("usage: gen_schema.py N OUT_DIR  (N >= 1 tables)", file=sys.stderr)
        return 1
    n = int(argv[1])
    out = Path(argv[2])
    width = max(5, len(str(n - 1)))
    (out / "environments").mkdir(parents=True, exist_ok=True)
    (out / "environments" / "development.kdl").write_text('url "sqlite://dev.db"\n')
    with open(out / "schema.kdl", "w") as f:
        f.write(f"// Generated by bench/gen_schema.py {n}: do not edit.\n\n")
        for i in range(n):
            f.write(kdl_table(i, width))
            f.write("\n")
    with open(out / "ddl.sql", "w") as f:
        f.write("BEGIN;\n")
        for i in range(n):
            f.write(sql_table(i, width))
        f.write("COMMIT;\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
