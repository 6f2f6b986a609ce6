"""Statements over Spark DataFrames, computed where the data lives.

    import covenant, covenant.spark
    rules = covenant.Rules.load("rules/")
    df = spark.read.parquet("s3://ledgers/2026/")          # date, party, stream, amount, currency
    table = covenant.spark.statement(df, rules, by="quarter")   # a pyarrow.Table

Each partition is read on its executor by `mapInArrow` into a piece of the statement (its sums
by clause and day, a few kilobytes); the driver merges the pieces and walks the days once. The
statement is the one `rules.statement` gives for the same rows, to the cent, whatever the
partitioning. A bad row stops the statement with its message (naming the partition and the
row within it) unless `skip_invalid` is set; then skipped rows are counted in every partition.

The ledger's columns are those of a CSV ledger, matched by name in any case: `date` (DATE or
ISO text), `party`, `stream`, `amount` (DECIMAL or exact text; never a float) and `currency`.
Other columns are not sent to the executors' readers.
"""

from . import CovenantError, Rules, merge

__all__ = ["statement", "pieces"]

_COLUMNS = ("date", "party", "stream", "amount", "currency")


def _ledger_columns(df):
    by_name = {}
    for name in df.columns:
        key = name.strip().lower()
        if key in _COLUMNS:
            if key in by_name:
                raise CovenantError(f"the ledger has two `{key}` columns: `{by_name[key]}` and `{name}`")
            by_name[key] = name
    missing = [c for c in _COLUMNS if c not in by_name]
    if missing:
        raise CovenantError(
            "the ledger has no "
            + ", ".join(f"`{c}`" for c in missing)
            + " column: it needs date, party, stream, amount and currency"
        )
    return [by_name[c] for c in _COLUMNS]


def pieces(df, rules, until=None, clauses=None, skip_invalid=False, set=None, as_of=None):
    """The pieces of the statement, one per partition, read on the executors: a list of bytes
    in partition order, for `covenant.merge` and `rules.finish`."""
    if not isinstance(rules, Rules):
        raise CovenantError("rules: give a covenant.Rules")
    from pyspark import TaskContext
    from pyspark.sql.types import BinaryType, IntegerType, StringType, StructField, StructType

    ledger = df.select(*_ledger_columns(df))
    schema = StructType(
        [
            StructField("partition", IntegerType(), False),
            StructField("state", BinaryType(), True),
            StructField("error", StringType(), True),
        ]
    )
    options = dict(until=until, clauses=clauses, skip_invalid=skip_invalid, set=set, as_of=as_of)

    def read(batches):
        import pyarrow as pa

        from covenant import CovenantError

        ctx = TaskContext.get()
        partition = ctx.partitionId() if ctx is not None else 0
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            arrow = pa.table({c: pa.array([], pa.string()) for c in _COLUMNS})
        else:

            def chained():
                yield first
                yield from batches

            arrow = pa.RecordBatchReader.from_batches(first.schema, chained())
        state, error = None, None
        try:
            state = rules.partial(arrow, name=f"partition {partition}", **options)
        except CovenantError as e:
            error = str(e)
        yield pa.RecordBatch.from_pydict(
            {"partition": [partition], "state": [state], "error": [error]},
            schema=pa.schema(
                [
                    pa.field("partition", pa.int32(), False),
                    pa.field("state", pa.binary()),
                    pa.field("error", pa.string()),
                ]
            ),
        )

    rows = ledger.mapInArrow(read, schema).collect()
    rows.sort(key=lambda r: r["partition"])
    for r in rows:
        if r["error"] is not None:
            raise CovenantError(r["error"])
    return [bytes(r["state"]) for r in rows]


def statement(
    df,
    rules,
    by="year",
    start=None,
    until=None,
    clauses=None,
    skip_invalid=False,
    set=None,
    as_of=None,
):
    """The statement of every money clause (or those named) over a Spark DataFrame ledger, as
    `rules.statement` gives it for the same rows: a pyarrow.Table, figures as decimals."""
    states = pieces(df, rules, until=until, clauses=clauses, skip_invalid=skip_invalid, set=set, as_of=as_of)
    if not states:
        # A DataFrame of no partitions: the statement of no rows.
        import pyarrow as pa

        empty = pa.table({c: pa.array([], pa.string()) for c in _COLUMNS})
        states = [rules.partial(empty, until=until, clauses=clauses, set=set, as_of=as_of)]
    return rules.finish(merge(states), by=by, start=start, until=until, clauses=clauses, set=set, as_of=as_of)
