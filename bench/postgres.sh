#!/usr/bin/env bash
# Benchmark of whole `reconcile` processes on a generated N-table project on PostgreSQL,
# against psql doing the same database work. See docs/benchmarks.md, "PostgreSQL".
#
#   bench/postgres.sh [N]          (default: 1000)
#
# Environment (all optional):
#   BENCH_BIN=PATH      time this reconcile binary (default: target/release/reconcile, built)
#   BENCH_PG=URL        the server, no database (default postgres://postgres@127.0.0.1:5432)
#   BENCH_RUNS=K        runs per command (default 5); the figure is the mean
#
# Needs: python3, psql, GNU date. The databases it makes are named reconcile_bench_*.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
n=${1:-1000}
runs=${BENCH_RUNS:-5}
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml"
    bin="$repo/target/release/reconcile"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/reconcile-pgbench.XXXXXX")
trap 'rm -rf -- "$work"; psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS reconcile_bench_a WITH (FORCE)" -c "DROP DATABASE IF EXISTS reconcile_bench_b WITH (FORCE)" >/dev/null 2>&1' EXIT

proj="$work/p"
python3 "$here/gen_schema.py" "$n" "$proj" >/dev/null 2>&1
# No TLS on either side: reconcile and psql both connect with sslmode=disable.
printf 'url "%s/reconcile_bench_a?sslmode=disable"\n' "$pg" >"$proj/environments/development.kdl"
# The same DDL `reconcile apply` runs, as psql runs it: one transaction (`-1`).
"$bin" --project "$proj" plan --dialect postgres --format sql >"$proj/ddl.postgres.sql" 2>/dev/null

recreate() { # recreate DB
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}

# mean PREPARE COMMAND: the mean wall time of RUNS runs (PREPARE untimed before each).
mean() {
    local i t0 t1 total=0
    for ((i = 0; i < runs; i++)); do
        bash -c "$1" >/dev/null 2>&1
        t0=$(date +%s.%N)
        bash -c "$2" >/dev/null 2>&1 || { echo "failed: $2" >&2; exit 1; }
        t1=$(date +%s.%N)
        total=$(awk -v a="$total" -v b="$t0" -v c="$t1" 'BEGIN { printf "%.6f", a + c - b }')
    done
    awk -v t="$total" -v r="$runs" 'BEGIN { printf "%.3f", t / r }'
}

p=$(printf '%q' "$proj") b=$(printf '%q' "$bin")
check=$(mean : "$b --project $p check --dialect postgres")
apply=$(mean "$(declare -f recreate); pg=$pg; recreate reconcile_bench_a" "$b --project $p apply --yes")
ddl=$(mean "$(declare -f recreate); pg=$pg; recreate reconcile_bench_b" \
    "psql -q -X -1 -v ON_ERROR_STOP=1 $pg/reconcile_bench_b?sslmode=disable -f $p/ddl.postgres.sql")
plan=$(mean : "$b --project $p plan --exit-code")
catalog=$(mean : "psql -q -X -v ON_ERROR_STOP=1 $pg/reconcile_bench_a?sslmode=disable -f $here/catalog.postgres.sql")
# One check more on one table: the fast rules see a new check, so the server spells that
# table in a scratch schema (one scratch round trip more than the no-op).
cp "$proj/schema.kdl" "$proj/schema.kdl.orig"
sed -i '0,/    index code unique=#true/s//    index code unique=#true\n    check quantity_known "quantity >= -100"/' "$proj/schema.kdl"
check_one=$(mean : "$b --project $p plan")
mv "$proj/schema.kdl.orig" "$proj/schema.kdl"
# The two databases hold the same schema: the catalog queries print the same rows.
same=yes
cmp -s <(psql -X -At "$pg/reconcile_bench_a" -f "$here/catalog.postgres.sql") \
       <(psql -X -At "$pg/reconcile_bench_b" -f "$here/catalog.postgres.sql") || same=no

ratio() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.2f", a / (b + c) }'; }
cat <<REPORT
# reconcile on PostgreSQL, N = $n, $(date -u +%Y-%m-%dT%H:%MZ)

- $(psql -X -At "$pg/postgres" -c 'SHOW server_version'), $(nproc) cores, mean of $runs runs each
- apply's database and psql's hold the same schema (catalog rows equal): $same

| command | mean s |
|---|---:|
| \`reconcile check --dialect postgres\` (parse time) | $check |
| \`reconcile apply --yes\` (empty database) | $apply |
| \`psql -1 -f ddl.postgres.sql\` (the same DDL, one transaction) | $ddl |
| \`reconcile plan --exit-code\` (no-op) | $plan |
| \`psql -f catalog.postgres.sql\` (the 5 catalog queries) | $catalog |
| \`reconcile plan\` (one check more on one table: one scratch) | $check_one |

| ratio | value | target |
|---|---:|---|
| no-op plan / (catalog + parse) | $(ratio "$plan" "$catalog" "$check") | ≤ 1.5 |
| apply / (psql -1 DDL + parse) | $(ratio "$apply" "$ddl" "$check") | ≤ 1.1 |
| one-check plan − no-op plan, s (the scratch round trip) | $(awk -v a="$check_one" -v b="$plan" 'BEGIN { printf "%.3f", a - b }') | one round trip |
REPORT
