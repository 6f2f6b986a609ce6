//! The extension module `covenant._covenant`: covenant's rules, answers and statements for
//! Python, over the library façade (`Rules` → `Engine` → `Answer`).
//!
//! Answers cross as the library's one JSON rendering (the Python side reads it with exact
//! decimals); ledgers cross as Arrow streams (a pyarrow table or batch reader, a pandas or
//! polars frame: anything with `__arrow_c_stream__`), read batch by batch without a copy
//! through Python objects; statements come back as an Arrow record batch of exact decimals.
//! Every error is a `CovenantError` carrying the message the command line gives.

use std::sync::Arc;

use arrow_array::builder::{Date32Builder, Decimal128Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use arrow_schema::{DataType, Field, Schema};
use covenant::finance::ledger::BadRows;
use covenant::finance::partial::Partial;
use covenant::finance::statement::{statement as make_statement, Scope, Statement};
use covenant::finance::{Input, ReadOptions};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rust_decimal::Decimal;

create_exception!(
    covenant._covenant,
    CovenantError,
    PyException,
    "A problem with rules, a question, a ledger or an argument, in the words the command line uses."
);

fn fail(message: impl std::fmt::Display) -> PyErr {
    CovenantError::new_err(message.to_string())
}

/// Checked rules, and the engine reading them under their own assumption values.
#[pyclass(frozen, module = "covenant._covenant")]
struct Rules {
    rules: covenant::Rules,
    engine: covenant::Engine,
}

fn with_engine(rules: covenant::Rules) -> PyResult<Rules> {
    let engine = rules.engine(&covenant::Options::default()).map_err(fail)?;
    Ok(Rules { rules, engine })
}

fn day(field: &str, text: &str) -> PyResult<chrono::NaiveDate> {
    covenant::time::parse_day(text.trim()).ok_or_else(|| {
        fail(format!(
            "{field} `{text}`: not a valid day; days are written YYYY-MM-DD"
        ))
    })
}

impl Rules {
    /// An engine for these settings, when they are not the rules' own (`None`: use
    /// `self.engine`).
    fn engine_for(
        &self,
        set: Option<Vec<(String, String)>>,
        as_of: Option<&str>,
    ) -> PyResult<Option<covenant::Engine>> {
        let set = set.unwrap_or_default();
        let as_of = as_of
            .filter(|d| !d.trim().is_empty())
            .map(|d| day("as_of", d))
            .transpose()?;
        if set.is_empty() && as_of.is_none() {
            return Ok(None);
        }
        let texts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let options = self
            .rules
            .options(texts.iter().map(String::as_str), as_of)
            .map_err(|e| fail(format!("set: {e}")))?;
        self.rules.engine(&options).map(Some).map_err(fail)
    }
}

/// What a statement covers, from the Python arguments.
fn scope(
    by: &str,
    start: Option<&str>,
    until: Option<&str>,
    clauses: Option<Vec<String>>,
) -> PyResult<Scope> {
    let by = match by {
        "year" => covenant::vocab::Period::Year,
        "quarter" => covenant::vocab::Period::Quarter,
        "month" => covenant::vocab::Period::Month,
        "contract-year" | "contract_year" => covenant::vocab::Period::ContractYear,
        other => {
            return Err(fail(format!(
                "by `{other}`: give year, quarter, month or contract-year"
            )))
        }
    };
    let from = start.map(|d| day("start", d)).transpose()?;
    let until = until.map(|d| day("until", d)).transpose()?;
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            return Err(fail(format!(
                "until {} comes before start {}: the statement would cover no day",
                covenant::time::iso(u),
                covenant::time::iso(f)
            )));
        }
    }
    Ok(Scope {
        from,
        until,
        by,
        clauses: clauses.unwrap_or_default(),
    })
}

/// A ledger: a path (CSV or Parquet), or an Arrow stream named `name` in messages.
fn input(ledger: &Bound<'_, PyAny>, name: &str) -> PyResult<Input> {
    if let Ok(path) = ledger.extract::<std::path::PathBuf>() {
        return Ok(Input::File(path));
    }
    let reader = arrow_array::ffi_stream::RecordBatchStreamReader::from_pyarrow_bound(ledger)
        .map_err(|e| {
            fail(format!(
                "the ledger is neither a path nor an Arrow stream (a pyarrow table, a pandas or polars frame): {e}"
            ))
        })?;
    let boxed: Box<dyn RecordBatchReader + Send> = Box::new(reader);
    Ok(Input::Batches(name.to_string(), boxed))
}

fn bad_rows(skip_invalid: bool) -> BadRows {
    if skip_invalid {
        BadRows::Skip
    } else {
        BadRows::Stop
    }
}

#[pymethods]
impl Rules {
    /// Reads and checks rule files and folders; none: the shipped rules.
    #[staticmethod]
    #[pyo3(signature = (*paths))]
    fn load(paths: Vec<std::path::PathBuf>) -> PyResult<Rules> {
        let rules = if paths.is_empty() {
            covenant::Rules::shipped().map_err(fail)?
        } else {
            covenant::Rules::load(&paths).map_err(fail)?
        };
        with_engine(rules)
    }

    /// Checks one rule text, named as diagnostics should name it.
    #[staticmethod]
    #[pyo3(signature = (text, name = "rules.cov"))]
    fn from_text(text: &str, name: &str) -> PyResult<Rules> {
        with_engine(covenant::Rules::from_text(name, text).map_err(fail)?)
    }

    /// Answers a question as the answer's JSON (`covenant ask --format json`).
    #[pyo3(signature = (question, set = None, as_of = None))]
    fn ask_json(
        &self,
        question: &str,
        set: Option<Vec<(String, String)>>,
        as_of: Option<&str>,
    ) -> PyResult<String> {
        let own = self.engine_for(set, as_of)?;
        let engine = own.as_ref().unwrap_or(&self.engine);
        engine
            .ask_json(question)
            .map_err(|e| fail(e.placed("question")))
    }

    /// The check's warnings, as JSON with their places.
    fn warnings_json(&self) -> String {
        covenant::diag::json(self.rules.warnings(), self.rules.sources()).to_string()
    }

    /// The statement of every money clause (or those named) over a ledger: a path (CSV or
    /// Parquet) or an Arrow stream; an Arrow record batch, one row per clause and period and a
    /// total row per clause (period null).
    #[pyo3(signature = (ledger, by = "year", start = None, until = None, clauses = None, skip_invalid = false, set = None, as_of = None))]
    #[allow(clippy::too_many_arguments)]
    fn statement(
        &self,
        py: Python<'_>,
        ledger: &Bound<'_, PyAny>,
        by: &str,
        start: Option<&str>,
        until: Option<&str>,
        clauses: Option<Vec<String>>,
        skip_invalid: bool,
        set: Option<Vec<(String, String)>>,
        as_of: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let own = self.engine_for(set, as_of)?;
        let engine = own.as_ref().unwrap_or(&self.engine);
        let scope = scope(by, start, until, clauses)?;
        let input = input(ledger, "ledger")?;
        let options = ReadOptions::for_engine(engine, bad_rows(skip_invalid));
        let s = py
            .detach(|| make_statement(engine, vec![input], &options, &scope))
            .map_err(fail)?;
        let batch = to_arrow(&s).map_err(fail)?;
        batch.to_pyarrow(py).map(Bound::unbind)
    }

    /// A piece of a statement: the sums of a ledger (or a part of one: a Spark partition, one
    /// file of many) by clause and day, as bytes for `merge` and `finish`.
    #[pyo3(signature = (ledger, name = "ledger", until = None, clauses = None, skip_invalid = false, set = None, as_of = None))]
    #[allow(clippy::too_many_arguments)]
    fn partial<'py>(
        &self,
        py: Python<'py>,
        ledger: &Bound<'py, PyAny>,
        name: &str,
        until: Option<&str>,
        clauses: Option<Vec<String>>,
        skip_invalid: bool,
        set: Option<Vec<(String, String)>>,
        as_of: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let own = self.engine_for(set, as_of)?;
        let engine = own.as_ref().unwrap_or(&self.engine);
        let scope = scope("year", None, until, clauses)?;
        let input = input(ledger, name)?;
        let options = ReadOptions::for_engine(engine, bad_rows(skip_invalid));
        let p = py
            .detach(|| covenant::finance::partial::partial(engine, vec![input], &options, &scope))
            .map_err(fail)?;
        Ok(PyBytes::new(py, &p.to_bytes()))
    }

    /// The statement of merged pieces (bytes of `partial` or `merge`), as `statement` gives it.
    #[pyo3(signature = (state, by = "year", start = None, until = None, clauses = None, set = None, as_of = None))]
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        py: Python<'_>,
        state: &[u8],
        by: &str,
        start: Option<&str>,
        until: Option<&str>,
        clauses: Option<Vec<String>>,
        set: Option<Vec<(String, String)>>,
        as_of: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let own = self.engine_for(set, as_of)?;
        let engine = own.as_ref().unwrap_or(&self.engine);
        let scope = scope(by, start, until, clauses)?;
        let p = Partial::from_bytes(state).map_err(fail)?;
        let s = covenant::finance::partial::finish(engine, &p, &scope).map_err(fail)?;
        let batch = to_arrow(&s).map_err(fail)?;
        batch.to_pyarrow(py).map(Bound::unbind)
    }

    /// The rule files' names and texts, to make the same rules elsewhere (pickling).
    fn files(&self) -> Vec<(String, String)> {
        self.rules
            .sources()
            .iter()
            .map(|(_, s)| (s.name.clone(), s.text.to_string()))
            .collect()
    }

    /// Checks named rule texts, as `files` gives them.
    #[staticmethod]
    fn from_files(files: Vec<(String, String)>) -> PyResult<Rules> {
        let mut sources = covenant::Sources::new();
        for (name, text) in files {
            sources.add(name, text);
        }
        with_engine(covenant::Rules::from_sources(sources).map_err(fail)?)
    }

    fn __repr__(&self) -> String {
        let r = self.rules.rule_set();
        format!(
            "<covenant.Rules: {} files, {} agreements, {} clauses>",
            r.sources.len(),
            r.agreements.len(),
            r.clauses.len()
        )
    }
}

/// Checks rule texts (`{name: text}`) without keeping them: the diagnostics as JSON.
#[pyfunction]
fn check_json(files: Vec<(String, String)>) -> String {
    let mut sources = covenant::Sources::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let (valid, diags, sources) = match covenant::Rules::from_sources(sources) {
        Ok(rules) => (true, rules.warnings().to_vec(), rules.sources().clone()),
        Err(f) => (false, f.diagnostics, f.sources),
    };
    serde_json::json!({
        "valid": valid,
        "diagnostics": covenant::diag::json(&diags, &sources),
    })
    .to_string()
}

/// Merges pieces of a statement (bytes of `partial` or `merge`), in any order: the same bytes
/// whatever the order.
#[pyfunction]
fn merge<'py>(py: Python<'py>, states: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let pieces = states
        .iter()
        .map(|b| Partial::from_bytes(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let merged = Partial::merge_all(&pieces).map_err(fail)?;
    Ok(PyBytes::new(py, &merged.to_bytes()))
}

/// Scale of the statement's decimal columns: every currency's minor unit fits.
const SCALE: i8 = 4;

/// The statement as one record batch: a row per clause and period, and a total row per clause
/// (its period null), each figure rounded once at its currency's minor unit.
fn to_arrow(s: &Statement) -> Result<RecordBatch, String> {
    let figure_names = [
        "counted",
        "earned",
        "recouped",
        "capped",
        "paid",
        "true_up",
        "payments",
        "committed",
        "shortfall",
        "owed",
    ];
    let mut payer = StringBuilder::new();
    let mut payee = StringBuilder::new();
    let mut clause = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut period = StringBuilder::new();
    let mut from = Date32Builder::new();
    let mut currency = StringBuilder::new();
    let mut figures: Vec<Decimal128Builder> = figure_names
        .iter()
        .map(|_| Decimal128Builder::new())
        .collect();
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    // The figure rounded at its currency's minor unit, as an integer count of 10^-SCALE: in
    // integers, since a decimal cannot rescale a figure of 25 digits or more to 4 places (it
    // would silently keep fewer, and the Arrow value would be a tenth of the figure or less).
    let scaled = |c: Option<iso_currency::Currency>, d: Decimal| -> Result<i128, String> {
        let r = covenant::money::round(c.unwrap_or(iso_currency::Currency::USD), d);
        let want = u32::try_from(SCALE).unwrap_or(4);
        let m = r.mantissa();
        if r.scale() <= want {
            10i128
                .checked_pow(want - r.scale())
                .and_then(|f| m.checked_mul(f))
                .ok_or_else(|| format!("{d}: too large for the statement's columns"))
        } else {
            // A minor unit finer than the columns' scale (none has more than 4 digits): the
            // figure is exact at SCALE places after rounding, so the division leaves nothing.
            let f = 10i128.checked_pow(r.scale() - want).unwrap_or(1);
            Ok(m / f)
        }
    };
    for e in &s.entries {
        let mut total = [Decimal::ZERO; 10];
        let mut has = [false; 10];
        for l in &e.lines {
            payer.append_value(&e.payer);
            payee.append_value(&e.payee);
            clause.append_value(&e.clause);
            kind.append_value(e.kind);
            period.append_value(&l.period);
            match l.from {
                Some(d) => from.append_value(i32::try_from((d - epoch).num_days()).unwrap_or(0)),
                None => from.append_null(),
            }
            currency.append_option(e.currency.map(|c| c.code()));
            let values = [
                Some(l.counted),
                Some(l.earned),
                Some(l.recouped),
                Some(l.capped),
                Some(l.paid),
                Some(l.true_ups),
                Some(l.payments),
                l.committed,
                l.shortfall,
                Some(l.owed),
            ];
            for (i, v) in values.iter().enumerate() {
                let (Some(b), Some(t), Some(h)) =
                    (figures.get_mut(i), total.get_mut(i), has.get_mut(i))
                else {
                    continue;
                };
                match v {
                    Some(v) => {
                        b.append_value(scaled(e.currency, *v)?);
                        *t = t
                            .checked_add(*v)
                            .ok_or_else(|| format!("{}: the total overflows", e.clause))?;
                        *h = true;
                    }
                    None => b.append_null(),
                }
            }
        }
        payer.append_value(&e.payer);
        payee.append_value(&e.payee);
        clause.append_value(&e.clause);
        kind.append_value(e.kind);
        period.append_null();
        from.append_null();
        currency.append_option(e.currency.map(|c| c.code()));
        for (i, b) in figures.iter_mut().enumerate() {
            match (total.get(i), has.get(i)) {
                (Some(t), Some(true)) => b.append_value(scaled(e.currency, *t)?),
                _ => b.append_null(),
            }
        }
    }
    let text = |n: &str, nullable: bool| Field::new(n, DataType::Utf8, nullable);
    let mut fields = vec![
        text("payer", false),
        text("payee", false),
        text("clause", false),
        text("kind", false),
        text("period", true),
        Field::new("from", DataType::Date32, true),
        text("currency", true),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(payer.finish()),
        Arc::new(payee.finish()),
        Arc::new(clause.finish()),
        Arc::new(kind.finish()),
        Arc::new(period.finish()),
        Arc::new(from.finish()),
        Arc::new(currency.finish()),
    ];
    for (name, mut b) in figure_names.iter().zip(figures) {
        let array = b
            .finish()
            .with_precision_and_scale(38, SCALE)
            .map_err(|e| e.to_string())?;
        fields.push(Field::new(*name, DataType::Decimal128(38, SCALE), true));
        columns.push(Arc::new(array));
    }
    // How many rows were read, and how many skipped (`skip_invalid`), ride along as the
    // schema's metadata: a skipped row is never lost from view.
    let metadata = std::collections::HashMap::from([
        ("covenant.rows_read".to_string(), s.rows_read.to_string()),
        (
            "covenant.rows_skipped".to_string(),
            s.rows_skipped.to_string(),
        ),
    ]);
    RecordBatch::try_new(
        Arc::new(Schema::new(fields).with_metadata(metadata)),
        columns,
    )
    .map_err(|e| e.to_string())
}

#[pymodule]
fn _covenant(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A malformed Arrow stream or Parquet file makes the readers panic; covenant catches that
    // and raises CovenantError, so their messages are kept off standard error.
    covenant::finance::parquet::quiet_reader_panics();
    m.add_class::<Rules>()?;
    m.add_function(wrap_pyfunction!(check_json, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add("CovenantError", m.py().get_type::<CovenantError>())?;
    Ok(())
}
