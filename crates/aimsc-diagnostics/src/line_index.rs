/// Maps byte offsets to 1-based line and column numbers (columns count characters),
/// and to LSP's UTF-16 positions.
///
/// A position costs a binary search over the line starts plus a count over at most
/// 512 bytes: the index keeps, every 512 bytes, how many characters and UTF-16 units
/// precede that point. Counting from the start of the line instead made every position in a
/// long line (single-line JSON facts) cost the line's length, and locating every record of a
/// 30 MB line quadratic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Characters in `text[..k * BLOCK]`, for each block boundary `k`.
    chars: Vec<u32>,
    /// UTF-16 code units in `text[..k * BLOCK]`; empty when the text is ASCII, where units and
    /// characters are bytes.
    units: Vec<u32>,
}

/// Bytes between two checkpoints of the character counts.
const BLOCK: usize = 512;

/// Whether `b` starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// UTF-16 units of the characters starting in `bytes` (a character of four UTF-8 bytes takes
/// two).
fn units_in(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| usize::from(starts_char(b)) + usize::from(b >= 0xF0))
        .sum()
}

fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| starts_char(b)).count()
}

impl LineIndex {
    /// Indexes the line starts of `text`. A line ends at `\n`, `\r\n` or a lone `\r`, as the
    /// LSP and editors count lines and as the grammar ends a `//` comment.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for i in line_ends(bytes) {
            starts.push(i);
        }
        let (mut chars, mut units) = (Vec::new(), Vec::new());
        if !text.is_ascii() {
            let (mut c, mut u) = (0usize, 0usize);
            chars.push(0);
            units.push(0);
            for block in bytes.chunks(BLOCK) {
                c += chars_in(block);
                u += units_in(block);
                chars.push(u32::try_from(c).unwrap_or(u32::MAX));
                units.push(u32::try_from(u).unwrap_or(u32::MAX));
            }
        }
        LineIndex {
            starts,
            chars,
            units,
        }
    }

    /// 0-based line of a byte offset and the byte offset of that line's start.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        (line, self.starts.get(line).copied().unwrap_or(0))
    }

    /// How many characters (or, with `utf16`, UTF-16 units) precede byte `at`.
    fn count_before(&self, bytes: &[u8], at: usize, utf16: bool) -> usize {
        let table = if utf16 { &self.units } else { &self.chars };
        let Some(&base) = table.get(at / BLOCK) else {
            return at;
        };
        let from = at / BLOCK * BLOCK;
        let rest = bytes.get(from..at).unwrap_or_default();
        base as usize
            + if utf16 {
                units_in(rest)
            } else {
                chars_in(rest)
            }
    }

    /// Characters (or UTF-16 units) between byte offsets `start` and `end` of `text`.
    fn count(&self, text: &str, start: usize, end: usize, utf16: bool) -> usize {
        if self.chars.is_empty() {
            return end - start;
        }
        let bytes = text.as_bytes();
        self.count_before(bytes, end, utf16)
            .saturating_sub(self.count_before(bytes, start, utf16))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let (line, start) = self.line_of(offset);
        (line + 1, self.count(text, start, offset, false) + 1)
    }

    /// Byte offset of the start of a 0-based line, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// 0-based line and UTF-16 column of a byte offset, as the LSP counts them.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let (line, start) = self.line_of(offset);
        let col = self.count(text, start, offset, true);
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// Offsets just after each line end: `\n`, and a `\r` not followed by `\n`.
fn line_ends(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter_map(move |(i, &b)| match b {
        b'\n' => Some(i + 1),
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::{BLOCK, LineIndex};

    #[test]
    fn line_and_column_are_one_based_and_count_chars() {
        let text = "ab\nçd\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        assert_eq!(idx.line_col(text, 5), (2, 2));
        assert_eq!(idx.utf16_position(text, 5), (1, 1));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_and_crlf_is_one_end() {
        let text = "a\rb\r\nc";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 2), (2, 1));
        assert_eq!(idx.line_col(text, 5), (3, 1));
    }

    /// The checkpointed counts agree with counting from the line's start, at every character
    /// of long mixed lines that cross many block boundaries.
    #[test]
    fn columns_agree_with_counting_from_the_line_start() {
        let mut text = String::new();
        for i in 0..(BLOCK * 3) {
            text.push(match i % 7 {
                0 => 'é',
                1 => '😀',
                2 => '\n',
                3 => '中',
                _ => 'a',
            });
            if i % 500 == 0 {
                text.push_str(&"x".repeat(BLOCK + 3));
            }
        }
        let idx = LineIndex::new(&text);
        for (offset, _) in text.char_indices() {
            let start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() + 1;
            let chars = text[start..offset].chars().count();
            let units: usize = text[start..offset].chars().map(char::len_utf16).sum();
            assert_eq!(
                idx.line_col(&text, offset),
                (line, chars + 1),
                "at {offset}"
            );
            assert_eq!(
                idx.utf16_position(&text, offset),
                (line as u32 - 1, units as u32),
                "at {offset}"
            );
        }
    }
}
