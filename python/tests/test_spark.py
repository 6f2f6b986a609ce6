"""covenant.spark against the command line: a ledger as a Spark DataFrame in local mode, its
partitions read on the executors by mapInArrow, gives the command line's statement to the cent
whatever the partitioning; a bad row raises with its message.

Needs pyspark and Java 17 or later (`.ci/run` installs both); skipped without them.
"""

import os
import shutil

import pytest

import covenant

# CI sets COVENANT_REQUIRE_SPARK: there a missing Spark or Java fails instead of skipping.
if os.environ.get("COVENANT_REQUIRE_SPARK"):
    import pyspark  # noqa: F401

    assert shutil.which("java") or os.environ.get("JAVA_HOME"), "Spark needs Java"
else:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java for Spark", allow_module_level=True)

import covenant.spark  # noqa: E402
from test_covenant import FIGURES, ROOT, expected_rows, rows_of  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("covenant-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def ledger_frame(spark, csv_path, partitions):
    from pyspark.sql import functions as F

    df = spark.read.option("header", True).csv(str(csv_path))
    typed = df.select(
        F.to_date("date").alias("date"),
        "party",
        "stream",
        F.col("amount").cast("decimal(18,2)").alias("amount"),
        "currency",
    )
    return typed.repartition(partitions)


@pytest.mark.parametrize(
    "rules_args,ledger,by",
    [
        ([], "fixtures/ledgers/shipped.csv", "quarter"),
        (["--rules", "fixtures/money/rules.cov"], "fixtures/money/tiers.csv", "quarter"),
        (["--rules", "fixtures/money/rules.cov"], "fixtures/money/floor.csv", "year"),
        (["--rules", "fixtures/money/rules.cov"], "fixtures/money/commitment.csv", "year"),
    ],
)
def test_a_spark_statement_is_the_command_lines(spark, rules_args, ledger, by):
    rules = covenant.Rules.load(*[ROOT / p for p in rules_args[1:]])
    expected = expected_rows([a if a.startswith("--") else str(ROOT / a) for a in rules_args], ROOT / ledger, by)
    for partitions in (1, 3, 7):
        table = covenant.spark.statement(ledger_frame(spark, ROOT / ledger, partitions), rules, by=by)
        assert rows_of(table) == expected, partitions
        for name in FIGURES:
            assert str(table.schema.field(name).type).startswith("decimal"), name


def test_text_columns_and_a_bad_row(spark, tmp_path):
    rules = covenant.Rules.load()
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,party,stream,amount,currency\n"
        "2026-05-01,openai,api,10.00,USD\n2026-05-02,openai,api,ten,USD\n2026-05-03,openai,api,5.00,USD\n"
    )
    df = spark.read.option("header", True).csv(str(path)).coalesce(1)
    with pytest.raises(covenant.CovenantError, match=r"partition 0:2: row 2: bad amount `ten`"):
        covenant.spark.statement(df, rules)
    skipped = covenant.spark.statement(df, rules, skip_invalid=True)
    assert skipped.equals(rules.statement(str(path), skip_invalid=True))
    floats = spark.createDataFrame(
        [("2026-05-01", "openai", "api", 1.5, "USD")], ["date", "party", "stream", "amount", "currency"]
    )
    with pytest.raises(covenant.CovenantError, match="floating-point"):
        covenant.spark.statement(floats, rules)
    with pytest.raises(covenant.CovenantError, match="no `currency` column"):
        covenant.spark.statement(df.drop("currency"), rules)
