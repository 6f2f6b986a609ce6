#!/usr/bin/env bash
# covenant statement (a tiered revenue share with a yearly minimum, by quarter) against the same
# statement in DuckDB SQL, on the peers' generated ledger; the figures must agree to the cent.
# Run by hand (minutes, not for CI):
#
#   peer-bench/statement-vs-duckdb.sh             # the 10,000,000-row ledger of revshare-vs-duckdb.sh
#   LEDGER=some.csv peer-bench/statement-vs-duckdb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
DATA=${DATA:-target/bench-data}
LEDGER=${LEDGER:-$DATA/peers_ledger_$ROWS.csv}
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
cargo build --release --quiet
[ -f "$LEDGER" ] || { echo "no ledger at $LEDGER: run peer-bench/revshare-vs-duckdb.sh first"; exit 2; }
python3 peer-bench/statement/statement_duckdb.py --csv "$LEDGER"
