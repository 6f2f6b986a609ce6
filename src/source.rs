//! Rule text and where it came from.
//!
//! Every diagnostic points into a [`Source`]: a named text plus the byte offsets of its lines, so
//! that a span becomes `FILE:LINE:COL` without rescanning. A rule set is read from files, folders
//! (every `*.cov` below them, in sorted order so that runs are deterministic) or from the rules
//! embedded in the binary at build time.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A byte range into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The file's index in its [`Sources`].
    pub file: u32,
    /// The first byte.
    pub start: u32,
    /// The byte after the last.
    pub end: u32,
}

impl Span {
    /// A span of a file, from byte `start` to byte `end`.
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span's bytes as a range.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One named text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name diagnostics give it (a path, or a name of the caller's choosing).
    pub name: String,
    /// The text.
    pub text: Arc<str>,
    /// Where each line starts (four bytes a line: a rule text is far under 4 GiB, and a line
    /// table of `usize` was a tenth of a large rule set's memory).
    line_starts: Vec<u32>,
    /// The text has a CR not followed by LF.
    lone_cr: bool,
    /// The text with lone CRs shown as LF (made once, only for a text that has them).
    display: std::sync::OnceLock<Arc<str>>,
}

impl Source {
    /// A named text, its lines indexed.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let text: Arc<str> = Arc::from(text.into());
        let line_starts = line_starts(&text);
        let lone_cr = line_starts
            .iter()
            .skip(1)
            .any(|&s| text.as_bytes().get((s as usize).wrapping_sub(1)) == Some(&b'\r'));
        Source {
            name: name.into(),
            text,
            line_starts,
            lone_cr,
            display: std::sync::OnceLock::new(),
        }
    }

    /// The text as diagnostics show it: lone CRs (which end lines for covenant) become LF, one
    /// byte for one so that offsets stay put, for renderers that know only LF and CRLF.
    pub fn display_text(&self) -> &str {
        if !self.lone_cr {
            return &self.text;
        }
        self.display.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let fixed: String = self
                .text
                .char_indices()
                .map(|(i, c)| {
                    if c == '\r' && bytes.get(i + 1) != Some(&b'\n') {
                        '\n'
                    } else {
                        c
                    }
                })
                .collect();
            Arc::from(fixed)
        })
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .max(1)
            - 1;
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Byte offset where a zero-based line starts (the text's length past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize)
    }

    /// One-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }
}

/// The texts of one rule set, indexed by `Span::file`.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<Source>,
    /// Files read from disk, by canonical path: a file named twice (`--rules r --rules r`)
    /// is read once.
    read: Vec<(PathBuf, u32)>,
}

/// Why rule text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder that could not be read, and why.
    #[error("cannot read `{}`: {reason}", crate::diag::shown(path, usize::MAX))]
    Io {
        /// The path given.
        path: String,
        /// Why it could not be read.
        reason: String,
    },
    /// A file that is not UTF-8 text, with the place of its first bad byte.
    #[error("{path}:{line}:{col}: the file is not UTF-8 text: byte 0x{byte:02x} (offset {offset}) is not part of a UTF-8 character\n  {text}\n  {marker}^")]
    NotUtf8 {
        /// The file.
        path: String,
        /// The bad byte's offset.
        offset: usize,
        /// The bad byte.
        byte: u8,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column, in characters.
        col: usize,
        /// The line up to the bad byte, and a marker under it.
        text: String,
        /// Spaces up to the bad byte's column.
        marker: String,
    },
    /// A folder with no rule files below it.
    #[error("`{}` holds no `.cov` files", crate::diag::shown(path, usize::MAX))]
    EmptyFolder {
        /// The folder.
        path: String,
    },
}

impl Sources {
    /// No texts yet.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a text and returns its file index.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files.push(Source::new(name, text));
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// Puts the files in order of their names (byte order), so that everything numbered by
    /// file (ids, diagnostics, warnings, charts) is the same whatever order the files were given
    /// in. Spans made before the sort point at the wrong files: sort before parsing.
    pub fn sort_by_name(&mut self) {
        let mut order: Vec<usize> = (0..self.files.len()).collect();
        order.sort_by(|&a, &b| {
            let name = |i: usize| self.files.get(i).map(|f| f.name.as_str());
            name(a).cmp(&name(b))
        });
        let mut new_index = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            if let Some(slot) = new_index.get_mut(old) {
                *slot = u32::try_from(new).unwrap_or(u32::MAX);
            }
        }
        let mut files: Vec<Option<Source>> = std::mem::take(&mut self.files)
            .into_iter()
            .map(Some)
            .collect();
        self.files = order
            .iter()
            .filter_map(|&i| files.get_mut(i).and_then(Option::take))
            .collect();
        for (_, id) in &mut self.read {
            if let Some(&n) = new_index.get(*id as usize) {
                *id = n;
            }
        }
    }

    /// The text of a file index.
    pub fn get(&self, file: u32) -> Option<&Source> {
        self.files.get(file as usize)
    }

    /// Every text with its index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Source)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, s)| (u32::try_from(i).unwrap_or(u32::MAX), s))
    }

    /// How many texts.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `FILE:LINE:COL` of a span's start.
    pub fn locate(&self, span: Span) -> Location<'_> {
        match self.get(span.file) {
            Some(src) => {
                let (line, col) = src.line_col(span.start as usize);
                Location {
                    name: &src.name,
                    line,
                    col,
                }
            }
            None => Location {
                name: "<unknown>",
                line: 0,
                col: 0,
            },
        }
    }

    /// The rules shipped inside the binary, read from `rules/` when it was built.
    pub fn embedded() -> Sources {
        let mut sources = Sources::new();
        for (name, text) in EMBEDDED {
            sources.add(*name, *text);
        }
        sources
    }

    /// Reads a file, or every `*.cov` file below a folder (sorted by path).
    pub fn load_path(&mut self, path: &Path) -> Result<(), LoadError> {
        let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            collect_cov(path, &mut found)?;
            if found.is_empty() {
                return Err(LoadError::EmptyFolder {
                    path: path.display().to_string(),
                });
            }
            found.sort();
            for file in found {
                self.load_file(&file)?;
            }
            Ok(())
        } else {
            self.load_file(path).map(|_| ())
        }
    }

    /// Reads one file as UTF-8 text (once, however often it is named).
    pub fn load_file(&mut self, path: &Path) -> Result<u32, LoadError> {
        let canonical = std::fs::canonicalize(path).map_err(|e| io_error(path, &e))?;
        if let Some((_, id)) = self.read.iter().find(|(p, _)| *p == canonical) {
            return Ok(*id);
        }
        let text = read_text(path)?;
        let id = self.add(path.display().to_string(), text);
        self.read.push((canonical, id));
        Ok(id)
    }
}

/// The byte offsets where lines start: after each LF, CRLF or lone CR (all three end a line,
/// for the lexer and for diagnostics alike). Offsets past 4 GiB, which no rule file reaches
/// ([`MAX_RULE_FILE`]), are kept at `u32::MAX`.
pub fn line_starts(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        let crlf = bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n');
        if !crlf {
            starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    // Grown by doubling, the table may hold twice its lines; it is kept as long as the text.
    starts.shrink_to_fit();
    starts
}

/// The largest rule file read: rule sets are text written by people, and a larger file is a
/// mistake (a device, a data file), not rules.
pub const MAX_RULE_FILE: u64 = 256 << 20;

/// Reads a whole file as UTF-8, with errors that name it. Only regular files (and pipes) are
/// read, and none larger than [`MAX_RULE_FILE`].
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let meta = file.metadata().map_err(|e| io_error(path, &e))?;
    let regular = meta.is_file() || is_pipe(&meta);
    if !regular {
        return Err(LoadError::Io {
            path: path.display().to_string(),
            reason: "not a regular file".into(),
        });
    }
    let too_large = || LoadError::Io {
        path: path.display().to_string(),
        reason: format!("larger than {} MiB: not a rule file", MAX_RULE_FILE >> 20),
    };
    if meta.len() > MAX_RULE_FILE {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_RULE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, &e))?;
    if bytes.len() as u64 > MAX_RULE_FILE {
        return Err(too_large());
    }
    // A byte-order mark says nothing about the rules: drop it, as the CSV reader does.
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = String::from_utf8_lossy(bytes.get(..offset).unwrap_or_default());
        let line_start = valid.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let before = valid.get(line_start..).unwrap_or_default();
        let col = before.chars().count() + 1;
        LoadError::NotUtf8 {
            path: path.display().to_string(),
            offset,
            byte: bytes.get(offset).copied().unwrap_or(0),
            line: line_starts(&valid).len(),
            col,
            text: before.to_string(),
            marker: " ".repeat(col - 1),
        }
    })
}

/// Whether a file is a named pipe (read as a stream, like a regular file).
#[cfg(unix)]
pub(crate) fn is_pipe(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
pub(crate) fn is_pipe(_: &std::fs::Metadata) -> bool {
    false
}

/// An I/O error in words, without the operating system's error number.
pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        reason: describe_io(e),
    }
}

fn collect_cov(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io_error(&path, &e))?;
        if kind.is_dir() {
            collect_cov(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "cov") {
            // Found by walking, not named: only a regular file (or a link to one) is read. A
            // pipe or device is refused before it is opened, since opening a pipe waits for a
            // writer.
            let meta = std::fs::metadata(&path).map_err(|e| io_error(&path, &e))?;
            if !meta.is_file() {
                return Err(LoadError::Io {
                    path: path.display().to_string(),
                    reason: "not a regular file".into(),
                });
            }
            out.push(path);
        }
    }
    Ok(())
}

/// `FILE:LINE:COL`, for messages.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    /// The file's name.
    pub name: &'a str,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub col: usize,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file name is user input too: a newline or a direction mark in it must not forge
        // or hide part of a message.
        write!(
            f,
            "{}:{}:{}",
            crate::diag::shown(self.name, usize::MAX),
            self.line,
            self.col
        )
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
