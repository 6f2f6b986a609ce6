//! Diagnostics as plain data, and their rendering.
//!
//! Every stage reports problems as [`Diagnostic`] values: a severity, a stable kebab-case code, a
//! lowercase message, a primary span with a label, optional secondary spans and a help line. They
//! are collected, never thrown, so one run reports every problem of a file. Rendering (with miette:
//! `FILE:LINE:COL`, the source line and a marker) is a separate layer, used by the CLI and the
//! snapshot tests alike.

use std::fmt::{self, Write as _};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceSpan};

use crate::source::{Source, Sources, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// How serious a diagnostic is.
pub enum Severity {
    /// The rules cannot be used until it is fixed.
    Error,
    /// The rules mean what they say, but probably not what was meant.
    Warning,
}

/// The code of a diagnostic: a stable kebab-case name (`unknown-id`), documented with an
/// example each in docs/diagnostics.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `syntax`: The text does not follow the grammar: a word or symbol where another was expected.
    Syntax,
    /// `bad-token`: A character or word the language has no use for.
    BadToken,
    /// `bad-string`: A string that is not closed on its line, or holds a character strings cannot.
    BadString,
    /// `bad-number`: A number that cannot be held exactly (more than 28 significant digits, or malformed).
    BadNumber,
    /// `reserved-word`: A keyword used as an id.
    ReservedWord,
    /// `missing-term`: A block lacks a term it must have (an agreement without `signed`, say).
    MissingTerm,
    /// `duplicate-term`: A term given twice in one block.
    DuplicateTerm,
    /// `duplicate-id`: Two declarations of one kind with the same id.
    DuplicateId,
    /// `duplicate-party`: An agreement between a party and itself.
    DuplicateParty,
    /// `unknown-id`: An id no declaration introduces (with the nearest one that exists).
    UnknownId,
    /// `type-mismatch`: A value of the wrong kind where a term wants another (an amount where a day is due).
    TypeMismatch,
    /// `unknown-currency`: An amount in a currency that is not an ISO 4217 code.
    UnknownCurrency,
    /// `launch-without-cloud`: A `launches` record that does not say on which cloud.
    LaunchWithoutCloud,
    /// `empty-rule-set`: No declarations at all: nothing to check or ask.
    EmptyRuleSet,
    /// `not-a-party`: A party named where only the agreement's own parties may act (who may
    /// terminate it, say).
    NotAParty,
    /// `cycle`: Derived events, territories, fields, affiliates, derived assumptions or clauses
    /// timed by `end of` each other, defined through each other in a circle.
    Cycle,
    /// `day-not-known-here`: `end of` / `start of` where a day must be known without reading
    /// any agreement's life (a signing day, an assumption).
    DayNotKnownHere,
    /// `day-out-of-range`: A day expression that leaves the calendar (0000-01-01 to
    /// 9999-12-31).
    DayOutOfRange,
    /// `bad-period`: A period that cannot be: one that ends beyond the last day the calendar
    /// holds, or a renewal period of no time.
    BadPeriod,
    /// `term-does-not-fit`: An amendment changes a term the clause's kind does not have.
    TermDoesNotFit,
    /// `wrong-agreement`: An amendment names a clause of another agreement.
    WrongAgreement,
    /// `clause-not-in-force`: An amendment changes a clause that an earlier amendment ended.
    ClauseNotInForce,
    /// `conflicting-amendments`: Two amendments of one agreement take effect on one day and change the same thing.
    ConflictingAmendments,
    /// `cap-currency`: A revenue share's cap amended into another currency than the one it counts in.
    CapCurrency,
    /// `bad-tiers`: Tiers whose bounds do not rise, or a tier's rate above 100%.
    BadTiers,
    /// `added-before-effective`: A clause an amendment adds says it starts before the amendment
    /// takes effect.
    AddedBeforeEffective,
    /// `effective-before-signed`: An agreement or amendment effective before it was signed.
    EffectiveBeforeSigned,
    /// `never-in-force`: A clause whose life is empty on every reading of the assumptions.
    NeverInForce,
    /// `selects-nothing`: A selector that matches no product.
    SelectsNothing,
    /// `no-right`: A termination or notice of non-renewal that no right of the agreement
    /// answers: it ends nothing.
    NoRight,
    /// `inert-record`: A record whose verb no rule speaks of (a misspelt verb, say): it changes
    /// no answer.
    InertRecord,
    /// `needless-survival`: `survives` on a clause of an agreement that never ends.
    NeedlessSurvival,
    /// `unused-region`: A territory or field nothing speaks of, directly or through a region it
    /// holds or lies in.
    UnusedRegion,
    /// `unused-assumption`: An assumption no clause or record uses.
    UnusedAssumption,
    /// `licence-of-another-party`: A licence granted by a party that does not own the product.
    LicenceOfAnotherParty,
    /// `exclusivities-collide`: Exclusivities in force together that leave a product no cloud at
    /// all.
    ExclusivitiesCollide,
    /// `exclusivity-blocks-first-launch`: A first-launch right on a cloud that an exclusivity in
    /// force forbids.
    ExclusivityBlocksFirstLaunch,
    /// `licences-collide`: Two licences of one licensor to different parties, one exclusive,
    /// over overlapping places and days.
    LicencesCollide,
    /// `only-by-unlicensed`: An exclusivity whose `only by` party holds no licence to deploy the
    /// product in the exclusivity's scope.
    OnlyByUnlicensed,
}

impl Code {
    /// Every code, in the order of docs/diagnostics.md.
    pub const ALL: [Code; 39] = [
        Code::Syntax,
        Code::BadToken,
        Code::BadString,
        Code::BadNumber,
        Code::ReservedWord,
        Code::MissingTerm,
        Code::DuplicateTerm,
        Code::DuplicateId,
        Code::DuplicateParty,
        Code::UnknownId,
        Code::TypeMismatch,
        Code::UnknownCurrency,
        Code::LaunchWithoutCloud,
        Code::EmptyRuleSet,
        Code::NotAParty,
        Code::Cycle,
        Code::DayNotKnownHere,
        Code::DayOutOfRange,
        Code::BadPeriod,
        Code::TermDoesNotFit,
        Code::WrongAgreement,
        Code::ClauseNotInForce,
        Code::ConflictingAmendments,
        Code::CapCurrency,
        Code::BadTiers,
        Code::AddedBeforeEffective,
        Code::EffectiveBeforeSigned,
        Code::NeverInForce,
        Code::SelectsNothing,
        Code::NoRight,
        Code::InertRecord,
        Code::NeedlessSurvival,
        Code::UnusedRegion,
        Code::UnusedAssumption,
        Code::LicenceOfAnotherParty,
        Code::ExclusivitiesCollide,
        Code::ExclusivityBlocksFirstLaunch,
        Code::LicencesCollide,
        Code::OnlyByUnlicensed,
    ];

    /// The code's name, as diagnostics print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::BadToken => "bad-token",
            Code::BadString => "bad-string",
            Code::BadNumber => "bad-number",
            Code::ReservedWord => "reserved-word",
            Code::MissingTerm => "missing-term",
            Code::DuplicateTerm => "duplicate-term",
            Code::DuplicateId => "duplicate-id",
            Code::DuplicateParty => "duplicate-party",
            Code::UnknownId => "unknown-id",
            Code::TypeMismatch => "type-mismatch",
            Code::UnknownCurrency => "unknown-currency",
            Code::LaunchWithoutCloud => "launch-without-cloud",
            Code::EmptyRuleSet => "empty-rule-set",
            Code::NotAParty => "not-a-party",
            Code::Cycle => "cycle",
            Code::DayNotKnownHere => "day-not-known-here",
            Code::DayOutOfRange => "day-out-of-range",
            Code::BadPeriod => "bad-period",
            Code::TermDoesNotFit => "term-does-not-fit",
            Code::WrongAgreement => "wrong-agreement",
            Code::ClauseNotInForce => "clause-not-in-force",
            Code::ConflictingAmendments => "conflicting-amendments",
            Code::CapCurrency => "cap-currency",
            Code::BadTiers => "bad-tiers",
            Code::AddedBeforeEffective => "added-before-effective",
            Code::EffectiveBeforeSigned => "effective-before-signed",
            Code::NeverInForce => "never-in-force",
            Code::SelectsNothing => "selects-nothing",
            Code::NoRight => "no-right",
            Code::InertRecord => "inert-record",
            Code::NeedlessSurvival => "needless-survival",
            Code::UnusedRegion => "unused-region",
            Code::UnusedAssumption => "unused-assumption",
            Code::LicenceOfAnotherParty => "licence-of-another-party",
            Code::ExclusivitiesCollide => "exclusivities-collide",
            Code::ExclusivityBlocksFirstLaunch => "exclusivity-blocks-first-launch",
            Code::LicencesCollide => "licences-collide",
            Code::OnlyByUnlicensed => "only-by-unlicensed",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One problem found in the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem it is.
    pub code: Code,
    /// What is wrong, in lowercase words.
    pub message: String,
    /// Where: the primary span.
    pub span: Span,
    /// The primary span's label (may be empty).
    pub label: String,
    /// Other places that explain it, each with a label.
    pub related: Vec<(Span, String)>,
    /// How to fix it, when there is a likely fix.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a span.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            related: Vec::new(),
            help: None,
        }
    }

    /// A warning at a span.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// With a label on the primary span.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// With a help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// With another labelled place.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    /// Whether it is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error[code]: message` (the place needs the sources: see [`render`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{kind}[{}]: {}",
            self.code,
            escape_invisible(&self.message)
        )
    }
}

impl std::error::Error for Diagnostic {}

/// A diagnostic as a miette diagnostic: its code, severity, help and labelled spans (byte
/// offsets into its file). The source text is not part of it: [`render`] adds it, or a miette
/// user wraps it with `miette::Report::with_source_code`.
impl miette::Diagnostic for Diagnostic {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let mut labels = vec![labeled(self.span, &self.label, true)];
        for (span, label) in &self.related {
            if span.file == self.span.file {
                labels.push(labeled(*span, label, false));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// Sorts diagnostics by file and position, errors and warnings interleaved, for stable output.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.span.file, a.span.start, a.severity, &a.message).cmp(&(
            b.span.file,
            b.span.start,
            b.severity,
            &b.message,
        ))
    });
}

/// Diagnostics as JSON, for programs (the decision service's `/v1/check`, editors): each with
/// its severity, code, message, file, one-based line and column (in characters) of both ends
/// of its span, byte offsets, label, help and related places.
pub fn json(diags: &[Diagnostic], sources: &Sources) -> serde_json::Value {
    let place = |span: Span| -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        let (name, (line, column), (end_line, end_column)) = match sources.get(span.file) {
            Some(src) => (
                src.name.as_str(),
                src.line_col(span.start as usize),
                src.line_col(span.end as usize),
            ),
            None => ("<unknown>", (0, 0), (0, 0)),
        };
        m.insert("file".into(), name.into());
        m.insert("line".into(), line.into());
        m.insert("column".into(), column.into());
        m.insert("end_line".into(), end_line.into());
        m.insert("end_column".into(), end_column.into());
        m.insert("start".into(), span.start.into());
        m.insert("end".into(), span.end.into());
        m
    };
    diags
        .iter()
        .map(|d| {
            let mut m = serde_json::Map::new();
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            m.insert("severity".into(), severity.into());
            m.insert("code".into(), d.code.as_str().into());
            m.insert("message".into(), d.message.clone().into());
            m.extend(place(d.span));
            m.insert("label".into(), d.label.clone().into());
            m.insert(
                "help".into(),
                d.help.clone().map_or(serde_json::Value::Null, Into::into),
            );
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .map(|(span, label)| {
                    let mut r = place(*span);
                    r.insert("label".into(), label.clone().into());
                    serde_json::Value::Object(r)
                })
                .collect();
            m.insert("related".into(), related.into());
            serde_json::Value::Object(m)
        })
        .collect()
}

/// How rendered diagnostics look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unicode art with colours, for a terminal.
    Color,
    /// Unicode art, no colour: for files, pipes and snapshots.
    Plain,
}

/// Renders diagnostics, each headed by `FILE:LINE:COL: error[code]: message`.
pub fn render(diags: &[Diagnostic], sources: &Sources, style: Style) -> String {
    let theme = match style {
        Style::Color => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "{}: {kind}[{}]: {}",
            sources.locate(d.span),
            d.code,
            escape_invisible(&d.message)
        );
        let source = sources.get(d.span.file).map(View);
        let report = Report { d, source };
        let mut body = String::new();
        if handler.render_report(&mut body, &report).is_err() {
            body = format!("  {}\n", d.message);
        }
        out.push_str(&body);
    }
    out
}

/// Bytes of a long line shown on each side of a span.
const EXCERPT: usize = 160;

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

/// Adapter giving miette one diagnostic with its source text.
struct Report<'a> {
    d: &'a Diagnostic,
    source: Option<View<'a>>,
}

/// A source as miette reads it: only the lines around a span are handed over, found through
/// the source's line index, so rendering a diagnostic near the end of a 50 MB file does not
/// scan the file from its start.
struct View<'a>(&'a Source);

impl miette::SourceCode for View<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let src = self.0;
        let text: &str = &src.text;
        let start = span.offset().min(text.len());
        let end = (start + span.len()).min(text.len());
        let first = src.line_of(start).saturating_sub(1).saturating_sub(before);
        let last = src.line_of(end) + after;
        let mut from = src.line_start(first).min(start);
        let mut to = src.line_start(last).max(end).min(text.len());
        // A very long line is shown only around the span (a one-line file of megabytes must
        // not be echoed whole for each of its problems).
        let mut end = end;
        if to - from > 2 * EXCERPT {
            from = floor_char(text, from.max(start.saturating_sub(EXCERPT)));
            end = end.min(start + EXCERPT);
            to = ceil_char(text, to.min(end + EXCERPT));
            end = ceil_char(text, end).min(to);
        }
        let text = src.display_text();
        let window = text.get(from..to).unwrap_or_default();
        let local = SourceSpan::new((start - from).into(), end - start);
        let inner = window.read_span(&local, before, after)?;
        let begin = inner.span().offset() + from;
        let shifted = SourceSpan::new(begin.into(), inner.span().len());
        // Columns count characters, as the `FILE:LINE:COL` header does (miette counts bytes).
        let column = src.line_col(begin).1 - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            src.name.clone(),
            inner.data(),
            shifted,
            inner.line() + first,
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message heads the rendering already (`FILE:LINE:COL: error[code]: message`).
        f.write_str(self.d.code.as_str())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }

    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.d)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        miette::Diagnostic::help(self.d)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.d)
    }
}

fn labeled(span: Span, label: &str, primary: bool) -> LabeledSpan {
    let len = (span.end.saturating_sub(span.start)) as usize;
    let source_span = SourceSpan::new((span.start as usize).into(), len);
    let text = (!label.is_empty()).then(|| label.to_string());
    if primary {
        LabeledSpan::new_primary_with_span(text, source_span)
    } else {
        LabeledSpan::new_with_span(text, source_span)
    }
}

/// Input text as a message may quote it: control and invisible characters escaped (`\r`,
/// `\u{200b}`), and at most `most` characters, with a count of what was cut. Messages never echo
/// unbounded or unprintable input.
pub fn shown(text: &str, most: usize) -> String {
    let mut out = String::new();
    let mut chars = text.char_indices();
    for (n, (_, c)) in chars.by_ref().enumerate() {
        if n == most {
            break;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if let Some((at, _)) = chars.next() {
        let _ = write!(out, "… ({} more bytes)", text.len() - at);
    }
    out
}

/// A message with every invisible character but the line feed escaped (`\u{200b}`), so that
/// what a user typed by mistake shows in the message instead of hiding in it.
pub fn escape_invisible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && invisible(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && invisible(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`shown`] for bytes that may not be UTF-8 (invalid sequences shown as U+FFFD).
pub fn shown_bytes(bytes: &[u8], most: usize) -> String {
    let cut = bytes.len().min(most.saturating_mul(4));
    let mut s = shown(
        &String::from_utf8_lossy(bytes.get(..cut).unwrap_or(bytes)),
        most,
    );
    if cut < bytes.len() && !s.ends_with("bytes)") {
        let _ = write!(s, "… ({} more bytes)", bytes.len() - cut);
    }
    s
}

/// Characters that print as nothing, or move the cursor: controls, format characters
/// (zero-width spaces and joiners, direction marks), and the byte-order mark.
pub fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180e}'
        )
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2060}'..='\u{206f}').contains(&c)
        || c == '\u{feff}'
        || ('\u{fff9}'..='\u{fffb}').contains(&c)
}

/// The known name nearest to `name`, if any is near enough to be a likely typo: at most one
/// edit (insertion, deletion, substitution or swap of neighbours) per three characters.
pub fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let most = (name.chars().count() / 3).max(1);
    let plain = squeeze(name);
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let d = distance(name, &plain, k);
        if d <= most && best.is_none_or(|(bd, b)| d < bd || (d == bd && k.as_str() < b)) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// How far a typed name is from a known id: the edit distance, or that of both without `_`
/// and `-` (`gpt5` is one edit from `gpt_5_5`), or 1 when the typed name, so squeezed, begins
/// the id (`gpt_5` for `gpt_5_5`, three letters at least).
fn distance(name: &str, plain: &str, known: &str) -> usize {
    let squeezed = squeeze(known);
    let mut d =
        strsim::damerau_levenshtein(name, known).min(strsim::damerau_levenshtein(plain, &squeezed));
    if plain.chars().count() >= 3 && squeezed.starts_with(plain) && squeezed != plain {
        d = d.min(1);
    }
    d
}

/// A name without `_` and `-`, in lowercase.
fn squeeze(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    #[test]
    fn near_misses_find_their_id() {
        let known: Vec<String> = ["gpt_5_5", "gpt_4o", "bedrock", "aws", "azure", "openai_api"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let find = |n: &str| nearest(n, known.iter());
        assert_eq!(find("gpt5"), Some("gpt_5_5"));
        assert_eq!(find("bedrok"), Some("bedrock"));
        assert_eq!(find("openai"), Some("openai_api"));
        assert_eq!(find("GPT_5_5"), Some("gpt_5_5"));
        assert_eq!(find("xyz"), None);
        assert_eq!(find("az"), None);
    }
}
