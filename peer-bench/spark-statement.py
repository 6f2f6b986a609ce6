"""covenant.spark against the command line over the same 10M-row Parquet ledger, one machine.

The ledger is the one peer-bench/parquet-vs-duckdb.py writes (target/bench-data, made there
first). The command line runs `covenant statement` on the file (release build); Spark in local
mode (`local[2]`, the machine's two cores) reads the file with `spark.read.parquet` and runs
`covenant.spark.statement` (a partial statement per partition in mapInArrow, merged on the
driver). Both statements must agree to the cent, clause by clause and period by period. Times
are wall clock, Spark's session start excluded and reported apart. Run by hand (minutes, not
for CI), with the wheel installed:

    python3 peer-bench/spark-statement.py [--rows N] [--runs 2]
"""

import argparse
import json
import pathlib
import subprocess
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    parquet = ROOT / "target" / "bench-data" / f"peers_ledger_{args.rows}.parquet"
    if not parquet.exists():
        raise SystemExit(f"{parquet} is missing: run peer-bench/parquet-vs-duckdb.py --rows {args.rows} first")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "covenant"

    cli_times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [binary, "statement", str(parquet), "--by", "year", "--format", "json"],
            capture_output=True, text=True, check=True,
        )
        cli_times.append(time.perf_counter() - t0)
    cli = json.loads(out.stdout, parse_float=Decimal)
    expected = {
        (e["clause"], p["period"]): Decimal(p["owed"]) for e in cli["entries"] for p in e["periods"]
    }

    import covenant
    import covenant.spark
    from pyspark.sql import SparkSession

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("covenant-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    rules = covenant.Rules.load()
    spark_times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        df = spark.read.parquet(str(parquet))
        partitions = df.rdd.getNumPartitions()
        table = covenant.spark.statement(df, rules, by="year")
        spark_times.append(time.perf_counter() - t0)
    spark.stop()
    got = {(r["clause"], r["period"]): r["owed"] for r in table.to_pylist() if r["period"] is not None}
    assert got == expected, "the statements differ"
    owed = sum(expected.values())
    print(f"rows={args.rows} partitions={partitions} owed_in_all={owed} (agree to the cent, "
          f"{len(expected)} clause periods)")
    print("cli statement s: " + " ".join(f"{t:.2f}" for t in cli_times))
    print(f"spark local[2] statement s: " + " ".join(f"{t:.2f}" for t in spark_times)
          + f" (session start {start:.1f} s)")
    print(f"ratio spark/cli (best of each): {min(spark_times) / min(cli_times):.1f}x")


if __name__ == "__main__":
    main()
