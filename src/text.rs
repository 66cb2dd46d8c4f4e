//! Text from outside (query parameters, path segments, JSON strings, imported records) checked
//! once for the characters no field of the service holds: NUL, which PostgreSQL cannot store in
//! `text` at all (every route that passed one on answered 500), and the other C0 control
//! characters, which no name, code or filter needs and which a terminal, a spreadsheet or a log
//! reader may act on. Free-text fields (a description, a note) keep tab and line breaks, which
//! people type.
//!
//! A leaf of the crate, like `spatial`: the HTTP edge, the layer parameters and the importers use
//! it, and it imports none of them.

use std::fmt::Write as _;

/// Fields whose text people write freely: they may hold tab and line breaks. Every other text
/// (names, codes, categories, parameters) may hold no control character at all.
pub const FREE_TEXT: [&str; 2] = ["description", "note"];

/// Which control characters a text may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Names, codes, parameters: none.
    Plain,
    /// Descriptions and notes: tab, line feed and carriage return (a Windows line break).
    Free,
}

impl Kind {
    /// The kind of the field `name` (see [`FREE_TEXT`]).
    #[must_use]
    pub fn of(name: &str) -> Self {
        if FREE_TEXT.contains(&name) { Self::Free } else { Self::Plain }
    }
}

/// The first character of `text` that a text of `kind` may not hold, and its position (in
/// characters, from 1).
#[must_use]
pub fn forbidden(text: &str, kind: Kind) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .map(|(i, c)| (i + 1, c))
        .find(|&(_, c)| c < ' ' && !(kind == Kind::Free && matches!(c, '\t' | '\n' | '\r')))
}

/// Why `text` is refused, in the words every refusal uses ("contains a NUL byte (U+0000) at
/// character 3"), or `None` when it is accepted. The caller names the field.
#[must_use]
pub fn refusal(text: &str, kind: Kind) -> Option<String> {
    forbidden(text, kind).map(|(at, c)| {
        let what = if c == '\0' { "a NUL byte" } else { "a control character" };
        format!("contains {what} (U+{:04X}) at character {at}", u32::from(c))
    })
}

/// `text` with every C0 control character written as `\u{..}`: how a refused value is logged or
/// audited without storing what was refused (PostgreSQL cannot hold a NUL).
#[must_use]
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c < ' ' {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_control_characters_are_refused_with_their_position() {
        assert_eq!(
            refusal("ban\0vuoc", Kind::Plain).as_deref(),
            Some("contains a NUL byte (U+0000) at character 4")
        );
        assert_eq!(
            refusal("a\u{1}", Kind::Free).as_deref(),
            Some("contains a control character (U+0001) at character 2")
        );
        assert_eq!(refusal("Bản Vược, Bát Xát", Kind::Plain), None);
    }

    #[test]
    fn only_free_text_keeps_tab_and_line_breaks() {
        assert_eq!(refusal("dòng 1\r\ndòng 2\tx", Kind::Free), None);
        assert!(refusal("dòng 1\ndòng 2", Kind::Plain).is_some());
        assert!(refusal("a\tb", Kind::Plain).is_some());
        assert_eq!(Kind::of("description"), Kind::Free);
        assert_eq!(Kind::of("code"), Kind::Plain);
    }

    #[test]
    fn escaping_keeps_the_rest_of_the_text() {
        assert_eq!(escaped("a\0b\u{1f}ữ"), "a\\u{0}b\\u{1f}ữ");
    }
}
