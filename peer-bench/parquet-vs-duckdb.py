"""covenant revshare against DuckDB over the same Parquet ledger, one run, agreement checked.

The ledger is the peers' harness CSV (shared/peers/revshare_duckdb.py, 10,000,000 rows by
default) written once as Parquet by DuckDB (DATE, VARCHAR, DECIMAL(18,2); zstd; DuckDB's row
groups). DuckDB runs the harness's own revenue-share query over `read_parquet` at its default
threads; covenant runs `revshare` on the file. Totals, the cap day and every year must agree to
the cent. Run by hand (minutes, not for CI):

    python3 peer-bench/parquet-vs-duckdb.py [--rows N] [--runs 3]
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import time
from decimal import Decimal, ROUND_HALF_EVEN

ROOT = pathlib.Path(__file__).resolve().parents[1]
PEERS = pathlib.Path(os.environ.get("PEERS", ROOT.parent / "shared" / "peers"))
sys.path.insert(0, str(PEERS))
import duckdb  # noqa: E402
import revshare_duckdb as harness  # noqa: E402


def cent(x):
    return Decimal(str(x)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    data = ROOT / "target" / "bench-data"
    data.mkdir(parents=True, exist_ok=True)
    csv = data / f"peers_ledger_{args.rows}.csv"
    if not csv.exists():
        harness.generate(str(csv), args.rows, 42)
    parquet = data / f"peers_ledger_{args.rows}.parquet"
    if not parquet.exists():
        con = duckdb.connect()
        con.execute(harness.LOAD_SQL, [str(csv)])
        con.execute(f"COPY ledger TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)")
        con.close()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "covenant"
    print(f"rows={args.rows} parquet_mb={parquet.stat().st_size / 1e6:.0f}")

    load = "CREATE OR REPLACE TABLE ledger AS SELECT * FROM read_parquet(?)"
    cap = str(harness.CAP) if hasattr(harness, "CAP") else "38000000000"
    duck_times = []
    for run in range(args.runs):
        con = duckdb.connect()
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        t0 = time.perf_counter()
        con.execute(load, [str(parquet)])
        res = con.execute(harness.REVSHARE_SQL, [cap, cap, cap]).fetchall()
        duck_times.append(time.perf_counter() - t0)
        con.close()
        print(f"duckdb threads={threads} run={run + 1} secs={duck_times[-1]:.2f}")
    cov_times = []
    for run in range(args.runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [str(binary), "revshare", str(parquet), "--clause", "msft_openai.openai_pays_microsoft", "--format", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
        cov_times.append(time.perf_counter() - t0)
        print(f"covenant run={run + 1} secs={cov_times[-1]:.2f}")
    cov = json.loads(out)["clauses"][0]
    years = {r[0]: r for r in res if r[0] is not None}
    total = [r for r in res if r[0] is None][0]
    ok = cent(total[2]) == Decimal(cov["share"]) and cent(total[3]) == Decimal(cov["paid"])
    ok &= str(total[4]) == str(cov["cap_reached_on"])
    for y in cov["by_year"]:
        d = years.get(y["year"])
        ok &= d is not None and cent(d[2]) == Decimal(y["share"]) and cent(d[3]) == Decimal(y["paid"])
    best_cov, best_duck = min(cov_times), min(duck_times)
    print(f"agree={'true' if ok else 'false'} paid={cov['paid']} cap_reached={cov['cap_reached_on']}")
    print(f"best covenant={best_cov:.2f}s duckdb={best_duck:.2f}s covenant/duckdb={best_cov / best_duck:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
