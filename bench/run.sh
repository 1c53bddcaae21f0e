#!/usr/bin/env bash
# Benchmark of whole `reconcile` processes on generated N-table SQLite projects, against
# sqlite3 doing the same database work. See docs/benchmarks.md for what is compared and why.
#
#   bench/run.sh [N...]            (default: 1000 2000 10000)
#
# Environment (all optional):
#   BENCH_BIN=PATH      time this reconcile binary instead of building target/release/reconcile
#   BENCH_TIMEOUT=S     cap on one run of one command, seconds (default 600)
#   BENCH_RUNS=K        hyperfine runs per command (default 5; 3 for commands over 2 s)
#   BENCH_SLOW=S        a command whose first run takes longer than S seconds is not repeated:
#                       its first run is the figure (default 20)
#   BENCH_OUT=FILE      results file (default bench/results/<date>-<commit>.md)
#   BENCH_KEEP=1        keep the temporary folder (its path is printed)
#   BENCH_HYPERFINE=0   time with the shell loop even when hyperfine is installed
#
# Needs: python3 (3.11, stdlib), sqlite3, GNU time (/usr/bin/time), timeout; hyperfine if
# installed (else a shell loop with `date +%s.%N`).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
timeout_s=${BENCH_TIMEOUT:-600}
slow_s=${BENCH_SLOW:-20}
runs_default=${BENCH_RUNS:-5}
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(1000 2000 10000); fi
for n in "${sizes[@]}"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: not a table count: $n" >&2; exit 1; }
done
for tool in python3 sqlite3 timeout /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "run.sh: needs $tool (apt-get install -y sqlite3 time)" >&2; exit 1; }
done
have_hyperfine=0
command -v hyperfine >/dev/null && [ "${BENCH_HYPERFINE:-1}" != 0 ] && have_hyperfine=1

# --- the binary: one release build, unless BENCH_BIN names one ---------------------------
if [ -n "${BENCH_BIN:-}" ]; then
    bin=$(cd -- "$(dirname -- "$BENCH_BIN")" && pwd)/$(basename -- "$BENCH_BIN")
else
    echo "== cargo build --release" >&2
    cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml"
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/reconcile"
    case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
fi
[ -x "$bin" ] || { echo "run.sh: no executable at $bin" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/reconcile-bench.XXXXXX")
cleanup() {
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$repo" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then rev="$rev+dirty"; fi
out=${BENCH_OUT:-$repo/bench/results/$(date +%Y%m%d-%H%M%S)-$rev.md}
mkdir -p -- "$(dirname -- "$out")"

# --- measuring one command ----------------------------------------------------------------
# measure KEY PREPARE COMMAND: one capped first run under GNU time (wall time, peak RSS, exit
# status), then, if it was quick, hyperfine (or a loop) for the mean. Results go to
# $work/r/KEY.{mean,sd,min,runs,rss,status}. PREPARE runs before every run, untimed.
mkdir -p "$work/r"
put() { printf '%s\n' "$2" >"$work/r/$1"; }
get() { cat "$work/r/$1" 2>/dev/null || echo "-"; }

measure() {
    local key=$1 prepare=$2 cmd=$3 tf="$work/time.txt" status wall rss runs
    echo "   $key: $cmd" >&2
    bash -c "$prepare"
    set +e
    /usr/bin/time -f '%e %M %x' -o "$tf" timeout "$timeout_s" bash -c "$cmd" \
        >/dev/null 2>"$work/r/$key.stderr"
    status=$?
    set -e
    read -r wall rss _ < <(tail -n 1 "$tf")
    put "$key.rss" "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')"
    if [ "$status" = 124 ]; then
        put "$key.status" "timeout"; put "$key.mean" ">$timeout_s"; put "$key.runs" 1
        echo "      timed out after $timeout_s s" >&2
        return 0
    elif [ "$status" != 0 ]; then
        put "$key.status" "exit $status"; put "$key.mean" "$wall"; put "$key.runs" 1
        echo "      failed (exit $status): $(tail -n 3 "$work/r/$key.stderr")" >&2
        return 0
    fi
    put "$key.status" "ok"
    if awk -v w="$wall" -v s="$slow_s" 'BEGIN { exit !(w > s) }'; then
        put "$key.mean" "$wall"; put "$key.sd" "-"; put "$key.min" "$wall"; put "$key.runs" 1
        echo "      $wall s (one run: slower than $slow_s s), $(get "$key.rss") MiB" >&2
        return 0
    fi
    runs=$runs_default
    if awk -v w="$wall" 'BEGIN { exit !(w > 2) }' && [ "$runs" -gt 3 ]; then runs=3; fi
    if [ "$have_hyperfine" = 1 ]; then
        if ! hyperfine --shell=bash --style=none --warmup 1 --runs "$runs" \
            --prepare "$prepare" --export-json "$work/hf.json" "$cmd" >/dev/null 2>&1; then
            put "$key.status" "failed when repeated"; put "$key.mean" "$wall"; put "$key.runs" 1
            echo "      failed when repeated by hyperfine; keeping the first run, $wall s" >&2
            return 0
        fi
        python3 - "$work/hf.json" "$work/r/$key" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
for field, value in (("mean", r["mean"]), ("sd", r.get("stddev") or 0.0), ("min", r["min"]),
                     ("runs", len(r["times"]))):
    open(f"{sys.argv[2]}.{field}", "w").write(f"{value:.4f}\n" if field != "runs" else f"{value}\n")
EOF
    else
        local i t0 t1 times=()
        bash -c "$prepare"; bash -c "$cmd" >/dev/null 2>&1   # warmup
        for ((i = 0; i < runs; i++)); do
            bash -c "$prepare"
            t0=$(date +%s.%N); bash -c "$cmd" >/dev/null 2>&1; t1=$(date +%s.%N)
            times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
        done
        printf '%s\n' "${times[@]}" | awk -v f="$work/r/$key" '
            { s += $1; q += $1 * $1; if (NR == 1 || $1 < m) m = $1 }
            END { mean = s / NR; sd = (NR > 1) ? sqrt((q - NR * mean * mean) / (NR - 1)) : 0
                  printf "%.4f\n", mean > f ".mean"; printf "%.4f\n", sd > f ".sd"
                  printf "%.4f\n", m > f ".min"; printf "%d\n", NR > f ".runs" }'
    fi
    echo "      $(get "$key.mean") s ± $(get "$key.sd") ($(get "$key.runs") runs), $(get "$key.rss") MiB" >&2
}

# Figures are plain numbers, or ">S" for a run cut off by the timeout (a lower bound).
# ratio A B C: A / (B + C); growth A B: A / B. A lower bound in A gives a lower bound ">R";
# a missing figure, or a lower bound in a denominator, gives "-".
ratio() {
    awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {
        lb = sub(/^>/, "", a)
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || c !~ /^[0-9.]+$/ || b + c == 0) { print "-"; exit }
        printf "%s%.2f", lb ? ">" : "", a / (b + c) }'
}
growth() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        lb = sub(/^>/, "", a)
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) { print "-"; exit }
        printf "%s%.1f", lb ? ">" : "", a / b }'
}
verdict() { # verdict VALUE LIMIT
    awk -v v="$1" -v l="$2" 'BEGIN {
        lb = sub(/^>/, "", v)
        if (v !~ /^[0-9.]+$/) print "n/a"
        else if (v <= l && !lb) print "ok"
        else if (v <= l) print "unknown (timed out)"
        else print "**over**" }'
}

# --- one size -----------------------------------------------------------------------------
notes=()
for n in "${sizes[@]}"; do
    echo "== N = $n" >&2
    proj="$work/n$n"
    python3 "$here/gen_schema.py" "$n" "$proj"
    p=$(printf '%q' "$proj") b=$(printf '%q' "$bin")

    measure "$n.check" ":" "$b --project $p check --dialect sqlite"
    measure "$n.apply" "rm -f $p/dev.db $p/dev.db-journal" "$b --project $p apply --yes"
    measure "$n.ddl" "rm -f $p/fresh.db $p/fresh.db-journal" "sqlite3 $p/fresh.db < $p/ddl.sql"

    # The no-op plan runs on the database `apply` made; if apply did not finish, on the one
    # sqlite3 made (same schema, as checked below at the sizes where both finished).
    if [ "$(get "$n.apply.status")" != ok ]; then
        rm -f "$proj/dev.db"
        sqlite3 "$proj/dev.db" <"$proj/ddl.sql"
        notes+=("N=$n: apply did not finish ($(get "$n.apply.status")); the no-op plan ran on the database sqlite3 built from ddl.sql.")
    elif ! cmp -s <(sqlite3 "$proj/dev.db" <"$here/catalog.sql") <(sqlite3 "$proj/fresh.db" <"$here/catalog.sql"); then
        notes+=("N=$n: **the database built by apply and the one built from ddl.sql differ** (catalog queries); the sqlite3 figure is not a like-for-like floor.")
        echo "   warning: apply and ddl.sql built different schemas" >&2
    fi
    measure "$n.plan" ":" "$b --project $p plan --exit-code"
    measure "$n.catalog" ":" "sqlite3 -readonly $p/dev.db < $(printf '%q' "$here/catalog.sql")"
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf -- "$proj"
done

# --- the report ---------------------------------------------------------------------------
first=${sizes[0]} last=${sizes[$((${#sizes[@]} - 1))]}
growth_limit=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.1f", 1.1 * b / a }')
{
    echo "# reconcile benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- commit \`$rev\`, binary \`$bin\`"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
         "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
    echo "- $(rustc --version 2>/dev/null || echo 'rustc: not found'); sqlite3 $(sqlite3 --version | cut -d' ' -f1);" \
         "hyperfine: $([ "$have_hyperfine" = 1 ] && hyperfine --version | cut -d' ' -f2 || echo 'no (shell loop)')"
    echo "- command: \`bench/run.sh ${sizes[*]}\` (timeout ${timeout_s} s per run, runs ${runs_default}, single run above ${slow_s} s)"
    echo "- parse time = \`reconcile check --dialect sqlite\` wall time (parse + validate, whole process)"
    echo
    echo "| N | command | mean s | ± s | min s | runs | peak RSS MiB | status |"
    echo "|---:|---|---:|---:|---:|---:|---:|---|"
    for n in "${sizes[@]}"; do
        for k in check apply ddl plan catalog; do
            case $k in
                check) label='`reconcile check --dialect sqlite`' ;;
                apply) label='`reconcile apply --yes` (empty database)' ;;
                ddl) label='`sqlite3 fresh.db < ddl.sql` (one transaction)' ;;
                plan) label='`reconcile plan --exit-code` (no-op)' ;;
                catalog) label='`sqlite3 dev.db < catalog.sql` (3 queries)' ;;
            esac
            echo "| $n | $label | $(get "$n.$k.mean") | $(get "$n.$k.sd") | $(get "$n.$k.min") | $(get "$n.$k.runs") | $(get "$n.$k.rss") | $(get "$n.$k.status") |"
        done
    done
    echo
    echo "| N | apply / (sqlite3 DDL + parse) | target ≤ 1.2 | no-op plan / (catalog + parse) | target ≤ 1.5 |"
    echo "|---:|---:|---|---:|---|"
    for n in "${sizes[@]}"; do
        a=$(ratio "$(get "$n.apply.mean")" "$(get "$n.ddl.mean")" "$(get "$n.check.mean")")
        pl=$(ratio "$(get "$n.plan.mean")" "$(get "$n.catalog.mean")" "$(get "$n.check.mean")")
        echo "| $n | $a | $(verdict "$a" 1.2) | $pl | $(verdict "$pl" 1.5) |"
    done
    if [ "$first" != "$last" ]; then
        echo
        echo "Growth from $first to $last tables (target ≤ ${growth_limit}×, i.e. 1.1 × linear):"
        echo
        echo "| command | time ×  | verdict | peak RSS × |"
        echo "|---|---:|---|---:|"
        for k in check apply plan ddl catalog; do
            g=$(growth "$(get "$last.$k.mean")" "$(get "$first.$k.mean")")
            m=$(growth "$(get "$last.$k.rss")" "$(get "$first.$k.rss")")
            echo "| $k | $g | $(verdict "$g" "$growth_limit") | $m |"
        done
    fi
    if [ "${#notes[@]}" -gt 0 ]; then
        echo
        for note in "${notes[@]}"; do echo "- $note"; done
    fi
} >"$out"
cat "$out"
echo "results written to $out" >&2
