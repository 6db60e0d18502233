#!/usr/bin/env bash
# wallet.sh: wallet holds per second beside pgbench's TPC-B-like TPS, on one scratch
# PostgreSQL database, in one run, with the same client count.
#
#   bench/wallet.sh                      # against postgres://postgres@127.0.0.1:5432
#   PGURL=postgres://u@host:5432 CLIENTS=8 DURATION=20 bench/wallet.sh
#
# It creates a database, runs `pgbench -i` and `pgbench -b tpcb-like -c CLIENTS -j 2
# -T DURATION` in it, then the Go benchmark BenchmarkHold (internal/wallet) with
# CLIENTS goroutines on the same database (migrated before pgbench's tables are added), prints
# both figures and drops the database.
set -euo pipefail
cd "$(dirname "$0")/.."

PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-20}
SCALE=${SCALE:-1}
PGBENCH=${PGBENCH:-$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)}
[ -x "$PGBENCH" ] || { echo "wallet.sh: pgbench not found (set PGBENCH)" >&2; exit 1; }

DB=bench_wallet_$(date +%s)_$$
psql "$PGURL/postgres?sslmode=disable" -qAtc "CREATE DATABASE $DB"
trap 'psql "$PGURL/postgres?sslmode=disable" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
URL="$PGURL/$DB?sslmode=disable"
# Migrate first: Atlas refuses to start on a database that already has other tables.
DATABASE_URL="$URL" go run ./server migrate >/dev/null

echo "== pgbench -i -s $SCALE; pgbench -b tpcb-like -c $CLIENTS -j 2 -T $DURATION ($DB)"
"$PGBENCH" -q -i -s "$SCALE" "$URL" >/dev/null 2>&1
PGB_OUT=$("$PGBENCH" -b tpcb-like -c "$CLIENTS" -j 2 -T "$DURATION" "$URL" 2>&1)
PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$PGB_OUT" | head -1)
grep -E '^(latency average|tps)' <<<"$PGB_OUT"


echo "== go test -bench BenchmarkHold ($CLIENTS clients, ${DURATION}s per case)"
GO_OUT=$(BENCH_DATABASE_URL="$URL" BENCH_CLIENTS="$CLIENTS" \
	go test -run '^$' -bench 'BenchmarkHold' -benchtime "${DURATION}s" ./internal/wallet 2>&1) ||
	{ echo "$GO_OUT" >&2; exit 1; }
grep -E '^Benchmark' <<<"$GO_OUT"
MANY=$(awk '/many_wallets/ {for (i=1;i<=NF;i++) if ($(i+1)=="holds/s") print $i}' <<<"$GO_OUT")
HOT=$(awk '/hot_wallet/ {for (i=1;i<=NF;i++) if ($(i+1)=="holds/s") print $i}' <<<"$GO_OUT")

echo "== summary ($CLIENTS clients)"
printf 'pgbench tpcb-like:      %10.1f tps\n' "$PGB_TPS"
printf 'holds, many wallets:    %10.1f holds/s (%.2fx pgbench)\n' "$MANY" "$(echo "$MANY / $PGB_TPS" | bc -l)"
printf 'holds, one hot wallet:  %10.1f holds/s (%.2fx pgbench)\n' "$HOT" "$(echo "$HOT / $PGB_TPS" | bc -l)"
