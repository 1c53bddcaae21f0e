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
#   BENCH_OTHER=M        also measure the no-op plan with M more tables in another
#                        database on the server (`reconcile_bench_<pid>_other`), which
#                        a plan must not read (default 0: not measured)
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
other=${BENCH_OTHER:-0}
cleanup() { "${client[@]}" -e "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS ${db}_ddl; DROP DATABASE IF EXISTS ${db}_other" || true; rm -rf -- "$work"; }
trap cleanup EXIT

python3 "$here/gen_schema.py" "$n" "$work/p" >/dev/null
printf 'url "%s/%s"\ncreate-database #true\n' "$url" "$db" >"$work/p/environments/development.kdl"
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
timings=$(RECONCILE_TIMINGS=1 r plan --exit-code 2>&1 >/dev/null | tr '\n' ' ' || true)
# The other databases on the server: the same no-op plan with M tables next to it.
plan_other=-; catalog_other=-
if [ "$other" -gt 0 ]; then
    python3 "$here/gen_schema.py" "$other" "$work/o" >/dev/null
    printf 'url "%s/%s_other"\n' "$url" "$db" >"$work/o/environments/development.kdl"
    "$bin" --project "$work/o" plan --format sql >"$work/other.sql"
    "${client[@]}" -e "CREATE DATABASE ${db}_other"
    "${client[@]}" "${db}_other" <"$work/other.sql"
    plan_other=$(mean_of "$runs" r plan --exit-code)
    catalog_other=$(mean_of "$runs" sh -c "${client[*]} $db <'$here/catalog.mysql.sql'")
fi
cp "$work/p/schema.kdl" "$work/schema.kdl.orig"
# One check more on one table: the fast rules see a new check, so the server spells that
# table in a scratch (one scratch round trip more than the no-op).
sed -i '0,/    index code unique=#true/s//    index code unique=#true\n    check quantity_known "quantity >= -100"/' "$work/p/schema.kdl"
check_one=$(mean_of "$runs" r plan)
# One column more on each of 10 tables: the plan, and the plan proved on a copy of the 10
# tables (and those they reference) in a scratch.
cp "$work/schema.kdl.orig" "$work/p/schema.kdl"
sed -i '0,/column notes text nullable=#true/s//column notes text nullable=#true\n    column extra int nullable=#true/' "$work/p/schema.kdl"
one=$(mean_of "$runs" r plan)
cp "$work/schema.kdl.orig" "$work/p/schema.kdl"
python3 - "$work/p/schema.kdl" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
needle = "column notes text nullable=#true"
parts = text.split(needle)
out = parts[0]
for i, part in enumerate(parts[1:]):
    out += needle + ("\n    column extra int nullable=#true" if i < 10 else "") + part
open(path, "w").write(out)
PY
ten=$(mean_of "$runs" r plan)
ten_proved=$(mean_of "$runs" r plan --prove)

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
| \`reconcile plan\` (one check more on one table: one scratch) | $check_one |
| \`reconcile plan\` (one column more on each of 10 tables) | $ten |
| \`reconcile plan --prove\` (the same, proved on a copy in a scratch) | $ten_proved |
| \`reconcile plan --exit-code\` (no-op) with $other tables in another database | $plan_other |
| \`mariadb < catalog.mysql.sql\` with $other tables in another database | $catalog_other |

| ratio | value | target |
|---|---:|---|
| apply / (DDL + parse) | $(ratio "$apply" "$ddl" "$check") | ≤ 1.1 |
| no-op plan / (catalog + parse) | $(ratio "$plan" "$catalog" "$check") | ≤ 1.5 |
| one-column plan / no-op plan | $(awk -v a="$one" -v b="$plan" 'BEGIN { printf "%.2f", a / b }') | ≈ 1 |
| one-check plan − no-op plan, s (the scratch round trip) | $(awk -v a="$check_one" -v b="$plan" 'BEGIN { printf "%.3f", a - b }') | one round trip |
| proof of the 10-table change, s | $(awk -v a="$ten_proved" -v b="$ten" 'BEGIN { printf "%.3f", a - b }') | reported |

Stages of the no-op plan (RECONCILE_TIMINGS=1): $timings
REPORT
