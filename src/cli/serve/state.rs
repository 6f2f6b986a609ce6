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
            RulesError::Check(f) => (
                covenant::diag::render(&f.diagnostics, &f.sources, covenant::diag::Style::Plain),
                Some(covenant::diag::json(&f.diagnostics, &f.sources)),
            ),
        })?;
        let options = rules
            .options(base_set.iter().map(String::as_str), None)
            .map_err(|e| (format!("--set: {e}"), None))?;
        let engine = rules.engine(&options).map_err(|e| {
            (
                e.to_string(),
                Some(covenant::diag::json(&e.diagnostics, &e.sources)),
            )
        })?;
        let mut hash = Sha256::new();
        for (_, src) in rules.sources().iter() {
            for part in [src.name.as_bytes(), src.text.as_bytes()] {
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part);
            }
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
                // One bad save reaches the watcher as several events: say it once.
                if !status.ok && status.error.as_deref() == Some(text.as_str()) {
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
