"""The Python package against the command line: the same answers and the same statements,
exact to the cent, whether the ledger comes as a path (CSV or Parquet), a pyarrow Table or
batch reader, or a pandas frame; errors as CovenantError with the command line's words.

Run: pip install target/wheels/covenant-*.whl && COVENANT=target/debug/covenant pytest python/tests
"""

import datetime as dt
import json
import os
import pathlib
import subprocess
from decimal import Decimal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import covenant

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("COVENANT", str(ROOT / "target" / "debug" / "covenant"))
FIGURES = ["counted", "earned", "recouped", "capped", "paid", "true_up", "payments", "committed", "shortfall", "owed"]
# The command line's JSON names `true_up` `true_ups`.
CLI_NAME = {"true_up": "true_ups"}


def cli(*args):
    out = subprocess.run([BINARY, *args], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout, parse_float=Decimal)


@pytest.fixture(scope="module")
def shipped():
    return covenant.Rules.load()


@pytest.fixture(scope="module")
def money():
    return covenant.Rules.load(ROOT / "fixtures" / "money" / "rules.cov")


def test_answers_are_the_command_lines(shipped):
    for q in [
        "deploy gpt_5_5 on bedrock at 2026-05-01",
        "deploy gpt_5_5 on bedrock",
        "pay openai to microsoft at 2026-06-01",
        "agreement msft_openai at 2026-05-01",
    ]:
        assert shipped.ask(q) == cli("ask", "--format", "json", q), q
    what_if = shipped.ask(
        "deploy gpt_5_5 on bedrock at 2026-05-01", set={"azure_lead": "30 days"}, as_of=dt.date(2026, 6, 1)
    )
    assert what_if == cli(
        "ask", "--format", "json", "--set", "azure_lead=30 days", "--as-of", "2026-06-01",
        "deploy gpt_5_5 on bedrock at 2026-05-01",
    )
    assert what_if["decision"] == "forbidden"
    assert what_if["assumed"][0]["set_for_run"] is True


def test_mistakes_raise_with_the_command_lines_words(shipped):
    with pytest.raises(covenant.CovenantError, match=r"question:1:19: unknown cloud `bedrok`; did you mean `bedrock`\?"):
        shipped.ask("deploy gpt_5_5 on bedrok at 2026-05-01")
    with pytest.raises(covenant.CovenantError, match="did you mean `azure_lead`"):
        shipped.ask("deploy gpt_5_5 on aws", set={"azure_led": "3 days"})
    with pytest.raises(covenant.CovenantError, match=r"rules.cov:2:7: error\[duplicate-id\]"):
        covenant.Rules.from_text("party a\nparty a\n")
    assert covenant.Rules.load().check() == covenant.Rules.load().warnings()
    checked = covenant.check("party a\nparty a\n", name="deal.cov")
    assert checked["valid"] is False
    d = checked["diagnostics"][0]
    assert (d["code"], d["file"], d["line"], d["column"]) == ("duplicate-id", "deal.cov", 2, 7)


def expected_rows(rules_args, ledger, by):
    """The command line's statement as {(clause, period): {figure: Decimal}}."""
    s = cli("statement", str(ledger), "--by", by, "--format", "json", *rules_args)
    rows = {}
    for e in s["entries"]:
        for p in e["periods"]:
            rows[(e["clause"], p["period"])] = {
                f: (None if p[CLI_NAME.get(f, f)] is None else Decimal(p[CLI_NAME.get(f, f)])) for f in FIGURES
            }
    return rows


def rows_of(table):
    rows = {}
    for r in table.to_pylist():
        if r["period"] is None:
            continue
        rows[(r["clause"], r["period"])] = {f: r[f] for f in FIGURES}
    return rows


def typed_table(csv_path):
    """The ledger as Arrow with typed columns: DATE dates and DECIMAL(18,2) amounts."""
    t = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(
            column_types={"date": pa.date32(), "amount": pa.decimal128(18, 2), "party": pa.string(),
                          "stream": pa.string(), "currency": pa.string()}
        ),
    )
    return t


@pytest.mark.parametrize(
    "rules_name,ledger,by",
    [
        ("shipped", "fixtures/ledgers/shipped.csv", "quarter"),
        ("money", "fixtures/money/tiers.csv", "quarter"),
        ("money", "fixtures/money/floor.csv", "year"),
        ("money", "fixtures/money/commitment.csv", "year"),
        ("money", "fixtures/money/advance.csv", "month"),
    ],
)
def test_statements_are_the_command_lines_from_every_kind_of_ledger(request, tmp_path, rules_name, ledger, by):
    rules = request.getfixturevalue(rules_name)
    rules_args = [] if rules_name == "shipped" else ["--rules", str(ROOT / "fixtures/money/rules.cov")]
    csv_path = ROOT / ledger
    expected = expected_rows(rules_args, csv_path, by)
    assert expected, "the fixture has figures"
    typed = typed_table(csv_path)
    parquet = tmp_path / "ledger.parquet"
    pq.write_table(typed, parquet, row_group_size=2)
    as_text = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={"date": pa.string(), "amount": pa.string()}))
    ledgers = {
        "csv path": str(csv_path),
        "parquet path": parquet,
        "typed table": typed,
        "text table": as_text,
        "batch reader": pa.RecordBatchReader.from_batches(typed.schema, typed.to_batches(max_chunksize=2)),
    }
    try:
        import pandas  # noqa: F401

        ledgers["pandas frame"] = as_text.to_pandas()
    except ImportError:
        pass
    for kind, source in ledgers.items():
        table = rules.statement(source, by=by)
        for name in FIGURES:
            assert pa.types.is_decimal(table.schema.field(name).type), (kind, name)
        assert rows_of(table) == expected, kind
        # Each clause's total row is the sum of its periods, rounded once.
        for clause in {c for c, _ in expected}:
            total = [r for r in table.to_pylist() if r["clause"] == clause and r["period"] is None]
            assert len(total) == 1
            owed = sum(v["owed"] for (c, _), v in expected.items() if c == clause)
            assert total[0]["owed"] == owed, (kind, clause)


def test_bad_ledgers_raise_naming_the_row_or_column(shipped, tmp_path):
    bad = pa.table({
        "date": ["2026-05-01", "2026-05-02"],
        "party": ["openai", "openai"],
        "stream": ["api", "api"],
        "amount": ["10.00", "ten"],
        "currency": ["USD", "USD"],
    })
    with pytest.raises(covenant.CovenantError, match=r"ledger:2: row 2: bad amount `ten`"):
        shipped.statement(bad)
    skipped = shipped.statement(bad, skip_invalid=True)
    assert skipped.num_rows > 0
    floats = pa.table({
        "date": ["2026-05-01"], "party": ["openai"], "stream": ["api"], "amount": [1.5], "currency": ["USD"],
    })
    with pytest.raises(covenant.CovenantError, match=r"the `amount` column holds floating-point numbers"):
        shipped.statement(floats)
    with pytest.raises(covenant.CovenantError, match="no `currency` column"):
        shipped.statement(bad.drop(["currency"]))
    with pytest.raises(covenant.CovenantError, match="neither a path nor an Arrow"):
        shipped.statement(42)
    with pytest.raises(covenant.CovenantError, match="by `week`"):
        shipped.statement(str(ROOT / "fixtures/ledgers/shipped.csv"), by="week")


def test_random_ledgers_agree_whatever_their_shape(money, tmp_path):
    """Random ledgers under the money fixture's clauses: the statement of the CSV file, of the
    same rows as a typed Arrow table in batches of random size, and as Parquet in row groups of
    random size, are one statement."""
    import random

    rng = random.Random(7)
    parties = ["kestrel", "streamco", "lumen", "nimbus", "halcyon"]
    for trial in range(12):
        n = rng.randint(1, 300)
        rows = []
        for _ in range(n):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
            cents = rng.randint(-20000, 500000)
            amount = Decimal(cents).scaleb(-2)
            rows.append((day.isoformat(), rng.choice(parties), "s", f"{amount:.2f}", "USD"))
        csv_path = tmp_path / f"r{trial}.csv"
        csv_path.write_text("date,party,stream,amount,currency\n" + "".join(",".join(r) + "\n" for r in rows))
        by = rng.choice(["year", "quarter", "month"])
        expected = money.statement(str(csv_path), by=by)
        assert expected.num_rows > 0
        table = typed_table(csv_path)
        assert money.statement(table, by=by).equals(expected), trial
        reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=rng.randint(1, 50)))
        assert money.statement(reader, by=by).equals(expected), trial
        parquet = tmp_path / f"r{trial}.parquet"
        pq.write_table(table, parquet, row_group_size=rng.randint(1, 64))
        assert money.statement(parquet, by=by).equals(expected), trial



def test_pieces_merged_in_any_order_finish_as_one_statement(money, tmp_path):
    """A random ledger dealt into random pieces (Arrow tables of any column types), each read
    apart, pickled, merged in a shuffled order and grouping: the statement finished from the
    merge is the statement of one read, figure for figure; merge gives the same bytes in any
    order."""
    import pickle
    import random

    rng = random.Random(11)
    parties = ["kestrel", "streamco", "lumen", "nimbus", "halcyon"]
    for trial in range(8):
        rows = []
        for _ in range(rng.randint(1, 400)):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
            amount = Decimal(rng.randint(-20000, 500000)).scaleb(-2)
            rows.append((day, rng.choice(parties), "s", amount, "USD"))
        whole = pa.table({
            "date": pa.array([r[0] for r in rows], pa.date32()),
            "party": [r[1] for r in rows],
            "stream": [r[2] for r in rows],
            "amount": pa.array([r[3] for r in rows], pa.decimal128(18, 2)),
            "currency": [r[4] for r in rows],
        })
        one = money.statement(whole, by="quarter")
        n = rng.randint(1, 6)
        owner = [rng.randrange(n) for _ in rows]
        pieces = []
        for k in range(n):
            mine = [i for i, o in enumerate(owner) if o == k]
            part = whole.take(pa.array(mine, pa.int64()))
            if k % 2:  # some pieces as text columns
                part = part.cast(pa.schema([(f.name, pa.string()) for f in part.schema]))
            pieces.append(pickle.loads(pickle.dumps(money.partial(part, name=f"piece {k}"))))
        rng.shuffle(pieces)
        while len(pieces) > 1:
            i = rng.randrange(len(pieces) - 1)
            pieces[i:i + 2] = [covenant.merge(pieces[i:i + 2])]
        assert money.finish(pieces[0], by="quarter").equals(one), trial
        assert covenant.merge(pieces) == pieces[0]


def test_pieces_of_other_terms_and_foreign_bytes_are_refused(shipped, money):
    ledger = str(ROOT / "fixtures/ledgers/shipped.csv")
    p = shipped.partial(ledger)
    q = shipped.partial(ledger, set={"revenue_share_rate": "10%"})
    with pytest.raises(covenant.CovenantError, match="cannot be merged"):
        covenant.merge([p, q])
    with pytest.raises(covenant.CovenantError, match="different rules, assumptions"):
        money.finish(p)
    with pytest.raises(covenant.CovenantError, match="`until`"):
        shipped.finish(p, until="2026-06-30")
    with pytest.raises(covenant.CovenantError, match="not a partial statement"):
        shipped.finish(b"PAR1")
    with pytest.raises(covenant.CovenantError, match="no partial statements"):
        covenant.merge([])
    # The same statement as a whole read, with the same settings.
    assert shipped.finish(q, by="quarter", set={"revenue_share_rate": "10%"}).equals(
        shipped.statement(ledger, by="quarter", set={"revenue_share_rate": "10%"}))


def test_rules_travel_by_pickle():
    import pickle

    rules = covenant.Rules.from_text(
        "party k\nparty a\nagreement g {\n between k and a\n signed 2026-01-01\n revenue_share r { k pays a 10% of k revenue }\n}\n",
        name="g.cov",
    )
    again = pickle.loads(pickle.dumps(rules))
    assert repr(again) == repr(rules)
    assert again.ask("pay k to a at 2026-02-01") == rules.ask("pay k to a at 2026-02-01")


def test_trial_findings_stay_fixed(shipped, money, tmp_path):
    """Found by a hostile trial: each of these once gave a wrong figure, a panic or a quiet
    loss."""
    # A figure of 25 digits came back divided by ten in the Arrow table.
    big = pa.table({"date": ["2026-03-01"], "party": ["kestrel"], "stream": ["kt101"],
                    "amount": ["8000000000000000000000000"], "currency": ["USD"]})
    rows = [r for r in money.statement(big).to_pylist() if r["period"] is None]
    counted = {r["clause"]: r["counted"] for r in rows}
    assert Decimal("8000000000000000000000000") in counted.values(), counted
    # A sum that needs 30 digits is refused in either order, never rounded to a cent off.
    for amounts in (["0.83499", "1000000000000000000000000"], ["1000000000000000000000000", "0.83499"]):
        t = pa.table({"date": ["2026-03-01"] * 2, "party": ["kestrel"] * 2, "stream": ["kt101"] * 2,
                      "amount": amounts, "currency": ["USD"] * 2})
        with pytest.raises(covenant.CovenantError, match="28 significant digits"):
            money.statement(t)
    # Batches that do not match their stream's schema: an error, not a panic.
    t = pa.table({"date": ["2026-05-01"], "party": ["openai"], "stream": ["api"],
                  "amount": ["1.00"], "currency": ["USD"]})
    odd = pa.RecordBatchReader.from_batches(t.schema, iter(t.append_column("note", pa.array(["x"])).to_batches()))
    with pytest.raises(covenant.CovenantError, match="malformed"):
        shipped.statement(odd)
    # The rows skipped are not lost from view.
    bad = pa.table({"date": ["2026-05-01", "2026-05-02"], "party": ["openai"] * 2, "stream": ["api"] * 2,
                    "amount": ["10.00", "ten"], "currency": ["USD"] * 2})
    meta = shipped.statement(bad, skip_invalid=True).schema.metadata
    assert meta[b"covenant.rows_read"] == b"1" and meta[b"covenant.rows_skipped"] == b"1"
    # start after until is refused, as the command line refuses it.
    with pytest.raises(covenant.CovenantError, match="comes before start"):
        shipped.statement(bad, start="2027-02-18", until="2026-11-11", skip_invalid=True)
    # Pieces are bytes: an integer is not read as a length to allocate.
    with pytest.raises(covenant.CovenantError, match="give the bytes"):
        shipped.finish(10**9)
    with pytest.raises(covenant.CovenantError, match="give the bytes"):
        covenant.merge([5])
    # One clause named as a string is one clause, not its letters.
    ledger = str(ROOT / "fixtures/ledgers/shipped.csv")
    one = shipped.statement(ledger, clauses="msft_openai.openai_pays_microsoft")
    assert set(one.column("clause").to_pylist()) == {"msft_openai.openai_pays_microsoft"}
    # A piece edited by hand: a figure as a JSON number, or a day its terms do not count.
    piece = shipped.partial(ledger)
    head, body = piece.split(b"\n", 1)
    doc = json.loads(body)
    doc["sums"][0]["base"] = 0.1
    with pytest.raises(covenant.CovenantError, match="not an exact decimal"):
        shipped.finish(head + b"\n" + json.dumps(doc).encode())
    doc = json.loads(body)
    days = next(s["days"] for s in doc["sums"] if s["days"])
    days["2019-07-21"] = ["1000.00", 0]
    with pytest.raises(covenant.CovenantError, match="damaged"):
        shipped.finish(head + b"\n" + json.dumps(doc).encode())
    # An empty pandas frame (object columns of no type) is an empty ledger.
    try:
        import pandas as pd
    except ImportError:
        return
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in ["date", "party", "stream", "amount", "currency"]})
    assert shipped.statement(empty).num_rows >= 0
