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
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
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

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One named text.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let text: Arc<str> = Arc::from(text.into());
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts.get(line).copied().unwrap_or(0);
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
            .copied()
            .unwrap_or(self.text.len())
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
    #[error("cannot read `{path}`: {reason}")]
    Io { path: String, reason: String },
    #[error("{path}:{line}:{col}: the file is not UTF-8 text: byte 0x{byte:02x} (offset {offset}) is not part of a UTF-8 character\n  {text}\n  {marker}^")]
    NotUtf8 {
        path: String,
        offset: usize,
        byte: u8,
        line: usize,
        col: usize,
        /// The line up to the bad byte, and a marker under it.
        text: String,
        marker: String,
    },
    #[error("`{path}` holds no `.cov` files")]
    EmptyFolder { path: String },
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a text and returns its file index.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files.push(Source::new(name, text));
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    pub fn get(&self, file: u32) -> Option<&Source> {
        self.files.get(file as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &Source)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, s)| (u32::try_from(i).unwrap_or(u32::MAX), s))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

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

/// Reads a whole file as UTF-8, with errors that name it.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    // A byte-order mark says nothing about the rules: drop it, as the CSV reader does.
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = String::from_utf8_lossy(bytes.get(..offset).unwrap_or_default());
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let before = valid.get(line_start..).unwrap_or_default();
        let col = before.chars().count() + 1;
        LoadError::NotUtf8 {
            path: path.display().to_string(),
            offset,
            byte: bytes.get(offset).copied().unwrap_or(0),
            line: valid.matches('\n').count() + 1,
            col,
            text: before.to_string(),
            marker: " ".repeat(col - 1),
        }
    })
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
            out.push(path);
        }
    }
    Ok(())
}

/// `FILE:LINE:COL`, for messages.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    pub name: &'a str,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.name, self.line, self.col)
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
