"""covenant for Python: agreement rules, answers with their reasons, and money statements over
Arrow tables.

    import covenant
    rules = covenant.Rules.load()                      # the shipped rules; or paths to .cov files
    rules.ask("deploy gpt_5_5 on bedrock at 2026-05-01")["decision"]       # 'permitted'
    table = rules.statement("ledger.parquet", by="quarter")               # a pyarrow.Table

Answers are the JSON of `covenant ask --format json` as Python values, every amount a
`decimal.Decimal`; statements are Arrow tables whose figures are Arrow decimals, never floats.
A ledger is a path (CSV or Parquet) or anything with the Arrow C stream interface: a pyarrow
Table or RecordBatchReader, a pandas (2.2 or later) or polars DataFrame. Problems raise
`CovenantError` with the command line's message (file, line and column).
"""

import datetime as _dt
import json as _json
import os as _os
from decimal import Decimal as _Decimal

import pyarrow as _pa

from ._covenant import CovenantError
from ._covenant import Rules as _Rules
from ._covenant import check_json as _check_json
from ._covenant import merge as _merge

__all__ = ["Rules", "CovenantError", "check", "merge"]


def _settings(values):
    if values is None:
        return None
    if not isinstance(values, dict):
        raise CovenantError("set: give a dict of assumption id to value, such as {'azure_lead': '30 days'}")
    return [(str(k), str(v)) for k, v in values.items()]


def _day(value, name):
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise CovenantError(f"{name}: give a day as 'YYYY-MM-DD' or a datetime.date")


def _clauses(clauses):
    if clauses is None:
        return None
    if isinstance(clauses, str):  # one clause, not its letters
        return [clauses]
    return [str(c) for c in clauses]


def _piece(state, name="state"):
    if not isinstance(state, (bytes, bytearray, memoryview)):
        raise CovenantError(f"{name}: give the bytes of rules.partial or covenant.merge, not {type(state).__name__}")
    return bytes(state)


def _ledger(ledger):
    """A path stays a path; an Arrow stream crosses as one; other frames are asked for theirs."""
    if isinstance(ledger, (str, _os.PathLike)):
        return _os.fspath(ledger)
    if hasattr(ledger, "__arrow_c_stream__"):
        return ledger
    if hasattr(ledger, "to_arrow"):  # polars before the stream interface
        return ledger.to_arrow()
    try:
        import pandas as _pd  # noqa: F401

        if isinstance(ledger, _pd.DataFrame):
            return _pa.Table.from_pandas(ledger, preserve_index=False)
    except ImportError:
        pass
    raise CovenantError(
        "the ledger is neither a path nor an Arrow table: give a path, a pyarrow Table or "
        "RecordBatchReader, or a pandas or polars DataFrame"
    )


class Rules:
    """Checked rules: made only by reading and checking rule text."""

    def __init__(self, inner):
        self._inner = inner

    @classmethod
    def load(cls, *paths):
        """Reads and checks rule files and folders; with none, the shipped rules."""
        return cls(_Rules.load(*[_os.fspath(p) for p in paths]))

    @classmethod
    def from_text(cls, text, name="rules.cov"):
        """Checks one rule text, named as diagnostics should name it."""
        return cls(_Rules.from_text(text, name))

    def ask(self, question, set=None, as_of=None):
        """The answer to a question, as `covenant ask --format json` gives it."""
        text = self._inner.ask_json(question, _settings(set), _day(as_of, "as_of"))
        return _json.loads(text, parse_float=_Decimal)

    def warnings(self):
        """The check's warnings, each with its code, message and place."""
        return _json.loads(self._inner.warnings_json())

    def check(self):
        """The check's diagnostics: rules that did not check were never made, so these are
        its warnings (collisions, unused assumptions), each with its code, message and place."""
        return self.warnings()

    def statement(
        self,
        ledger,
        by="year",
        start=None,
        until=None,
        clauses=None,
        skip_invalid=False,
        set=None,
        as_of=None,
    ):
        """Every money clause over a ledger, period by period: a pyarrow.Table with one row per
        clause and period and a total row per clause (period null); figures are decimals. The
        rows read and skipped are in the schema's metadata (`covenant.rows_read`,
        `covenant.rows_skipped`)."""
        batch = self._inner.statement(
            _ledger(ledger),
            by,
            _day(start, "start"),
            _day(until, "until"),
            _clauses(clauses),
            bool(skip_invalid),
            _settings(set),
            _day(as_of, "as_of"),
        )
        return _pa.Table.from_batches([batch])

    def partial(
        self,
        ledger,
        until=None,
        clauses=None,
        skip_invalid=False,
        set=None,
        as_of=None,
        name="ledger",
    ):
        """A piece of a statement: what a ledger, or a part of one (a Spark partition, one file
        of many), sums to by clause and day, as opaque bytes. Pieces merge in any order
        (`covenant.merge`) and finish once (`rules.finish`) as one read of all their rows
        would. `name` names the piece in messages about its rows."""
        return self._inner.partial(
            _ledger(ledger),
            str(name),
            _day(until, "until"),
            _clauses(clauses),
            bool(skip_invalid),
            _settings(set),
            _day(as_of, "as_of"),
        )

    def finish(
        self,
        state,
        by="year",
        start=None,
        until=None,
        clauses=None,
        set=None,
        as_of=None,
    ):
        """The statement of merged pieces, as `statement` gives it. `until`, `clauses`, `set`
        and `as_of` must be those the pieces were read with; pieces of other terms are refused."""
        batch = self._inner.finish(
            _piece(state),
            by,
            _day(start, "start"),
            _day(until, "until"),
            _clauses(clauses),
            _settings(set),
            _day(as_of, "as_of"),
        )
        return _pa.Table.from_batches([batch])

    @classmethod
    def _from_files(cls, files):
        return cls(_Rules.from_files(files))

    def __reduce__(self):
        # Rules travel (to Spark executors, to worker processes) as their texts, checked again
        # where they arrive.
        return (Rules._from_files, (self._inner.files(),))

    def __repr__(self):
        return repr(self._inner)


def merge(states):
    """Merges pieces of a statement (bytes of `rules.partial` or of `merge`): the same bytes in
    any order and any grouping."""
    if isinstance(states, (bytes, bytearray, memoryview, str)) or states is None:
        raise CovenantError("merge: give a list of pieces (the bytes of rules.partial or covenant.merge)")
    return _merge([_piece(s, "a piece") for s in states])


def check(text, name="rules.cov"):
    """Checks rule text (one text, or a dict of file name to text) without keeping it: whether
    it is valid, and its diagnostics with their places."""
    files = list(text.items()) if isinstance(text, dict) else [(name, text)]
    return _json.loads(_check_json(files))
