//! The CQL2-text tokenizer: names, quoted strings ('' escapes a quote), numbers, comparison
//! operators and punctuation, each with its byte position for error messages.

use std::str::FromStr;

use crate::layers::values::ParamError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

pub(super) fn err(pos: usize, msg: &str) -> ParamError {
    ParamError(format!("filter: {msg} at character {}", pos + 1))
}

pub(super) fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParamError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' => {
                out.push((
                    pos,
                    if c == '(' {
                        Tok::LParen
                    } else if c == ')' {
                        Tok::RParen
                    } else {
                        Tok::Comma
                    },
                ));
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(pos, "unterminated string")),
                        Some(&(_, '\'')) if chars.get(i + 1).is_some_and(|&(_, c)| c == '\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some(&(_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some(&(_, c)) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push((pos, Tok::Str(s)));
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&(_, c)| c == '"')
                    .ok_or_else(|| err(pos, "unterminated name"))?;
                out.push((pos, Tok::Ident(chars[i + 1..i + 1 + end].iter().map(|&(_, c)| c).collect())));
                i += end + 2;
            }
            '<' | '>' | '=' => {
                let next = chars.get(i + 1).map(|&(_, c)| c);
                let (op, len) = match (c, next) {
                    ('<', Some('>')) => ("<>", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', _) => ("<", 1),
                    ('>', _) => (">", 1),
                    _ => ("=", 1),
                };
                out.push((pos, Tok::Op(op)));
                i += len;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = i;
                i += 1;
                while chars.get(i).is_some_and(|&(_, c)| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E'))
                    || (chars.get(i).is_some_and(|&(_, c)| c == '-' || c == '+')
                        && matches!(chars[i - 1].1, 'e' | 'E'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().map(|&(_, c)| c).collect();
                if f64::from_str(&text).is_err() {
                    return Err(err(pos, &format!("'{text}' is not a number")));
                }
                out.push((pos, Tok::Num(text)));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars.get(i).is_some_and(|&(_, c)| c.is_alphanumeric() || c == '_' || c == ':') {
                    i += 1;
                }
                out.push((pos, Tok::Ident(chars[start..i].iter().map(|&(_, c)| c).collect())));
            }
            _ => return Err(err(pos, &format!("unexpected character '{c}'"))),
        }
    }
    Ok(out)
}
