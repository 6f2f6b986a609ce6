#!/usr/bin/env bash
# covenant revshare against DuckDB, side by side in one run, on the same generated ledger.
#
# The ledger and the DuckDB query come from the peers' harness (shared/peers/revshare_duckdb.py):
# 20% of OpenAI revenue from 2019-07-22 through 2030, capped at USD 38,000,000,000 from
# 2026-04-27, which is the shipped `msft_openai.openai_pays_microsoft`. The script checks that the
# totals, the cap day and every year agree to the cent, then prints both times and covenant's
# peak memory. Run by hand (minutes, not for CI):
#
#   peer-bench/revshare-vs-duckdb.sh                 # 10,000,000 rows
#   ROWS=1000000 peer-bench/revshare-vs-duckdb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
PEERS=${PEERS:-../shared/peers}
DATA=${DATA:-target/bench-data}
LEDGER=${LEDGER:-$DATA/peers_ledger_$ROWS.csv}
mkdir -p "$DATA"
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
cargo build --release --quiet

echo "== DuckDB (generates the ledger on first use)"
python3 "$PEERS/revshare_duckdb.py" --rows "$ROWS" --csv "$LEDGER" | tee "$DATA/duckdb.txt"

echo "== covenant revshare (sorted copy made once, for the sorted run)"
SORTED="${LEDGER%.csv}_sorted.csv"
[ -f "$SORTED" ] || { head -1 "$LEDGER"; tail -n +2 "$LEDGER" | sort -t, -k1,1 -s -S 1G; } > "$SORTED"
for input in "$LEDGER" "$SORTED"; do
  for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$DATA/covenant.time" target/release/covenant revshare "$input" \
      --clause msft_openai.openai_pays_microsoft --format json > "$DATA/covenant.json"
    read -r secs kb < "$DATA/covenant.time"
    echo "covenant $(basename "$input") run=$run secs=$secs peak_rss_mb=$((kb / 1024))"
  done
done

python3 - "$DATA/duckdb.txt" "$DATA/covenant.json" <<'PY'
import json, re, sys
from decimal import Decimal, ROUND_HALF_EVEN
duck = open(sys.argv[1]).read()
cov = json.load(open(sys.argv[2]))["clauses"][0]
cent = lambda s: Decimal(s.replace(",", "")).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
paid = cent(re.search(r"total_paid=([\d,.]+)", duck).group(1))
share = cent(re.search(r"total_share_uncapped=([\d,.]+)", duck).group(1))
day = re.search(r"cap_reached=(\S+)", duck).group(1)
day = "None" if day == "not" else day  # DuckDB's script prints "not reached"
ok = paid == Decimal(cov["paid"]) and share == Decimal(cov["share"]) and day == (cov["cap_reached_on"] or "None")
years = {int(m.group(1)): (int(m.group(2)), cent(m.group(3)), cent(m.group(4)))
         for m in re.finditer(r"^(\d{4})\s+(\d+)\s+([\d,.-]+)\s+([\d,.-]+)$", duck, re.M)}
for y in cov["by_year"]:
    d = years.get(y["year"])
    ok &= d is not None and d[1] == Decimal(y["share"]) and d[2] == Decimal(y["paid"])
ok &= sum(v[0] for v in years.values()) == cov["rows"]
print(f"agree={'true' if ok else 'false'} paid={cov['paid']} share={cov['share']} cap_reached={cov['cap_reached_on']} rows={cov['rows']}")
sys.exit(0 if ok else 1)
PY
