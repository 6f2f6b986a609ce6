//! What the service serves: the rule set loaded last, the engines asked of it, and how a new
//! one replaces it.
//!
//! A [`Loaded`] rule set is immutable: a request takes the current one once, at its start, and
//! answers wholly from it, so a reload can never hand a request half of one set and half of
//! another. A reload reads and checks the files off the request path; only a set that checks
//! (and reads under the service's `--set` values) is swapped in, in one atomic store. An
//! invalid change leaves the last good set serving and is kept in [`ReloadStatus`] for
//! `/v1/rules` and the log.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use chrono::NaiveDate;
use covenant::rules::RulesError;
use covenant::{Engine, Rules};
use sha2::{Digest, Sha256};

use super::log::DecisionLog;
use super::metrics::Metrics;

/// Most engines kept for what-if questions per rule set; the cache is emptied when full.
const ENGINES: usize = 64;

/// One checked rule set and the engine reading it under the service's own `--set` values.
pub struct Loaded {
    pub rules: Rules,
    pub engine: Arc<Engine>,
    /// `sha256:` and the first 16 hex digits of the hash of every file's name and text.
    pub version: String,
    pub loaded_at: String,
    /// Engines for other assumption values and knowledge times, keyed by both.
    engines: Mutex<HashMap<EngineKey, Arc<Engine>>>,
}

/// What an engine reads the rules under, in one order: the `ID=VALUE` settings sorted by id,
/// and the knowledge time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EngineKey {
    pub set: Vec<(String, String)>,
    pub as_of: Option<NaiveDate>,
}

/// Why an engine could not be had for a request's settings; `field` is the request field at
/// fault (`set.ID` or `as_of`).
pub struct SettingError {
    pub field: String,
    pub message: String,
}

/// The outcome of the last reload.
#[derive(Clone, Debug, Default)]
pub struct ReloadStatus {
    pub at: Option<String>,
    pub ok: bool,
    /// The diagnostics (or the read error) that kept the change out, rendered as text.
    pub error: Option<String>,
    /// The same diagnostics as JSON, with their places.
    pub diagnostics: Option<serde_json::Value>,
    /// Reloads tried since the start, and how many were refused.
    pub tried: u64,
    pub refused: u64,
}

/// Everything the handlers share.
pub struct Shared {
    pub current: ArcSwapOption<Loaded>,
    /// The rule files and folders (empty: the shipped rules, which never change).
    pub paths: Vec<PathBuf>,
    /// The service's `--set` values, `ID=VALUE`.
    pub base_set: Vec<String>,
    pub reload: Mutex<ReloadStatus>,
    pub metrics: Metrics,
    pub log: Option<DecisionLog>,
    /// The largest JSON body accepted, in bytes.
    pub max_body: usize,
}

/// How long rule files must stay unchanged before a reload reads them.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// Waits until the rule files' sizes and modification times stay the same over [`SETTLE`]
/// (at most 20 rounds).
fn settle(paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    let mut last = stamp(paths);
    for _ in 0..20 {
        std::thread::sleep(SETTLE);
        let now = stamp(paths);
        if now == last {
            return;
        }
        last = now;
    }
}

/// Each rule file's path, size and modification time (folders walked for `*.cov`).
fn stamp(paths: &[PathBuf]) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "cov") {
                    out.push(p);
                }
            }
        }
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files);
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let meta = std::fs::metadata(&f).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (f, len, modified)
        })
        .collect()
}

/// The time now, RFC 3339 in UTC to the millisecond.
pub fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Splits `ID=VALUE` at its first `=`, both sides trimmed.
fn split_setting(text: &str) -> (String, String) {
    match text.split_once('=') {
        Some((id, value)) => (id.trim().to_string(), value.trim().to_string()),
        None => (text.trim().to_string(), String::new()),
    }
}

/// The problems that keep rules out, as text and as JSON: the first
/// [`MOST_DIAGNOSTICS`](super::MOST_DIAGNOSTICS) of them, and how many more there are (rendering
/// every one of a flood of errors would cost more than the check).
fn problems(
    diags: &[covenant::diag::Diagnostic],
    sources: &covenant::Sources,
) -> (String, Option<serde_json::Value>) {
    let shown = diags.get(..super::MOST_DIAGNOSTICS).unwrap_or(diags);
    let mut text = covenant::diag::render(shown, sources, covenant::diag::Style::Plain);
    if diags.len() > shown.len() {
        text.push_str(&format!("… and {} more\n", diags.len() - shown.len()));
    }
    (text, Some(covenant::diag::json(shown, sources)))
}

impl Loaded {
    /// Reads and checks the rules (the shipped ones when no path is given) and makes the
    /// engine for the service's settings. The error is the problems, rendered as text, and
    /// as JSON when they are diagnostics.
    pub fn read(
        paths: &[PathBuf],
        base_set: &[String],
    ) -> Result<Loaded, (String, Option<serde_json::Value>)> {
        let rules = if paths.is_empty() {
            Rules::shipped().map_err(RulesError::Check)
        } else {
            Rules::load(paths)
        };
        let rules = rules.map_err(|e| match e {
            RulesError::Read(e) => (e.to_string(), None),
            RulesError::Check(f) => problems(&f.diagnostics, &f.sources),
        })?;
        let options = rules
            .options(base_set.iter().map(String::as_str), None)
            .map_err(|e| (format!("--set: {e}"), None))?;
        let engine = rules
            .engine(&options)
            .map_err(|e| problems(&e.diagnostics, &e.sources))?;
        // The version: each file's own name and text (not the folder it was read from, so a
        // copy elsewhere is the same version), and the service's settings.
        let mut hash = Sha256::new();
        let mut feed = |part: &[u8]| {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        };
        for (_, src) in rules.sources().iter() {
            let name = std::path::Path::new(&src.name)
                .file_name()
                .map_or(src.name.as_str(), |n| n.to_str().unwrap_or(&src.name));
            feed(name.as_bytes());
            feed(src.text.as_bytes());
        }
        for setting in base_set {
            feed(b"--set");
            feed(setting.as_bytes());
        }
        let digest = hash.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(Loaded {
            rules,
            engine: Arc::new(engine),
            version: format!("sha256:{hex}"),
            loaded_at: now(),
            engines: Mutex::new(HashMap::new()),
        })
    }

    /// The key of an engine for a request's settings over the service's own; `None` when they
    /// change nothing (the service's engine answers).
    pub fn key(
        &self,
        base_set: &[String],
        set: &std::collections::BTreeMap<String, String>,
        as_of: Option<NaiveDate>,
    ) -> Option<EngineKey> {
        if set.is_empty() && as_of.is_none() {
            return None;
        }
        let mut merged: std::collections::BTreeMap<String, String> =
            base_set.iter().map(|s| split_setting(s)).collect();
        for (id, value) in set {
            merged.insert(id.trim().to_string(), value.trim().to_string());
        }
        Some(EngineKey {
            set: merged.into_iter().collect(),
            as_of,
        })
    }

    /// The engine for a key, from the cache when it was made before. Building one reads the
    /// whole rule set: callers run this off the async workers.
    pub fn engine_for(&self, key: &EngineKey) -> Result<Arc<Engine>, SettingError> {
        if let Some(e) = self.cached(key) {
            return Ok(e);
        }
        let mut options = covenant::Options {
            as_of: key.as_of,
            ..covenant::Options::default()
        };
        for (id, value) in &key.set {
            options
                .set(&self.rules, &format!("{id}={value}"))
                .map_err(|e| SettingError {
                    field: format!("set.{id}"),
                    message: e.to_string(),
                })?;
        }
        let engine = self.rules.engine(&options).map_err(|e| SettingError {
            field: if key.as_of.is_some() {
                "as_of".to_string()
            } else {
                "set".to_string()
            },
            message: e.to_string(),
        })?;
        let engine = Arc::new(engine);
        if let Ok(mut cache) = self.engines.lock() {
            if cache.len() >= ENGINES {
                cache.clear();
            }
            cache.insert(key.clone(), Arc::clone(&engine));
        }
        Ok(engine)
    }

    /// The engine for a key if one was made before.
    pub fn cached(&self, key: &EngineKey) -> Option<Arc<Engine>> {
        self.engines.lock().ok()?.get(key).cloned()
    }
}

impl Shared {
    /// The rule set serving now; `None` while the first is still being read.
    pub fn loaded(&self) -> Option<Arc<Loaded>> {
        self.current.load_full()
    }

    /// Reads the rule files again; swaps the new set in only when it checks, and only when it
    /// differs from the one serving. Blocking: run it off the async workers.
    pub fn reload(&self) {
        // A file being written in steps could check half-written: read only once the files
        // have stayed the same for a moment (an editor's save, or a write and rename, is one
        // step and passes at once).
        settle(&self.paths);
        let attempt = Loaded::read(&self.paths, &self.base_set);
        let mut status = match self.reload.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        status.tried += 1;
        status.at = Some(now());
        match attempt {
            Ok(loaded) => {
                status.ok = true;
                status.error = None;
                status.diagnostics = None;
                let same = self
                    .loaded()
                    .is_some_and(|old| old.version == loaded.version);
                if same {
                    return;
                }
                let version = loaded.version.clone();
                self.current.store(Some(Arc::new(loaded)));
                self.metrics.reloaded(true, &version);
                crate::covenant_cli::write_err(format_args!(
                    "covenant serve: reloaded the rules: {version}\n"
                ));
            }
            Err((text, diagnostics)) => {
                // One bad save reaches the watcher as several events: say it once in full,
                // then in a line.
                if !status.ok && status.error.as_deref() == Some(text.as_str()) {
                    crate::covenant_cli::write_err(format_args!(
                        "covenant serve: the rules still do not check (the same problems as before)\n"
                    ));
                    return;
                }
                status.ok = false;
                status.refused += 1;
                status.error = Some(text.clone());
                status.diagnostics = diagnostics;
                self.metrics.reloaded(false, "");
                let serving = self
                    .loaded()
                    .map_or_else(|| "none".to_string(), |l| l.version.clone());
                crate::covenant_cli::write_err(format_args!(
                    "covenant serve: the changed rules do not check; still serving {serving}:\n{text}\n"
                ));
            }
        }
    }
}
