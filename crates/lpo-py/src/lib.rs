//! The `lpo` Python package (module `lpo._lpo`, re-exported by `lpo/__init__.py`): a loaded
//! configuration as an [`Engine`] that quotes one order and prices Arrow tables of orders.
//!
//! Tables cross the Arrow C data interface (arrow-pyarrow), so their buffers are shared, not
//! copied through Python objects. Pricing releases the GIL and runs on a thread pool made for
//! the call and sized by its `threads` argument; importing the module starts no thread, so a
//! process may fork after `import lpo` (Spark's Python workers do).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use arrow_schema::{DataType, Field, Schema};
use lpo_config::Loaded;
use lpo_engine::QuoteRequest;
use lpo_format::request::QuoteRequestJson;
use lpo_model::{Date, Strategy};
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

pyo3::create_exception!(
    lpo,
    ConfigError,
    PyException,
    "The configuration has errors. `diagnostics` lists them as `lpo validate --format json` does: dicts with severity, code, file, line, column, message and (when there is one) hint."
);

/// Rust's allocations in the extension (never Python's or pyarrow's) go to mimalloc, as in the
/// polars wheel: a batch makes millions of small allocations on threads of a pool made for the
/// call, where glibc's malloc, sharing the process with Python and pyarrow, spends a fifth of
/// the time in page faults and consolidation (perf, 1,000,000 orders).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Most threads one call may ask for.
const MAX_THREADS: usize = 1024;

/// A configuration loaded and compiled once: rate cards, rules, warehouses and postcodes.
#[pyclass(frozen, module = "lpo")]
struct Engine {
    loaded: Arc<Loaded>,
    /// The manifest it was loaded from.
    manifest: PathBuf,
}

/// `lpo.yaml` itself, or the folder holding it.
fn manifest_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("lpo.yaml")
    } else {
        path.to_path_buf()
    }
}

/// A Python object from JSON text (through the standard `json` module).
fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn parse_date(date: Option<&str>) -> PyResult<Date> {
    match date {
        Some(d) => d
            .parse::<Date>()
            .map_err(|e| PyValueError::new_err(format!("date: {e}"))),
        None => Ok(Date::today_utc()),
    }
}

fn parse_strategy(strategy: &str, within_days: u8) -> PyResult<Strategy> {
    let s: Strategy = strategy
        .parse()
        .map_err(|e| PyValueError::new_err(format!("strategy: {e}")))?;
    Ok(match s {
        Strategy::BestValue { .. } => Strategy::BestValue { within_days },
        s => s,
    })
}

/// `plan` with a `line` column: each order's first line (`orders` are the batch's orders).
fn with_lines(
    plan: RecordBatch,
    orders: &[lpo_format::orders::InputOrder],
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let lines: Int64Array = orders.iter().map(|o| i64::try_from(o.line).ok()).collect();
    let mut columns = plan.columns().to_vec();
    columns.push(Arc::new(lines));
    RecordBatch::try_new(answer_schema(true), columns)
}

/// Everything `optimise_arrow` does without the GIL: read, price, convert. The plan comes back
/// as one batch per chunk of orders priced, so no copy joins them.
fn price_table(
    loaded: &Loaded,
    batches: &[RecordBatch],
    req: &QuoteRequest,
    line_column: Option<&str>,
) -> Result<Vec<RecordBatch>, String> {
    let orders = lpo_arrow::orders::read_orders(batches, line_column).map_err(|e| e.to_string())?;
    let done = lpo_plan::price_orders(&loaded.engine, &orders, req, false, &lpo_plan::Silent);
    let parts: Vec<&[u8]> = done.iter().map(|c| c.plan.as_bytes()).collect();
    let plan = lpo_arrow::table::batches_from_csv_body(&lpo_arrow::table::PLAN, &parts)
        .map_err(|e| format!("internal error: the plan does not convert: {e}"))?;
    if line_column.is_none() {
        return Ok(plan);
    }
    let mut rest = orders.as_slice();
    plan.into_iter()
        .map(|b| {
            let (these, next) = rest.split_at(b.num_rows().min(rest.len()));
            rest = next;
            with_lines(b, these).map_err(|e| e.to_string())
        })
        .collect()
}

/// The schema of the answer: the plan's, and `line` when asked for.
fn answer_schema(lines: bool) -> arrow_schema::SchemaRef {
    let plan = lpo_arrow::table::schema(&lpo_arrow::table::PLAN);
    if !lines {
        return plan;
    }
    let mut fields: Vec<Field> = plan.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("line", DataType::Int64, true));
    Arc::new(Schema::new(fields))
}

#[pymethods]
impl Engine {
    /// Loads and compiles the configuration at `config_path` (`lpo.yaml` or its folder).
    /// Raises `ConfigError` with the diagnostics `lpo validate` gives.
    #[staticmethod]
    fn load(py: Python<'_>, config_path: PathBuf) -> PyResult<Engine> {
        let manifest = manifest_of(&config_path);
        if !manifest.is_file() {
            return Err(PyValueError::new_err(format!(
                "config file {} does not exist",
                manifest.display()
            )));
        }
        let result = py.detach(|| lpo_config::load(&manifest));
        match result {
            Ok(loaded) => Ok(Engine {
                loaded: Arc::new(loaded),
                manifest,
            }),
            Err(diags) => {
                let (errors, first) = lpo_config::errors_of(&diags);
                let first = first.map(|d| format!("; first: {d}")).unwrap_or_default();
                let err = ConfigError::new_err(format!(
                    "the configuration at {} has {errors} error(s){first}",
                    manifest.display()
                ));
                let list = from_json(py, &json_text(&diags)?)?;
                err.value(py).setattr("diagnostics", list)?;
                Err(err)
            }
        }
    }

    /// The configuration's version: a hash of every file it was loaded from.
    #[getter]
    fn version(&self) -> String {
        self.loaded.engine.version.clone()
    }

    /// The manifest the engine was loaded from.
    #[getter]
    fn config_path(&self) -> String {
        self.manifest.display().to_string()
    }

    /// Validates the configuration's files as they are now on disk: the document of
    /// `lpo validate --format json`.
    #[pyo3(signature = (*, deny_warnings = false))]
    fn validate<'py>(&self, py: Python<'py>, deny_warnings: bool) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| lpo_config::validate_manifest(&self.manifest, deny_warnings));
        from_json(py, &json_text(&v.to_json())?)
    }

    /// Quotes one order, given as the quote request JSON of the contract (a dict): the document
    /// `lpo quote --json` prints. `date` is the ship date of an order without one (default
    /// today, UTC); `strategy` applies when the order names none.
    #[pyo3(signature = (order, *, date = None, strategy = "cheapest", within_days = 1))]
    fn quote<'py>(
        &self,
        py: Python<'py>,
        order: &Bound<'py, PyAny>,
        date: Option<&str>,
        strategy: &str,
        within_days: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text: String = py
            .import("json")?
            .call_method1("dumps", (order,))?
            .extract()?;
        let req: QuoteRequestJson = serde_json::from_str(&text)
            .map_err(|e| PyValueError::new_err(format!("order: {e}")))?;
        let (order, chosen, _) = req
            .into_order()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let strategy = match chosen {
            Some(s) => s,
            None => parse_strategy(strategy, within_days)?,
        };
        let req = QuoteRequest {
            strategy,
            date: parse_date(date)?,
            explain: true,
        };
        let engine = &self.loaded.engine;
        let quote = engine
            .quote(&order, &req)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        from_json(
            py,
            &json_text(&lpo_format::output::quote_json(engine, &quote))?,
        )
    }

    /// The per-order choice for a table of orders (a `pyarrow.RecordBatch` or `pyarrow.Table`
    /// with the orders CSV's columns): one plan row per order, in order of first appearance,
    /// with the plan CSV's columns, as the same kind of object. Rows sharing `order_id` are one
    /// consignment. Invalid rows come back `rejected`, naming line and field; with
    /// `line_column`, that column gives each row's line and the answer gets a `line` column
    /// (each order's first line). Runs without the GIL on `threads` threads.
    #[pyo3(signature = (data, *, threads = 1, date = None, strategy = "cheapest", within_days = 1, line_column = None))]
    #[allow(clippy::too_many_arguments)]
    fn optimise_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        threads: usize,
        date: Option<&str>,
        strategy: &str,
        within_days: u8,
        line_column: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !(1..=MAX_THREADS).contains(&threads) {
            return Err(PyValueError::new_err(format!(
                "threads: {threads} is not between 1 and {MAX_THREADS}"
            )));
        }
        let req = QuoteRequest {
            strategy: parse_strategy(strategy, within_days)?,
            date: parse_date(date)?,
            explain: false,
        };
        // pyarrow is imported already: the caller made `data` with it.
        let is_table = data.is_instance(&py.import("pyarrow")?.getattr("Table")?)?;
        let batches: Vec<RecordBatch> = if is_table {
            Table::from_pyarrow_bound(data)?.into_inner().0
        } else {
            vec![RecordBatch::from_pyarrow_bound(data)?]
        };
        let schema = answer_schema(line_column.is_some());
        let loaded = self.loaded.clone();
        let line_column = line_column.map(str::to_string);
        let plan = py.detach(move || {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("lpo-{i}"))
                .build()
                .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
            pool.install(|| price_table(&loaded, &batches, &req, line_column.as_deref()))
        });
        let plan = plan.map_err(PyValueError::new_err)?;
        if is_table {
            Table::try_new(plan, schema)
                .map_err(|e| PyValueError::new_err(e.to_string()))?
                .into_pyarrow(py)
        } else {
            arrow_select::concat::concat_batches(&schema, &plan)
                .map_err(|e| PyValueError::new_err(e.to_string()))?
                .to_pyarrow(py)
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "lpo.Engine(config_path={:?}, version={:?})",
            self.manifest.display().to_string(),
            self.loaded.engine.version
        )
    }
}

/// The column names of the plan the engine answers with, in order.
#[pyfunction]
fn plan_columns<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, lpo_arrow::table::PLAN.iter().map(|c| c.name))
}

#[pymodule]
fn _lpo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Engine>()?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add_function(wrap_pyfunction!(plan_columns, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
