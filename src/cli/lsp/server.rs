//! The language server's state and its answers: the workspace's texts, the one checked view of
//! them, and a handler per request.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::{json, Value};

use super::index::{Index, Kind, Occurrence};
use super::{write_message, Incoming};
use covenant::diag::{Diagnostic, Severity};
use covenant::source::{Source, Sources, Span};
use covenant::syntax::ast;

/// The workspace: its files' texts by URI, the editor's open texts over the disk's.
pub struct Server {
    root: Option<PathBuf>,
    /// Texts read from the workspace folder, by URI.
    disk: BTreeMap<String, String>,
    /// Texts the editor has open, by URI (they win over the disk), with their versions.
    open: BTreeMap<String, (String, i32)>,
    view: View,
    /// Each file as last parsed, by URI.
    parsed: BTreeMap<String, Parsed>,
    /// URIs that were last sent some diagnostics (sent an empty list when they have none).
    published: BTreeSet<String>,
    shutdown: bool,
    /// `initialize` was answered.
    initialized: bool,
}

/// A file as last parsed: its place in the set, its text, its tree and its syntax errors.
struct Parsed {
    file: u32,
    text: String,
    tree: Rc<ast::File>,
    errors: Vec<Diagnostic>,
}

/// The rule set as last checked: every file parsed and indexed, the diagnostics, and the
/// checked rules with their engine when the set is valid.
#[derive(Default)]
struct View {
    uris: Vec<String>,
    sources: Sources,
    trees: Vec<Rc<ast::File>>,
    index: Index,
    diagnostics: Vec<Diagnostic>,
    /// The checked rules, when the set is valid.
    rules: Option<covenant::Rules>,
    /// Their engine, made at the first hover that needs it (a change's diagnostics do not
    /// wait for it).
    engine: std::cell::OnceCell<Option<covenant::Engine>>,
}

impl View {
    fn engine(&self) -> Option<&covenant::Engine> {
        self.engine
            .get_or_init(|| {
                let rules = self.rules.as_ref()?;
                rules.engine(&covenant::Options::default()).ok()
            })
            .as_ref()
    }
}

/// One spelling for a URI: a `file:` URI as its path gives it (so `%28` and `(`, `/./` and
/// `localhost` name one file once); any other URI as written.
fn norm(uri: &str) -> String {
    path_of(uri)
        .map(|p| normalize_path(&p))
        .and_then(|p| uri_of(&p))
        .unwrap_or_else(|| uri.to_string())
}

/// A path without `.` parts and repeated separators (no file system access).
fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A rule file's text as the check reads it (a byte-order mark dropped).
fn rule_text(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Most files a workspace walk visits: a root of `/` must not hold the server for minutes.
const MAX_WALK: usize = 50_000;

fn uri_of(path: &Path) -> Option<String> {
    url::Url::from_file_path(path).ok().map(String::from)
}

fn path_of(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// A name for diagnostics: the path for a file, else the URI.
fn display_name(uri: &str) -> String {
    path_of(uri).map_or_else(|| uri.to_string(), |p| p.display().to_string())
}

/// Every `.cov` file under a folder (not inside hidden folders or `target`).
fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: u32, visited: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        *visited += 1;
        if *visited > MAX_WALK {
            return;
        }
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth < 32 && !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, out, depth + 1, visited);
            }
        } else if name.ends_with(".cov")
            && (kind.is_file() || (kind.is_symlink() && path.is_file()))
        {
            // A link to a rule file is read as the file (a link to a folder is not followed).
            out.push(path);
        }
    }
}

/// The UTF-16 position of a byte offset.
fn position(source: &Source, offset: usize) -> lsp::Position {
    let offset = offset.min(source.text.len());
    let line = source.line_of(offset).saturating_sub(1);
    let start = source.line_start(line);
    let character = source
        .text
        .get(start..offset)
        .map_or(0, |s| s.encode_utf16().count());
    lsp::Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

/// The byte offset of a UTF-16 position (clamped to its line, and to the text).
fn offset(source: &Source, pos: lsp::Position) -> usize {
    let line = pos.line as usize;
    let start = source.line_start(line);
    let end = source.line_start(line + 1);
    let text = source.text.get(start..end).unwrap_or("");
    let mut units = 0usize;
    for (i, c) in text.char_indices() {
        if units >= pos.character as usize || c == '\n' || c == '\r' {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + text.len()
}

fn range(source: &Source, span: Span) -> lsp::Range {
    lsp::Range::new(
        position(source, span.start as usize),
        position(source, span.end as usize),
    )
}

/// Every word the language gives a meaning: the reserved words of 0.1 and the words of 0.2,
/// which are keywords where 0.2 expects them (an id spelled so may be read as the word), and
/// the implicit roots `world` and `any_field`. Completion offers them; rename gives no id them.
const WORDS: &[&str] = &[
    "above",
    "add",
    "affiliate",
    "affiliates",
    "after",
    "agreement",
    "alias",
    "amend",
    "amendment",
    "amends",
    "and",
    "assume",
    "at",
    "between",
    "by",
    "capped",
    "channel",
    "cloud",
    "commitment",
    "consent",
    "contract",
    "convenience",
    "counting",
    "deploy",
    "done",
    "effective",
    "end",
    "event",
    "every",
    "except",
    "exclusive",
    "exclusivity",
    "field",
    "first",
    "first_launch",
    "first_offer",
    "for",
    "forbid",
    "from",
    "grants",
    "in",
    "launch",
    "lead",
    "licence",
    "license",
    "minimum",
    "month",
    "no",
    "non-exclusive",
    "not",
    "notice",
    "of",
    "offered",
    "on",
    "only",
    "operated",
    "or",
    "party",
    "pay",
    "payable",
    "payment",
    "pays",
    "per",
    "product",
    "products",
    "quarter",
    "rate",
    "recouping",
    "renewal",
    "renews",
    "revenue",
    "revenue_share",
    "rule",
    "shortfall",
    "signed",
    "spends",
    "start",
    "stream",
    "streams",
    "strike",
    "sublicensable",
    "survives",
    "tagged",
    "term",
    "terminable",
    "territory",
    "through",
    "times",
    "to",
    "unless",
    "until",
    "up",
    "use",
    "when",
    "with",
    "within",
    "without",
    "year",
    "world",
    "any_field",
];

/// Whether a new name may be given to an id.
fn is_id(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !covenant::syntax::is_keyword(name)
        && !WORDS.contains(&name)
}

/// The kinds of id a keyword is followed by, for completion.
fn kinds_after(word: &str) -> &'static [Kind] {
    match word {
        "between" | "and" | "for" | "by" | "to" | "pays" | "licenses" | "licences" | "spends"
        | "with" | "owner" => &[Kind::Party],
        "on" => &[Kind::Channel, Kind::Event],
        "cloud" | "channel" | "channels" | "clouds" => &[Kind::Channel],
        "product" | "products" | "launches" | "offers" => &[Kind::Product],
        "in" | "within" => &[Kind::Territory, Kind::Field],
        "field" => &[Kind::Field],
        "until" | "through" | "or" | "strike" | "when" => &[Kind::Event],
        "amends" | "of" => &[Kind::Agreement, Kind::Party],
        "amend" | "end" => &[Kind::Clause],
        "except" => &[Kind::Territory, Kind::Channel, Kind::Product],
        _ => &[],
    }
}

impl Server {
    pub fn new() -> Server {
        Server {
            root: None,
            disk: BTreeMap::new(),
            open: BTreeMap::new(),
            view: View::default(),
            parsed: BTreeMap::new(),
            published: BTreeSet::new(),
            shutdown: false,
            initialized: false,
        }
    }

    /// Serves until `exit` or the end of input: `Ok(true)` when `shutdown` came first.
    pub fn serve(
        &mut self,
        rx: &mpsc::Receiver<Incoming>,
        out: &mut impl Write,
    ) -> std::io::Result<bool> {
        while let Ok(first) = rx.recv() {
            // Take everything already queued: changes behind one another are checked once.
            let mut batch = vec![first];
            while let Ok(next) = rx.try_recv() {
                batch.push(next);
            }
            let mut changed = false;
            for incoming in batch {
                if changed && matches!(&incoming, Incoming::Message(Message::Request(_))) {
                    // A request sees every change sent before it.
                    self.refresh(out)?;
                    changed = false;
                }
                match incoming {
                    Incoming::Garbled(why) => write_message(
                        out,
                        &json!({"jsonrpc": "2.0", "id": null,
                                "error": {"code": -32700, "message": why}}),
                    )?,
                    Incoming::Message(Message::Request(req)) => {
                        let response = self.request(req);
                        write_message(out, &serde_json::to_value(response).unwrap_or_default())?;
                    }
                    Incoming::Message(Message::Notification(n)) => {
                        if n.method == "exit" {
                            return Ok(self.shutdown);
                        }
                        changed |= self.notification(n);
                    }
                    Incoming::Message(Message::Response(_)) => {}
                }
            }
            if changed {
                self.refresh(out)?;
            }
        }
        Ok(false)
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        if self.shutdown && req.method != "shutdown" {
            return error(id, ErrorCode::InvalidRequest, "the server is shutting down");
        }
        if req.method == "initialize" {
            if self.initialized {
                return error(
                    id,
                    ErrorCode::InvalidRequest,
                    "the server is initialized already",
                );
            }
        } else if !self.initialized {
            return error(
                id,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized: send `initialize` first",
            );
        }
        let req = Request {
            params: with_norm_uri(req.params),
            ..req
        };
        let result = match req.method.as_str() {
            "initialize" => self.initialize(req.params),
            "shutdown" => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            "textDocument/definition" => self.definition(req.params),
            "textDocument/references" => self.references(req.params),
            "textDocument/hover" => self.hover(req.params),
            "textDocument/completion" => self.completion(req.params),
            "textDocument/rename" => self.rename(req.params),
            "textDocument/prepareRename" => self.prepare_rename(req.params),
            "textDocument/formatting" => self.formatting(req.params),
            "textDocument/codeAction" => self.code_action(req.params),
            other => Err((
                ErrorCode::MethodNotFound,
                format!(
                    "`{}` is not a request covenant answers",
                    covenant::diag::shown(other, 60)
                ),
            )),
        };
        match result {
            Ok(value) => Response {
                id,
                result: Some(value),
                error: None,
            },
            Err((code, message)) => error(id, code, &message),
        }
    }

    /// A notification; `true` when it changed a text.
    fn notification(&mut self, n: Notification) -> bool {
        if !self.initialized || self.shutdown {
            return false;
        }
        let n = Notification {
            params: with_norm_uri(n.params),
            ..n
        };
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                else {
                    return false;
                };
                // Only rule files are checked as rules (a README opened beside them is not).
                let uri = p.text_document.uri.as_str().to_string();
                if p.text_document.language_id != "covenant" && !uri.ends_with(".cov") {
                    return false;
                }
                self.open.insert(
                    uri,
                    (rule_text(p.text_document.text), p.text_document.version),
                );
                true
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                else {
                    return false;
                };
                // Whole-document sync: the last change is the text.
                let uri = p.text_document.uri.as_str().to_string();
                if !self.open.contains_key(&uri) {
                    return false;
                }
                match p.content_changes.into_iter().last() {
                    Some(change) if change.range.is_none() => {
                        self.open
                            .insert(uri, (rule_text(change.text), p.text_document.version));
                        true
                    }
                    _ => false,
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let uri = p.text_document.uri.as_str().to_string();
                self.open.remove(&uri);
                // Read it again from disk: the editor may have dropped unsaved changes.
                if let Some(path) = path_of(&uri) {
                    match covenant::source::read_text(&path) {
                        Ok(text) if self.in_root(&path) => {
                            self.disk.insert(uri, text);
                        }
                        _ => {
                            self.disk.remove(&uri);
                        }
                    }
                }
                true
            }
            // The workspace's diagnostics are published once the editor is ready for them.
            "initialized" => true,
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => {
                self.load_root();
                true
            }
            _ => false,
        }
    }

    fn in_root(&self, path: &Path) -> bool {
        self.root.as_ref().is_some_and(|r| path.starts_with(r))
    }

    fn load_root(&mut self) {
        self.disk.clear();
        let Some(root) = self.root.clone() else {
            return;
        };
        let mut paths = Vec::new();
        walk(&root, &mut paths, 0, &mut 0);
        for path in paths {
            // As the check reads a rule file: a byte-order mark dropped; a file that is not
            // UTF-8 text is left out here (`covenant check` names it).
            if let (Some(uri), Ok(text)) = (uri_of(&path), covenant::source::read_text(&path)) {
                self.disk.insert(uri, text);
            }
        }
    }

    fn initialize(&mut self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::InitializeParams = parse(params)?;
        #[allow(deprecated)]
        let root = p
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.as_str().to_string())
            .or_else(|| p.root_uri.as_ref().map(|u| u.as_str().to_string()));
        self.root = root
            .as_deref()
            .and_then(path_of)
            .map(|p| normalize_path(&p));
        self.initialized = true;
        self.load_root();
        self.check();
        let caps = lsp::ServerCapabilities {
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::FULL),
                    save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            definition_provider: Some(lsp::OneOf::Left(true)),
            references_provider: Some(lsp::OneOf::Left(true)),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            completion_provider: Some(lsp::CompletionOptions {
                trigger_characters: Some(vec!["$".into(), ".".into()]),
                ..Default::default()
            }),
            rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_formatting_provider: Some(lsp::OneOf::Left(true)),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
            position_encoding: Some(lsp::PositionEncodingKind::UTF16),
            ..Default::default()
        };
        Ok(json!({
            "capabilities": caps,
            "serverInfo": {"name": "covenant", "version": env!("CARGO_PKG_VERSION")},
        }))
    }

    /// Checks the whole rule set again and publishes every file's diagnostics.
    fn refresh(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.check();
        let mut by_uri: BTreeMap<String, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for uri in &self.view.uris {
            by_uri.insert(uri.clone(), Vec::new());
        }
        for d in &self.view.diagnostics {
            if let Some(uri) = self.view.uris.get(d.span.file as usize) {
                let lsp = self.diagnostic(d);
                by_uri.entry(uri.clone()).or_default().push(lsp);
            }
        }
        for uri in &self.published {
            by_uri.entry(uri.clone()).or_default();
        }
        let mut published = BTreeSet::new();
        for (uri, diagnostics) in by_uri {
            if !diagnostics.is_empty() {
                published.insert(uri.clone());
            }
            // An open document's diagnostics name the version they were made from.
            let params = match self.open.get(&uri) {
                Some((_, version)) => {
                    json!({"uri": uri, "version": version, "diagnostics": diagnostics})
                }
                None => json!({"uri": uri, "diagnostics": diagnostics}),
            };
            write_message(
                out,
                &json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params}),
            )?;
        }
        self.published = published;
        Ok(())
    }

    /// Parses, indexes and checks the texts.
    fn check(&mut self) {
        let mut texts: BTreeMap<&String, &String> = self.disk.iter().collect();
        for (uri, (text, _)) in &self.open {
            texts.insert(uri, text);
        }
        // In the order the check numbers files (by name), so that the trees' places agree.
        let mut named: Vec<(String, &String, &String)> = texts
            .into_iter()
            .map(|(uri, text)| (display_name(uri), uri, text))
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sources = Sources::new();
        let mut uris = Vec::with_capacity(named.len());
        let mut trees = Vec::with_capacity(named.len());
        let mut parse_errors = Vec::new();
        let mut parsed = BTreeMap::new();
        for (name, uri, text) in named {
            let file = sources.add(name, text.as_str());
            // A file unchanged since the last check (same text, same place in the set) keeps
            // its tree: a keystroke re-parses one file, for the index and for the check.
            let entry = match self.parsed.remove(uri) {
                Some(e) if e.file == file && e.text == *text => e,
                _ => {
                    let (tree, errors) = covenant::syntax::parse(file, text);
                    Parsed {
                        file,
                        text: text.clone(),
                        tree: Rc::new(tree),
                        errors,
                    }
                }
            };
            trees.push(Rc::clone(&entry.tree));
            parse_errors.extend(entry.errors.iter().cloned());
            parsed.insert(uri.clone(), entry);
            uris.push(uri.clone());
        }
        self.parsed = parsed;
        let index = {
            let pairs: Vec<(&ast::File, &str)> = trees
                .iter()
                .map(|t| &**t)
                .zip(sources.iter())
                .map(|(t, (_, s))| (t, &*s.text))
                .collect();
            Index::new(&pairs)
        };
        let checked = covenant::Rules::from_parsed(sources, trees.clone(), parse_errors);
        // The diagnostics `covenant check` gives: the check's errors, or its warnings.
        let (diagnostics, rules, sources) = match checked {
            Ok(rules) => (
                rules.warnings().to_vec(),
                Some(rules.clone()),
                rules.sources().clone(),
            ),
            Err(failure) => (failure.diagnostics, None, failure.sources),
        };
        self.view = View {
            uris,
            sources,
            trees,
            index,
            diagnostics,
            rules,
            engine: std::cell::OnceCell::new(),
        };
    }

    fn diagnostic(&self, d: &Diagnostic) -> lsp::Diagnostic {
        let source = self.view.sources.get(d.span.file);
        let at = |span: Span| {
            self.view
                .sources
                .get(span.file)
                .map_or_else(lsp::Range::default, |s| range(s, span))
        };
        let mut message = d.message.clone();
        if !d.label.is_empty() {
            message.push_str(&format!(" ({})", d.label));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|(span, label)| {
                let uri: lsp::Uri = self.view.uris.get(span.file as usize)?.parse().ok()?;
                Some(lsp::DiagnosticRelatedInformation {
                    location: lsp::Location::new(uri, at(*span)),
                    message: label.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range: source.map_or_else(lsp::Range::default, |s| range(s, d.span)),
            severity: Some(match d.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            source: Some("covenant".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    /// The file and byte offset of a document position.
    fn locate(&self, doc: &lsp::TextDocumentPositionParams) -> Option<(u32, usize)> {
        let uri = doc.text_document.uri.as_str();
        let file = self.view.uris.iter().position(|u| u == uri)?;
        let file = u32::try_from(file).ok()?;
        let source = self.view.sources.get(file)?;
        Some((file, offset(source, doc.position)))
    }

    fn location(&self, span: Span) -> Option<lsp::Location> {
        let uri: lsp::Uri = self.view.uris.get(span.file as usize)?.parse().ok()?;
        let source = self.view.sources.get(span.file)?;
        Some(lsp::Location::new(uri, range(source, span)))
    }

    fn occurrence_at(&self, doc: &lsp::TextDocumentPositionParams) -> Option<&Occurrence> {
        let (file, at) = self.locate(doc)?;
        self.view.index.at(file, at)
    }

    fn definition(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::GotoDefinitionParams = parse(params)?;
        let Some(o) = self.occurrence_at(&p.text_document_position_params) else {
            return Ok(Value::Null);
        };
        let defs: Vec<lsp::Location> = self
            .view
            .index
            .all(o.kind, &o.name)
            .filter(|x| x.def)
            .filter_map(|x| self.location(x.span))
            .collect();
        Ok(serde_json::to_value(defs).unwrap_or_default())
    }

    fn references(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::ReferenceParams = parse(params)?;
        let Some(o) = self.occurrence_at(&p.text_document_position) else {
            return Ok(Value::Null);
        };
        let refs: Vec<lsp::Location> = self
            .view
            .index
            .all(o.kind, &o.name)
            .filter(|x| p.context.include_declaration || !x.def)
            .filter_map(|x| self.location(x.span))
            .collect();
        Ok(serde_json::to_value(refs).unwrap_or_default())
    }

    fn hover(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::HoverParams = parse(params)?;
        let doc = &p.text_document_position_params;
        let Some((file, at)) = self.locate(doc) else {
            return Ok(Value::Null);
        };
        let text = match self.view.index.at(file, at) {
            Some(o) => {
                let mut text = self.describe(o);
                if let Some(record) = self.record_at(file, at) {
                    text.push_str("\n\n---\n\n");
                    text.push_str(&record);
                }
                Some((text, o.span))
            }
            None => self.record_at(file, at).and_then(|t| {
                let span = self.record_span(file, at)?;
                Some((t, span))
            }),
        };
        let Some((text, span)) = text else {
            return Ok(Value::Null);
        };
        let source = self.view.sources.get(file);
        let hover = lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: text,
            }),
            range: source.map(|s| range(s, span)),
        };
        Ok(serde_json::to_value(hover).unwrap_or_default())
    }

    /// Hover text for an id.
    fn describe(&self, o: &Occurrence) -> String {
        let mut out = format!("**{}** `{}`", o.kind.word(), o.name);
        let Some(engine) = self.view.engine() else {
            out.push_str("\n\n(the rule set has errors: fix them to see more)");
            return out;
        };
        let rules = engine.rules();
        let day = |b: &Option<covenant::consolidate::Bound>| {
            b.as_ref().map(|b| covenant::time::iso(b.day))
        };
        match o.kind {
            Kind::Clause => {
                let Some((index, clause)) = rules
                    .clauses
                    .iter()
                    .enumerate()
                    .find(|(_, c)| c.qualified == o.name)
                else {
                    return out;
                };
                out = format!(
                    "**{}** `{}`{}",
                    clause.kind().keyword(),
                    clause.qualified,
                    clause
                        .title
                        .as_ref()
                        .map_or(String::new(), |t| format!(" — {t}"))
                );
                if let Some(a) = clause
                    .added_by
                    .and_then(|a| rules.amendments.get(a as usize))
                {
                    out.push_str(&format!("\n\nadded by amendment `{}`", a.name.id));
                }
                out.push_str("\n\nIts life, as consolidated:\n");
                let mut any = false;
                for v in engine
                    .consolidated()
                    .versions
                    .iter()
                    .filter(|v| v.clause as usize == index)
                {
                    any = true;
                    let text = match v
                        .last_amendment
                        .and_then(|a| rules.amendments.get(a as usize))
                    {
                        Some(a) => format!("as amended by `{}`", a.name.id),
                        None => "as written".to_string(),
                    };
                    let when = match (day(&v.stretch.start), day(&v.stretch.end)) {
                        (Some(s), Some(e)) => format!("from {s} until {e}"),
                        (Some(s), None) => format!("from {s}"),
                        (None, Some(e)) => format!("until {e}"),
                        (None, None) => "always".to_string(),
                    };
                    let force = if v.in_force.is_empty() {
                        "not in force".to_string()
                    } else {
                        match (day(&v.in_force.start), day(&v.in_force.end)) {
                            (Some(s), Some(e)) => format!("in force from {s} until {e}"),
                            (Some(s), None) => format!("in force from {s}"),
                            (None, Some(e)) => format!("in force until {e}"),
                            (None, None) => "in force always".to_string(),
                        }
                    };
                    out.push_str(&format!("\n- {when}, {text}: {force}"));
                }
                if !any {
                    out.push_str("\n- no version");
                }
            }
            Kind::Assumption => {
                if let Some(a) = engine.assumptions().into_iter().find(|a| a.id == o.name) {
                    out.push_str(&format!(" = {}", a.value));
                    if let Some(note) = &a.note {
                        out.push_str(&format!("\n\n{note}"));
                    }
                }
                let mut users: Vec<&str> = self
                    .view
                    .index
                    .occurrences
                    .iter()
                    .filter(|x| x.kind == Kind::Assumption && x.name == o.name && !x.def)
                    .filter_map(|x| self.clause_around(x.span))
                    .collect();
                users.sort_unstable();
                users.dedup();
                if users.is_empty() {
                    out.push_str("\n\nNo clause uses it.");
                } else {
                    out.push_str("\n\nClauses that rest on it:\n");
                    for u in users {
                        out.push_str(&format!("\n- `{u}`"));
                    }
                }
            }
            Kind::Event => {
                if let Some(i) = rules.names.events.get(&o.name) {
                    match engine.consolidated().event_days.get(*i as usize) {
                        Some(Some(b)) => {
                            out.push_str(&format!("\n\nhappens on {}", covenant::time::iso(b.day)))
                        }
                        _ => out.push_str("\n\nnot recorded"),
                    }
                }
            }
            _ => {}
        }
        if let Some(title) = self.title_of(o) {
            out.push_str(&format!("\n\n“{title}”"));
        }
        out
    }

    /// The title a declaration gives an id (not for clauses, whose heading has it).
    fn title_of(&self, o: &Occurrence) -> Option<String> {
        if o.kind == Kind::Clause {
            return None;
        }
        let def = self.view.index.all(o.kind, &o.name).find(|x| x.def)?;
        let tree = self.view.trees.get(def.span.file as usize)?;
        tree.items.iter().find_map(|item| {
            let (id, title) = match item {
                ast::Item::Party { id, title, .. }
                | ast::Item::Region { id, title, .. }
                | ast::Item::Cloud { id, title, .. }
                | ast::Item::Product { id, title, .. }
                | ast::Item::Event { id, title, .. } => (id, title),
                ast::Item::Agreement(a) => (&a.id, &a.title),
                ast::Item::Amendment(a) => (&a.id, &a.title),
                _ => return None,
            };
            (id.span == def.span).then(|| title.as_ref().map(|t| t.value.clone()))?
        })
    }

    /// The clause whose text holds a span (`agreement.clause`).
    fn clause_around(&self, span: Span) -> Option<&str> {
        let rules = self.view.rules.as_ref()?;
        rules
            .rule_set()
            .clauses
            .iter()
            .find(|c| {
                c.span.file == span.file && c.span.start <= span.start && span.end <= c.span.end
            })
            .map(|c| c.qualified.as_str())
            .or_else(|| {
                // A clause amended: the amendment's change names it.
                let tree = self.view.trees.get(span.file as usize)?;
                tree.items.iter().find_map(|item| {
                    let ast::Item::Amendment(m) = item else {
                        return None;
                    };
                    m.changes.iter().find_map(|c| match c {
                        ast::Change::Amend {
                            clause, span: s, ..
                        } if s.start <= span.start && span.end <= s.end => self
                            .view
                            .index
                            .at(clause.clause.span.file, clause.clause.span.start as usize)
                            .map(|o| o.name.as_str()),
                        _ => None,
                    })
                })
            })
    }

    fn record_span(&self, file: u32, at: usize) -> Option<Span> {
        let tree = self.view.trees.get(file as usize)?;
        tree.items.iter().find_map(|item| match item {
            ast::Item::Record { span, .. } if contains(*span, at) => Some(*span),
            _ => None,
        })
    }

    /// Hover text for a record: what it met or triggered.
    fn record_at(&self, file: u32, at: usize) -> Option<String> {
        let tree = self.view.trees.get(file as usize)?;
        let (day, happening) = tree.items.iter().find_map(|item| match item {
            ast::Item::Record {
                day,
                happening,
                span,
                ..
            } if contains(*span, at) => Some((*day, happening)),
            _ => None,
        })?;
        let engine = self.view.engine()?;
        let mut lines = vec![format!("**record** of {}", covenant::time::iso(day))];
        let days = &engine.consolidated().event_days;
        let on_day = |name: &str| {
            engine
                .rules()
                .names
                .events
                .get(name)
                .and_then(|i| days.get(*i as usize))
                .and_then(|b| b.as_ref())
                .is_some_and(|b| b.day == day)
        };
        if let ast::Happening::Event(e) = &**happening {
            lines.push(format!("- records event `{}`", e.name));
        }
        for t in &self.view.trees {
            for item in &t.items {
                match item {
                    ast::Item::Event {
                        id,
                        when: Some(ast::EventWhen::Happens(h)),
                        ..
                    } if same_happening(h, happening) && on_day(&id.name) => {
                        lines.push(format!("- triggered event `{}`", id.name));
                    }
                    ast::Item::Agreement(a) => {
                        for term in &a.life().terminable {
                            if term
                                .on
                                .as_ref()
                                .is_some_and(|h| same_happening(h, happening))
                            {
                                lines.push(format!("- gave a right to terminate `{}`", a.id.name));
                            }
                        }
                    }
                    ast::Item::Amendment(m)
                        if m.effective_on
                            .as_ref()
                            .is_some_and(|(h, _, _)| same_happening(h, happening)) =>
                    {
                        lines.push(format!("- made amendment `{}` effective", m.id.name));
                    }
                    _ => {}
                }
            }
        }
        if lines.len() == 1 {
            lines.push("- met no event, termination right or amendment".into());
        }
        Some(lines.join("\n"))
    }

    fn completion(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::CompletionParams = parse(params)?;
        let doc = &p.text_document_position;
        let Some((file, at)) = self.locate(doc) else {
            return Ok(Value::Null);
        };
        let text = self
            .view
            .sources
            .get(file)
            .map_or("", |s| &*s.text)
            .get(..at)
            .unwrap_or("");
        // The word being typed, and what stands before it.
        let typed_start = text
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let before = text.get(..typed_start).unwrap_or("");
        let mut items: Vec<lsp::CompletionItem> = Vec::new();
        let item = |label: String, kind: lsp::CompletionItemKind, detail: &str, sort: &str| {
            lsp::CompletionItem {
                sort_text: Some(format!("{sort}{label}")),
                label,
                kind: Some(kind),
                detail: Some(detail.to_string()),
                ..Default::default()
            }
        };
        if before.ends_with('$') {
            for o in self.view.index.declared(Kind::Assumption) {
                items.push(item(
                    o.name.clone(),
                    lsp::CompletionItemKind::CONSTANT,
                    "assumption",
                    "0",
                ));
            }
            return Ok(serde_json::to_value(items).unwrap_or_default());
        }
        if let Some(agreement) = before.strip_suffix('.') {
            // `agreement.` : its clauses.
            let start = agreement
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let prefix = format!("{}.", agreement.get(start..).unwrap_or(""));
            for o in self.view.index.declared(Kind::Clause) {
                if let Some(clause) = o.name.strip_prefix(&prefix) {
                    items.push(item(
                        clause.to_string(),
                        lsp::CompletionItemKind::FIELD,
                        "clause",
                        "0",
                    ));
                }
            }
            return Ok(serde_json::to_value(items).unwrap_or_default());
        }
        let previous = before
            .trim_end()
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .next()
            .unwrap_or("");
        let kinds = kinds_after(previous);
        let wanted: Vec<Kind> = if kinds.is_empty() {
            vec![
                Kind::Party,
                Kind::Channel,
                Kind::Product,
                Kind::Territory,
                Kind::Field,
                Kind::Event,
                Kind::Agreement,
            ]
        } else {
            kinds.to_vec()
        };
        // Inside an amendment, the clauses offered are its agreement's.
        let target = self.view.trees.get(file as usize).and_then(|t| {
            t.items.iter().find_map(|i| match i {
                ast::Item::Amendment(m) if contains(m.span, at) => {
                    Some(format!("{}.", m.target.name))
                }
                _ => None,
            })
        });
        for kind in wanted {
            for o in self.view.index.declared(kind) {
                if kind == Kind::Clause && target.as_ref().is_some_and(|t| !o.name.starts_with(t)) {
                    continue;
                }
                let label = match kind {
                    Kind::Clause => o.name.rsplit('.').next().unwrap_or(&o.name).to_string(),
                    _ => o.name.clone(),
                };
                items.push(item(
                    label,
                    lsp::CompletionItemKind::VALUE,
                    kind.word(),
                    "0",
                ));
            }
        }
        for k in covenant::syntax::KEYWORDS {
            items.push(item(
                k.to_string(),
                lsp::CompletionItemKind::KEYWORD,
                "keyword",
                "1",
            ));
        }
        Ok(serde_json::to_value(items).unwrap_or_default())
    }

    /// The edits that rename an id, or why not.
    fn rename_edits(&self, o: &Occurrence, new_name: &str) -> Result<Value, (ErrorCode, String)> {
        if !is_id(new_name) {
            return Err((
                ErrorCode::InvalidParams,
                format!(
                    "`{}` is not an id: ids are lowercase letters, digits and `_`, start with a letter, and are no keyword",
                    covenant::diag::shown(new_name, 40)
                ),
            ));
        }
        let full = match o.kind {
            Kind::Clause => match o.name.rsplit_once('.') {
                Some((a, _)) => format!("{a}.{new_name}"),
                None => new_name.to_string(),
            },
            _ => new_name.to_string(),
        };
        // A name another id has, of any kind, is refused: some places read an id as one kind
        // or another by what is declared (the object of an act is a product or an agreement).
        let taken = match o.kind {
            Kind::Clause => self.view.index.all(o.kind, &full).next(),
            _ => self
                .view
                .index
                .occurrences
                .iter()
                .find(|x| x.def && x.kind != Kind::Clause && x.name == full),
        };
        if let Some(t) = taken {
            let word = t.kind.word();
            let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            return Err((
                ErrorCode::InvalidParams,
                format!("{article} {word} `{full}` is already declared"),
            ));
        }
        // By URI in order (a workspace edit's map, written deterministically).
        let mut changes: BTreeMap<String, Vec<lsp::TextEdit>> = BTreeMap::new();
        for x in self.view.index.all(o.kind, &o.name) {
            if let Some(loc) = self.location(x.span) {
                changes
                    .entry(loc.uri.as_str().to_string())
                    .or_default()
                    .push(lsp::TextEdit::new(loc.range, new_name.to_string()));
            }
        }
        Ok(json!({ "changes": changes }))
    }

    fn rename(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::RenameParams = parse(params)?;
        let Some(o) = self.occurrence_at(&p.text_document_position) else {
            return Err((ErrorCode::InvalidParams, "no id to rename here".into()));
        };
        self.rename_edits(o, &p.new_name)
    }

    fn prepare_rename(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::TextDocumentPositionParams = parse(params)?;
        let Some(o) = self.occurrence_at(&p) else {
            return Ok(Value::Null);
        };
        let range = self.location(o.span).map(|l| l.range);
        Ok(serde_json::to_value(range).unwrap_or_default())
    }

    fn formatting(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::DocumentFormattingParams = parse(params)?;
        let uri = p.text_document.uri.as_str();
        let Some(file) = self.view.uris.iter().position(|u| u == uri) else {
            return Ok(Value::Null);
        };
        let Some(source) = u32::try_from(file)
            .ok()
            .and_then(|f| self.view.sources.get(f))
        else {
            return Ok(Value::Null);
        };
        match covenant::fmt::format(&source.text) {
            Ok(formatted) if formatted == *source.text => Ok(json!([])),
            Ok(formatted) => {
                let end = position(source, source.text.len());
                let edit =
                    lsp::TextEdit::new(lsp::Range::new(lsp::Position::new(0, 0), end), formatted);
                Ok(serde_json::to_value(vec![edit]).unwrap_or_default())
            }
            Err(_) => Err((
                ErrorCode::RequestFailed,
                "the file does not parse: fix its errors, then format it".into(),
            )),
        }
    }

    fn code_action(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::CodeActionParams = parse(params)?;
        let uri = p.text_document.uri.as_str();
        let Some(file) = self.view.uris.iter().position(|u| u == uri) else {
            return Ok(json!([]));
        };
        let Ok(file) = u32::try_from(file) else {
            return Ok(json!([]));
        };
        let Some(source) = self.view.sources.get(file) else {
            return Ok(json!([]));
        };
        let (from, to) = (offset(source, p.range.start), offset(source, p.range.end));
        let mut actions = Vec::new();
        for d in self.view.diagnostics.iter().filter(|d| {
            d.span.file == file && d.span.start as usize <= to && from <= d.span.end as usize
        }) {
            let Some(best) = d
                .help
                .as_deref()
                .and_then(|h| h.split("did you mean `").nth(1))
                .and_then(|h| h.split('`').next())
            else {
                continue;
            };
            let mut span = d.span;
            let written = source
                .text
                .get(span.start as usize..span.end as usize)
                .unwrap_or("");
            // Only a diagnostic placed on the word itself is fixed by replacing its span (one
            // placed on a whole record or clause names the word elsewhere).
            let word = written.strip_prefix('$').unwrap_or(written);
            if word.is_empty()
                || !word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                continue;
            }
            if written.starts_with('$') {
                span.start += 1;
            }
            let edit = lsp::TextEdit::new(range(source, span), best.to_string());
            let action = json!({
                "title": format!("Change to `{best}`"),
                "kind": "quickfix",
                "diagnostics": [self.diagnostic(d)],
                "edit": {"changes": {uri: [edit]}},
                "isPreferred": true,
            });
            actions.push(action);
        }
        Ok(serde_json::to_value(actions).unwrap_or_default())
    }
}

/// Two happenings naming the same event or the same act.
fn same_happening(a: &ast::Happening, b: &ast::Happening) -> bool {
    use ast::Happening::{Act, Event};
    let name = |i: &Option<ast::Ident>| i.as_ref().map(|i| i.name.clone());
    match (a, b) {
        (Event(x), Event(y)) => x.name == y.name,
        (
            Act {
                party: p1,
                verb: v1,
                object: o1,
                renewal_of: r1,
                to: t1,
                cloud: c1,
                place: l1,
            },
            Act {
                party: p2,
                verb: v2,
                object: o2,
                renewal_of: r2,
                to: t2,
                cloud: c2,
                place: l2,
            },
        ) => {
            p1.name == p2.name
                && v1.name == v2.name
                && o1.name == o2.name
                && r1 == r2
                && (t1.is_none() || name(t1) == name(t2))
                && (c1.is_none() || name(c1) == name(c2))
                && (l1.is_none() || name(l1) == name(l2))
        }
        _ => false,
    }
}

/// Whether a span holds a byte offset (its end included: a cursor just after an id is on it).
fn contains(span: Span, at: usize) -> bool {
    span.start as usize <= at && at <= span.end as usize
}

/// Params with their `textDocument.uri` in the server's one spelling.
fn with_norm_uri(mut params: Value) -> Value {
    if let Some(Value::String(uri)) = params.pointer_mut("/textDocument/uri") {
        *uri = norm(uri);
    }
    params
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("bad params: {e}")))
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}
