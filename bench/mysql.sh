#!/usr/bin/env bash
# Benchmark of whole `reconcile` processes on a generated N-table project on MariaDB,
# against the `mariadb` client doing the same database work. See docs/benchmarks.md.
#
#   bench/mysql.sh [N]             (default: 1000)
#
# Environment (all optional):
#   BENCH_MYSQL_URL=URL  the server (default mysql://root@127.0.0.1:3306); a database
#                        `reconcile_bench_<pid>` is created on it and dropped afterwards
#   BENCH_BIN=PATH       time this binary instead of building target/release/reconcile
#   BENCH_RUNS=K         runs of each quick command (default 5)
#
# Needs: python3 and the `mariadb` client.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
n=${1:-1000}
runs=${BENCH_RUNS:-5}
url=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306}
hostport=${url#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=3306
userpart=${url#*://}; user=${userpart%%@*}; user=${user%%:*}
db=reconcile_bench_$$
client=(mariadb --protocol=tcp -h "$host" -P "$port" -u "$user")

if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml"
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/reconcile"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/reconcile-bench-mysql.XXXXXX")
cleanup() { "${client[@]}" -e "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS ${db}_ddl" || true; rm -rf -- "$work"; }
trap cleanup EXIT

python3 "$here/gen_schema.py" "$n" "$work/p" >/dev/null
printf 'url "%s/%s"\n' "$url" "$db" >"$work/p/environments/development.kdl"
r() { "$bin" --project "$work/p" "$@"; }

# mean_of K CMD...: the mean wall time of K runs, seconds.
mean_of() {
    local k=$1 i t0 t1 sum=0; shift
    for ((i = 0; i < k; i++)); do
        t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
        sum=$(awk -v s="$sum" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", s + b - a }')
    done
    awk -v s="$sum" -v k="$k" 'BEGIN { printf "%.3f", s / k }'
}

# The DDL apply runs, as the plan prints it for an empty database, for the client to run.
r plan --format sql >"$work/ddl.sql"
echo "== N = $n, $(grep -c '^CREATE TABLE' "$work/ddl.sql") tables" >&2

check=$(mean_of "$runs" r check --dialect mysql)
apply=$(mean_of 1 r apply --yes)
r plan --exit-code >/dev/null || { echo "mysql.sh: apply did not converge" >&2; exit 1; }
"${client[@]}" -e "CREATE DATABASE ${db}_ddl"
ddl=$(mean_of 1 sh -c "${client[*]} ${db}_ddl <'$work/ddl.sql'")
plan=$(mean_of "$runs" r plan --exit-code)
catalog=$(mean_of "$runs" sh -c "${client[*]} $db <'$here/catalog.mysql.sql'")
# One column more on one table: the plan reads the same catalog.
sed -i '0,/column notes text nullable=#true/s//column notes text nullable=#true\n    column extra int nullable=#true/' "$work/p/schema.kdl"
one=$(mean_of "$runs" r plan)
timings=$(RECONCILE_TIMINGS=1 r plan --exit-code 2>&1 >/dev/null | tr '\n' ' ' || true)

ratio() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.2f", a / (b + c) }'; }
cat <<REPORT
# MariaDB benchmark, $(date -u +%Y-%m-%dT%H:%MZ), N = $n

- commit \`$(git -C "$repo" rev-parse --short HEAD)\`, $(nproc) cores, $("${client[@]}" -N -e 'SELECT VERSION()')
- parse = \`reconcile check --dialect mysql\` (whole process); means of $runs runs, apply and DDL one run each

| command | s |
|---|---:|
| \`reconcile check --dialect mysql\` (parse) | $check |
| \`reconcile apply --yes\` (empty database) | $apply |
| \`mariadb < ddl.sql\` (the same statements) | $ddl |
| \`reconcile plan --exit-code\` (no-op) | $plan |
| \`mariadb < catalog.mysql.sql\` (the 8 catalog queries) | $catalog |
| \`reconcile plan\` (one column more on one table) | $one |

| ratio | value | target |
|---|---:|---|
| apply / (DDL + parse) | $(ratio "$apply" "$ddl" "$check") | ≤ 1.1 |
| no-op plan / (catalog + parse) | $(ratio "$plan" "$catalog" "$check") | ≤ 1.5 |
| one-column plan / no-op plan | $(awk -v a="$one" -v b="$plan" 'BEGIN { printf "%.2f", a / b }') | ≈ 1 |

Stages of the no-op plan (RECONCILE_TIMINGS=1): $timings
REPORT
