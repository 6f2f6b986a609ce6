//! CSV records with exact places: the byte offset and the physical line each record starts on.
//!
//! The `csv` crate's reader numbers lines by `\n` alone and dates a record from the end of the
//! one before it, so a lone CR, a CRLF or a blank line puts its line numbers off; and it cannot
//! say whether a byte offset falls between two records, which reading a file in two parts needs.
//! This reader drives `csv_core` (the same state machine, so it accepts exactly what the `csv`
//! crate accepts) over its own buffer: it steps over the line ends between records itself,
//! counting CR, LF and CRLF alike as one line end, and it can be told to stop at an offset if and
//! only if that offset falls between two records. Records are bounded in size, so a file with no
//! line end is an error, not a whole file held in memory.
//!
//! Most ledger lines hold no quote: such a line, once the state machine has read a first
//! record, is split at its commas directly: what the state machine makes of it, for far fewer
//! instructions. Tests and the fuzz target read with and without that split and require the
//! same.

use std::io::Read;

use csv_core::ReadRecordResult;

/// One record: its fields' bytes and where each field ends.
#[derive(Debug, Default)]
pub struct Record {
    fields: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    /// `fields` is the line as written, a comma after each field but the last (a plain line);
    /// else the fields' bytes one after another, as the parser writes them.
    raw: bool,
    /// The physical line (1-based, counted from where the reader started) the record starts on.
    pub line: u64,
    /// The record held more bytes than the reader's limit; its fields are not kept.
    pub too_long: bool,
}

impl Record {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the record has no field (never true of a record read).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes of field `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (start, end) = self.bounds(i)?;
        self.fields.get(start..end)
    }

    /// Where field `i` starts and ends in [`Record::all`].
    pub fn bounds(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)? + usize::from(self.raw),
            None => 0,
        };
        Some((start, end))
    }

    /// The bytes of every field, one after another (empty when the record was too long).
    pub fn all(&self) -> &[u8] {
        let end = match self.len.checked_sub(1) {
            Some(last) => self.ends.get(last).copied().unwrap_or(0),
            None => 0,
        };
        self.fields.get(..end).unwrap_or_default()
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len).filter_map(|i| self.get(i))
    }
}

/// The high bit of each byte of `word` (eight bytes, little-endian) that is a comma, and no
/// other bit.
fn comma_bytes(word: &[u8]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let bytes: [u8; 8] = word.try_into().unwrap_or([0; 8]);
    // Bytes equal to `,` become zero; a zero byte is the one whose low seven bits, plus
    // 0x7f, do not carry into its high bit, and whose own high bit is clear. Exact per
    // byte: no carry crosses from one byte into the next.
    let x = u64::from_le_bytes(bytes) ^ 0x2c2c_2c2c_2c2c_2c2c;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// What [`Records::next`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// A record, now in the caller's [`Record`].
    Record,
    /// The end of the input.
    End,
    /// The stop offset was reached between two records; nothing past it was read.
    Stopped,
}

/// Reads CSV records from a byte stream.
pub struct Records<R> {
    input: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    eof: bool,
    core: csv_core::Reader,
    /// Absolute offset of `buf[pos]` (the reader may start inside a file).
    offset: u64,
    /// Line ends consumed so far.
    lines: u64,
    /// Where lines end in the buffer (a CR, or an LF not after a CR), found once per fill.
    line_ends: Vec<usize>,
    /// The next of `line_ends` not yet consumed.
    next_end: usize,
    /// The last byte of the previous buffer was a CR (an LF first in this one ends no line).
    last_cr: bool,
    stop_at: Option<u64>,
    /// The stop offset fell inside a record: the reader went on past it.
    missed: bool,
    limit: usize,
    /// The parser has read a record (so a byte-order mark is behind it), and is between
    /// records: a plain line may be split without it.
    started: bool,
    /// The first quote at or after `pos` in the buffer (`filled` when there is none), found
    /// lazily: a line before it has no quoted field.
    next_quote: usize,
    /// Plain lines may be split without the parser (always, but in tests that compare both).
    plain: bool,
}

const BUFFER: usize = 1 << 17;

impl<R: Read> Records<R> {
    /// A reader of `input`, whose first byte is at `offset` in its file, keeping records of at
    /// most `limit` bytes.
    pub fn new(input: R, offset: u64, limit: usize) -> Records<R> {
        Records {
            input,
            buf: vec![0; BUFFER].into_boxed_slice(),
            pos: 0,
            filled: 0,
            eof: false,
            core: csv_core::Reader::new(),
            offset,
            lines: 0,
            line_ends: Vec::new(),
            next_end: 0,
            last_cr: false,
            stop_at: None,
            missed: false,
            limit,
            started: false,
            next_quote: 0,
            plain: true,
        }
    }

    /// Stop at `offset` if it falls between two records; else read on to the end.
    pub fn stop_at(&mut self, offset: u64) {
        self.stop_at = Some(offset);
    }

    /// Reads every line through the parser (plain lines too).
    pub fn parser_only(&mut self) {
        self.plain = false;
    }

    /// The stop offset fell inside a record, so the reader read on past it.
    pub fn missed_stop(&self) -> bool {
        self.missed
    }

    /// Line ends consumed so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The offset of the next byte to be read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Keeps records of at most `limit` bytes from now on.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    fn fill(&mut self) -> std::io::Result<()> {
        if self.pos < self.filled || self.eof {
            return Ok(());
        }
        loop {
            match self.input.read(&mut self.buf) {
                Ok(n) => {
                    self.pos = 0;
                    self.filled = n;
                    self.eof = n == 0;
                    self.next_quote = 0;
                    self.find_line_ends();
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Finds where lines end in a fresh buffer: CR, LF and CRLF each end one line.
    fn find_line_ends(&mut self) {
        self.line_ends.clear();
        self.next_end = 0;
        let data = self.buf.get(..self.filled).unwrap_or_default();
        for i in memchr::memchr2_iter(b'\r', b'\n', data) {
            let after_cr = match i.checked_sub(1) {
                Some(p) => data.get(p) == Some(&b'\r'),
                None => self.last_cr,
            };
            if data.get(i) == Some(&b'\r') || !after_cr {
                self.line_ends.push(i);
            }
        }
        self.last_cr = data.last() == Some(&b'\r');
    }

    /// Moves past `n` bytes, counting the line ends among them.
    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.offset += n as u64;
        while self
            .line_ends
            .get(self.next_end)
            .is_some_and(|&e| e < self.pos)
        {
            self.next_end += 1;
            self.lines += 1;
        }
    }

    /// Splits the line at `pos` into `record` without the parser, when that is what the parser
    /// would make of it: the line ends in the buffer, holds no quote, and fits the record's
    /// buffers as they are (so the parser would neither grow them nor find the record too
    /// long). Between records, the parser consumes a record's bytes and the one line end after
    /// it, copying each field's bytes and ending a field at each comma; so does this. `false`
    /// (nothing consumed) leaves the line to the parser.
    fn plain_line(&mut self, record: &mut Record) -> bool {
        let Some(&end) = self.line_ends.get(self.next_end) else {
            return false;
        };
        if self.next_quote < self.pos {
            let rest = self.buf.get(self.pos..self.filled).unwrap_or_default();
            self.next_quote = memchr::memchr(b'"', rest).map_or(self.filled, |i| self.pos + i);
        }
        if self.next_quote < end || end - self.pos > record.fields.len() {
            return false;
        }
        let (Some(line), Some(to)) = (
            self.buf.get(self.pos..end),
            record.fields.get_mut(..end - self.pos),
        ) else {
            return false;
        };
        to.copy_from_slice(line);
        // Commas found eight bytes at a time (fields are shorter than a vector search pays
        // for), the last few bytes one at a time.
        let mut fields = 0usize;
        let mut mark = |i: usize| -> bool {
            let Some(slot) = record.ends.get_mut(fields) else {
                return false;
            };
            *slot = i;
            fields += 1;
            true
        };
        let mut words = line.chunks_exact(8);
        let mut at = 0usize;
        for word in words.by_ref() {
            let mut commas = comma_bytes(word);
            while commas != 0 {
                if !mark(at + (commas.trailing_zeros() / 8) as usize) {
                    return false;
                }
                commas &= commas - 1;
            }
            at += 8;
        }
        for (i, &b) in words.remainder().iter().enumerate() {
            if b == b',' && !mark(at + i) {
                return false;
            }
        }
        let Some(slot) = record.ends.get_mut(fields) else {
            return false;
        };
        *slot = line.len();
        fields += 1;
        record.raw = true;
        record.len = fields;
        self.consume(end + 1 - self.pos);
        if self.stop_at.is_some_and(|s| self.offset > s) {
            self.stop_at = None;
            self.missed = true;
        }
        true
    }

    /// Reads the next record into `record`.
    pub fn next(&mut self, record: &mut Record) -> std::io::Result<Next> {
        // Line ends between records: stepped over here, where the stop offset can be honoured
        // exactly (the parser would step over them too, in the same state).
        loop {
            if self.stop_at == Some(self.offset) {
                return Ok(Next::Stopped);
            }
            self.fill()?;
            if self.eof {
                break;
            }
            let avail = self.filled - self.pos;
            let most = match self.stop_at {
                Some(s) if s > self.offset => {
                    avail.min(usize::try_from(s - self.offset).unwrap_or(avail))
                }
                _ => avail,
            };
            let ends = self
                .buf
                .get(self.pos..self.pos + most)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            self.consume(ends);
            if ends < most {
                break;
            }
        }
        record.line = self.lines + 1;
        record.too_long = false;
        if record.fields.is_empty() {
            record.fields.resize(1024, 0);
        }
        if record.ends.is_empty() {
            record.ends.resize(16, 0);
        }
        if self.started && self.plain && self.plain_line(record) {
            return Ok(Next::Record);
        }
        self.started = true;
        record.raw = false;
        let (mut out, mut ends) = (0usize, 0usize);
        loop {
            self.fill()?;
            let input = self.buf.get(self.pos..self.filled).unwrap_or_default();
            let (res, nin, nout, nend) = self.core.read_record(
                input,
                record.fields.get_mut(out..).unwrap_or_default(),
                record.ends.get_mut(ends..).unwrap_or_default(),
            );
            self.consume(nin);
            out += nout;
            ends += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if record.fields.len() >= self.limit {
                        record.too_long = true;
                        out = 0;
                    } else {
                        let grown = (record.fields.len() * 2).min(self.limit.max(1024));
                        record.fields.resize(grown, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if record.ends.len() >= self.limit / 2 + 16 {
                        record.too_long = true;
                        ends = 0;
                    } else {
                        let grown = record.ends.len() * 2;
                        record.ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record => {
                    record.len = if record.too_long { 0 } else { ends };
                    if self.stop_at.is_some_and(|s| self.offset > s) {
                        self.stop_at = None;
                        self.missed = true;
                    }
                    return Ok(Next::Record);
                }
                ReadRecordResult::End => {
                    if self.stop_at.is_some() {
                        self.stop_at = None;
                        self.missed = true;
                    }
                    return Ok(Next::End);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(text, 0, 1 << 20);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while let Ok(Next::Record) = r.next(&mut rec) {
            let fields = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((rec.line, fields));
        }
        out
    }

    #[test]
    fn lines_count_cr_lf_and_crlf_alike() {
        for text in [
            &b"a\nb\nc"[..],
            b"a\r\nb\r\nc\r\n",
            b"a\rb\rc\r",
            b"a\n\rb\r\n\r\nc",
        ] {
            let lines: Vec<u64> = all(text).iter().map(|(l, _)| *l).collect();
            let want = match text {
                b"a\n\rb\r\n\r\nc" => vec![1, 3, 5],
                _ => vec![1, 2, 3],
            };
            assert_eq!(lines, want, "{:?}", String::from_utf8_lossy(text));
        }
        // A quoted field over three lines: the next record starts on line 4.
        let recs = all(b"x,\"a\nb\r\nc\"\ny,z\n");
        assert_eq!(recs[1], (4, vec!["y".to_string(), "z".to_string()]));
        assert_eq!(recs[0].1[1], "a\nb\r\nc");
    }

    #[test]
    fn stops_only_between_records() {
        let text = b"h\n1,\"x\ny\"\n2,z\n";
        // Offset 9 (after `y"\n`... ) is between records; offset 6 is inside the quoted field.
        let boundary = text.iter().position(|&b| b == b'2').unwrap_or(0) as u64;
        let mut r = Records::new(&text[..], 0, 1 << 20);
        r.stop_at(boundary);
        let mut rec = Record::default();
        assert_eq!(r.next(&mut rec).ok(), Some(Next::Record));
        assert_eq!(r.next(&mut rec).ok(), Some(Next::Record));
        assert_eq!(r.next(&mut rec).ok(), Some(Next::Stopped));
        assert_eq!(r.lines(), 3);
        assert!(!r.missed_stop());
        let mut r = Records::new(&text[..], 0, 1 << 20);
        r.stop_at(6);
        let mut n = 0;
        while let Ok(Next::Record) = r.next(&mut rec) {
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(r.missed_stop());
    }

    /// A reader that hands over at most `chunk` bytes a call, so buffers end anywhere.
    struct Chunked<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl std::io::Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            let (head, rest) = self.data.split_at(n);
            buf[..n].copy_from_slice(head);
            self.data = rest;
            Ok(n)
        }
    }

    /// Everything a read reports, record by record, then where it ended.
    fn trace(text: &[u8], chunk: usize, limit: usize, stop: Option<u64>, plain: bool) -> String {
        let mut r = Records::new(Chunked { data: text, chunk }, 0, limit);
        r.plain = plain;
        if let Some(s) = stop {
            r.stop_at(s);
        }
        let mut rec = Record::default();
        let mut out = String::new();
        loop {
            let next = r.next(&mut rec);
            out.push_str(&format!("{next:?}"));
            if !matches!(next, Ok(Next::Record)) {
                break;
            }
            let fields: Vec<&[u8]> = rec.iter().collect();
            out.push_str(&format!(" {} {} {fields:?}\n", rec.line, rec.too_long));
        }
        format!(
            "{out} lines={} offset={} missed={}",
            r.lines(),
            r.offset(),
            r.missed
        )
    }

    #[test]
    fn commas_are_found_in_every_byte_and_nowhere_else() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = byte;
                let want = if byte == b',' { 0x80u64 << (8 * at) } else { 0 };
                assert_eq!(super::comma_bytes(&word), want, "{byte} at {at}");
            }
        }
        assert_eq!(super::comma_bytes(b",,-,\x2d,\xac,"), 0x8000_8000_8000_8080);
    }

    proptest::proptest! {
        /// Splitting plain lines without the parser changes nothing a read reports: records,
        /// lines, too-long marks, stops honoured or missed, and where the read ended.
        #[test]
        fn plain_lines_read_as_the_parser_reads_them(
            bytes in proptest::collection::vec(
                proptest::sample::select(b"ab,,,\"\r\n\n\xEF\xBB\xBF ".to_vec()), 0..400),
            long in proptest::option::of(0usize..400),
            chunk in 1usize..64,
            stop in proptest::option::of(0u64..420),
        ) {
            let mut text = bytes;
            if let Some(at) = long {
                let at = at.min(text.len());
                text.splice(at..at, std::iter::repeat_n(b'x', 1100));
            }
            for limit in [64, 1 << 20] {
                proptest::prop_assert_eq!(
                    trace(&text, chunk, limit, stop, true),
                    trace(&text, chunk, limit, stop, false)
                );
            }
        }
    }

    #[test]
    fn records_over_the_limit_are_marked_not_kept() {
        let mut text = b"a,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend(b"\nb,c\n");
        let mut r = Records::new(text.as_slice(), 0, 2048);
        let mut rec = Record::default();
        assert_eq!(r.next(&mut rec).ok(), Some(Next::Record));
        assert!(rec.too_long);
        assert_eq!(r.next(&mut rec).ok(), Some(Next::Record));
        assert!(!rec.too_long);
        assert_eq!(rec.get(1), Some(&b"c"[..]));
        assert_eq!(rec.line, 2);
    }
}
