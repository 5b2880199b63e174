//! Edits as editors send them: ranges in lines and UTF-16 code units, applied to a text.
//!
//! Editors and scripts send positions that do not exist: past a line's end, past the last
//! line, inside a surrogate pair. Refusing them would leave the server's text out of step
//! with the editor's; instead every position is clamped to the nearest place that exists, the
//! same way each time, so the text after any edit sequence is a function of the sequence.

use aimsc_diagnostics::LineIndex;

/// A position as the protocol gives it: a 0-based line and a UTF-16 code-unit column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf16Pos {
    /// 0-based line.
    pub line: u32,
    /// UTF-16 code units from the line start.
    pub character: u32,
}

/// The byte offset of a position, clamped:
/// - a line past the last is the end of the text;
/// - a column past the line's end is the line's end (before its `\r\n` or `\n`);
/// - a column inside a character (the second half of a surrogate pair) is the character's end.
pub fn offset_at(text: &str, lines: &LineIndex, pos: Utf16Pos) -> usize {
    let Some(start) = lines.line_start(pos.line as usize) else {
        return text.len();
    };
    let start = start.min(text.len());
    let rest = &text[start..];
    let line = rest.split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character {
            return start + i;
        }
        units = units.saturating_add(c.len_utf16() as u32);
    }
    start + line.len()
}

/// Applies one change: `range` replaced by `new_text`, or the whole text when `range` is
/// `None`. A range whose end is before its start is empty at its start.
pub fn apply(text: &mut String, range: Option<(Utf16Pos, Utf16Pos)>, new_text: &str) {
    match range {
        Some((from, to)) => {
            let lines = LineIndex::new(text);
            let start = offset_at(text, &lines, from);
            let end = offset_at(text, &lines, to).max(start);
            text.replace_range(start..end, new_text);
        }
        None => new_text.clone_into(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, character: u32) -> Utf16Pos {
        Utf16Pos { line, character }
    }

    fn edited(text: &str, from: Utf16Pos, to: Utf16Pos, new: &str) -> String {
        let mut t = text.to_string();
        apply(&mut t, Some((from, to)), new);
        t
    }

    #[test]
    fn positions_that_do_not_exist_are_clamped() {
        let text = "ab\r\ncd\n";
        // Past the line's end: before the CRLF, never between its two bytes.
        assert_eq!(edited(text, at(0, 99), at(0, 99), "X"), "abX\r\ncd\n");
        // Past the last line: the end.
        assert_eq!(edited(text, at(9, 0), at(9, 5), "X"), "ab\r\ncd\nX");
        // An end before the start is empty.
        assert_eq!(edited(text, at(1, 1), at(0, 0), "X"), "ab\r\ncXd\n");
    }

    #[test]
    fn a_column_inside_a_surrogate_pair_is_the_pair_s_end() {
        // U+1F600 is two UTF-16 units and four bytes.
        let text = "a\u{1F600}b";
        assert_eq!(edited(text, at(0, 2), at(0, 2), "X"), "a\u{1F600}Xb");
        assert_eq!(edited(text, at(0, 1), at(0, 3), ""), "ab");
    }
}
