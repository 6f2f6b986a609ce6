#!/usr/bin/env python3
"""The tiered, floored statement of peer-bench/statement/rules.cov in DuckDB SQL, with DECIMAL
arithmetic, over a ledger of the peers' shape; compared to the cent with `covenant statement`.

Rule: OpenAI's rows dated from 2019-07-22 count. Within each calendar year, with S the running
sum of the year's revenue (rows by day), the share is 5% of S up to 1,000,000,000 and 7% above
(refunds walk back); each day earns f(S after) - f(S before). Each ended year owes a true-up of
max(0, minimum - max(0, paid in the year)); 2019's minimum is prorated by days in force
(163 of 365, held to ten places). Years end by the ledger's latest day.
"""
import argparse
import json
import subprocess
import sys
import time
from decimal import Decimal, ROUND_HALF_EVEN

import duckdb

SQL = """
WITH rows AS (
  SELECT CAST(date AS DATE) AS d, CAST(amount AS DECIMAL(38, 2)) AS amount, party
  FROM read_csv(?, header = true, columns = {'date': 'VARCHAR', 'party': 'VARCHAR',
       'stream': 'VARCHAR', 'amount': 'VARCHAR', 'currency': 'VARCHAR'})
),
days AS (
  SELECT d, SUM(amount) AS revenue FROM rows
  WHERE party = 'openai' AND d >= DATE '2019-07-22' GROUP BY d
),
running AS (
  SELECT d, revenue, year(d) AS y,
         SUM(revenue) OVER (PARTITION BY year(d) ORDER BY d) AS s_after
  FROM days
),
earned AS (
  SELECT d, y, revenue,
    (CASE WHEN s_after <= 0 THEN s_after * 0.05
          WHEN s_after <= 1000000000 THEN s_after * 0.05
          ELSE 50000000 + (s_after - 1000000000) * 0.07 END)
  - (CASE WHEN s_after - revenue <= 0 THEN (s_after - revenue) * 0.05
          WHEN s_after - revenue <= 1000000000 THEN (s_after - revenue) * 0.05
          ELSE 50000000 + (s_after - revenue - 1000000000) * 0.07 END) AS earned
  FROM running
)
SELECT y, year(d) * 10 + (month(d) - 1) // 3 + 1 AS q, SUM(revenue), SUM(earned)
FROM earned GROUP BY y, q ORDER BY q
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv", required=True)
    p.add_argument("--covenant", default="target/release/covenant")
    a = p.parse_args()
    con = duckdb.connect()
    t0 = time.perf_counter()
    quarters = con.execute(SQL, [a.csv]).fetchall()
    last = con.execute("SELECT MAX(CAST(date AS DATE)) FROM read_csv(?, header = true)", [a.csv]).fetchone()[0]
    duck = time.perf_counter() - t0
    cents = lambda x: Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    years = {}
    for y, q, revenue, earned in quarters:
        years[y] = years.get(y, Decimal(0)) + Decimal(earned)
    # True-ups: years that ended by the ledger's latest day; 2019 prorated (163 of 365 days).
    ups = {}
    for y, paid in years.items():
        if (y, 12, 31) > (last.year, last.month, last.day):
            continue
        minimum = Decimal(200_000_000)
        if y == 2019:
            minimum = (minimum * 163 / 365).quantize(Decimal("1e-10"), rounding=ROUND_HALF_EVEN)
        short = minimum - max(Decimal(0), paid)
        if short > 0:
            ups[str(y)] = cents(short)
    t1 = time.perf_counter()
    out = subprocess.run([a.covenant, "statement", a.csv, "--rules",
                          "peer-bench/statement/rules.cov", "--by", "quarter", "--format", "json"],
                         capture_output=True, text=True, check=True)
    cov = time.perf_counter() - t1
    s = json.loads(out.stdout)
    lines = s["entries"][0]["periods"]
    agree = len(lines) == len(quarters)
    for line, (y, q, revenue, earned) in zip(lines, quarters):
        label = f"{y}-Q{q % 10}"
        agree &= line["period"] == label
        agree &= Decimal(line["counted"]) == cents(revenue)
        agree &= Decimal(line["earned"]) == cents(earned)
    cov_ups = {l["period"][:4]: Decimal(l["true_ups"]) for l in lines if Decimal(l["true_ups"]) != 0}
    agree &= {k: v for k, v in cov_ups.items()} == ups
    print(f"duckdb secs={duck:.2f} covenant_statement secs={cov:.2f} quarters={len(quarters)} "
          f"true_ups={len(ups)} agree={str(agree).lower()}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
