//! OGC API – Features Part 3 filters in CQL2-text, parsed into a tree and compiled into SQL with
//! every literal bound. Property names are looked up in the layer's queryables; anything else is
//! refused with its position, so no client text ever reaches the SQL text.
//!
//! Supported: `= <> < > <= >=`, `AND OR NOT`, `[NOT] LIKE`, `[NOT] BETWEEN`, `[NOT] IN (...)`,
//! `IS [NOT] NULL`, `S_INTERSECTS(geometry, <WKT or BBOX(...)>)`, and
//! `T_INTERSECTS(<time property>, DATE(..) | TIMESTAMP(..) | INTERVAL(.., ..))`.

use std::str::FromStr;

use super::layer::{Layer, PropType, Property};
use super::sql::Sql;
use super::values::{Interval, ParamError, Value};

/// Longest filter accepted, and deepest nesting: bounds on parse time and stack.
const MAX_LEN: usize = 20_000;
const MAX_DEPTH: usize = 50;
const MAX_LIST: usize = 1_000;

/// A parsed filter, its properties resolved against one layer.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// Does not hold.
    Not(Box<Expr>),
    /// `property op value`.
    Compare(&'static Property, &'static str, Value),
    /// `property LIKE pattern`.
    Like(&'static Property, String),
    /// `property BETWEEN low AND high`.
    Between(&'static Property, Value, Value),
    /// `property IN (values)`.
    In(&'static Property, Vec<Value>),
    /// `property IS NULL`.
    IsNull(&'static Property),
    /// `S_INTERSECTS(geometry, WKT)`.
    Intersects(String),
    /// `T_INTERSECTS(property, interval)`.
    During(&'static Property, Interval),
}

mod lex;

use lex::{Tok, err, lex};

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(usize, Tok)>,
    at: usize,
    layer: &'static Layer,
    depth: usize,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.src.len(), |t| t.0)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.1)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.keyword(word);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), ParamError> {
        if self.peek() == Some(tok) {
            self.at += 1;
            Ok(())
        } else {
            Err(err(self.pos(), &format!("expected {what}")))
        }
    }

    fn or(&mut self) -> Result<Expr, ParamError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.pos(), "nested too deeply"));
        }
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParamError> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParamError> {
        if self.eat_keyword("NOT") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(err(self.pos(), "nested too deeply"));
            }
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.predicate()
    }

    fn property(&mut self) -> Result<&'static Property, ParamError> {
        let pos = self.pos();
        match self.peek().cloned() {
            Some(Tok::Ident(name)) => {
                self.at += 1;
                self.layer.property(&name).filter(|p| p.queryable).ok_or_else(|| {
                    err(pos, &format!("'{name}' is not a queryable of collection '{}'", self.layer.id))
                })
            }
            _ => Err(err(pos, "expected a property name")),
        }
    }

    /// A literal, typed as `property`'s values.
    fn literal(&mut self, property: &Property) -> Result<Value, ParamError> {
        let pos = self.pos();
        let raw = match self.peek().cloned() {
            Some(Tok::Str(s) | Tok::Num(s)) => {
                self.at += 1;
                s
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                self.at += 1;
                w.to_ascii_lowercase()
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP") => {
                self.at += 1;
                self.wrapped_string()?
            }
            _ => return Err(err(pos, "expected a value")),
        };
        Value::parse(property, &raw).map_err(|e| err(pos, &e.0))
    }

    /// `( 'text' )` after DATE / TIMESTAMP.
    fn wrapped_string(&mut self) -> Result<String, ParamError> {
        self.expect(&Tok::LParen, "'('")?;
        let pos = self.pos();
        let Some(Tok::Str(s)) = self.peek().cloned() else { return Err(err(pos, "expected a quoted date")) };
        self.at += 1;
        self.expect(&Tok::RParen, "')'")?;
        Ok(s)
    }

    fn predicate(&mut self) -> Result<Expr, ParamError> {
        if self.peek() == Some(&Tok::LParen) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Tok::RParen, "')'")?;
            return Ok(inner);
        }
        if self.eat_keyword("S_INTERSECTS") {
            return self.spatial();
        }
        if self.eat_keyword("T_INTERSECTS") {
            return self.temporal();
        }
        let property = self.property()?;
        let negated = self.eat_keyword("NOT");
        let pos = self.pos();
        let expr = if self.eat_keyword("LIKE") {
            if !matches!(property.ty, PropType::Text | PropType::TextList) {
                return Err(err(pos, &format!("LIKE needs a text property; '{}' is not", property.name)));
            }
            match self.literal(property)? {
                Value::Text(pattern) => Expr::Like(property, pattern),
                _ => return Err(err(pos, "LIKE needs a text pattern")),
            }
        } else if self.eat_keyword("BETWEEN") {
            if property.ty == PropType::TextList {
                return Err(err(pos, &format!("'{}' is a list: use =, <>, LIKE or IN", property.name)));
            }
            let low = self.literal(property)?;
            if !self.eat_keyword("AND") {
                return Err(err(self.pos(), "expected AND in BETWEEN"));
            }
            Expr::Between(property, low, self.literal(property)?)
        } else if self.eat_keyword("IN") {
            self.expect(&Tok::LParen, "'(' after IN")?;
            let mut values = vec![self.literal(property)?];
            while self.peek() == Some(&Tok::Comma) {
                self.at += 1;
                values.push(self.literal(property)?);
                if values.len() > MAX_LIST {
                    return Err(err(self.pos(), &format!("IN lists hold at most {MAX_LIST} values")));
                }
            }
            self.expect(&Tok::RParen, "')'")?;
            Expr::In(property, values)
        } else if !negated && self.eat_keyword("IS") {
            let not_null = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(err(self.pos(), "expected NULL"));
            }
            let e = Expr::IsNull(property);
            return Ok(if not_null { Expr::Not(Box::new(e)) } else { e });
        } else if !negated {
            let Some(Tok::Op(op)) = self.peek().cloned() else {
                return Err(err(pos, "expected a comparison (= <> < > <= >=), LIKE, BETWEEN, IN or IS"));
            };
            if property.ty == PropType::TextList && !matches!(op, "=" | "<>") {
                return Err(err(pos, &format!("'{}' is a list: use =, <>, LIKE or IN", property.name)));
            }
            self.at += 1;
            Expr::Compare(property, op, self.literal(property)?)
        } else {
            return Err(err(pos, "expected LIKE, BETWEEN or IN after NOT"));
        };
        Ok(if negated { Expr::Not(Box::new(expr)) } else { expr })
    }

    fn spatial(&mut self) -> Result<Expr, ParamError> {
        self.expect(&Tok::LParen, "'('")?;
        if !self.eat_keyword("geometry") {
            return Err(err(self.pos(), "S_INTERSECTS takes the property 'geometry' first"));
        }
        self.expect(&Tok::Comma, "','")?;
        let start = self.pos();
        let pos = start;
        let Some(Tok::Ident(kind)) = self.peek().cloned() else {
            return Err(err(pos, "expected a WKT geometry"));
        };
        self.at += 1;
        // Take the balanced parentheses after the geometry keyword, as written.
        let mut depth = 0usize;
        let mut end = start;
        while let Some(tok) = self.toks.get(self.at).map(|(_, t)| t.clone()) {
            match tok {
                Tok::LParen => depth += 1,
                Tok::RParen if depth == 0 => break,
                Tok::RParen => depth -= 1,
                _ => {}
            }
            self.at += 1;
            // The text runs up to the next token (or the end): a token's byte position plus one
            // could fall inside a multi-byte character, and slicing there panicked.
            end = self.toks.get(self.at).map_or(self.src.len(), |&(next, _)| next);
            if depth == 0 {
                break;
            }
        }
        let text = self.src[start..end].trim_end();
        let wkt = if kind.eq_ignore_ascii_case("BBOX") {
            // `get`: a bare `BBOX` leaves no text after the keyword (slicing it panicked).
            let nums: Vec<f64> = text
                .get(4..)
                .unwrap_or_default()
                .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
                .split(',')
                .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
                .collect::<Option<_>>()
                // A non-finite corner (1e400, NaN) reached PostGIS and was answered 500.
                .ok_or_else(|| err(pos, "BBOX takes four finite numbers"))?;
            let [x0, y0, x1, y1] = nums[..] else { return Err(err(pos, "BBOX takes four finite numbers")) };
            format!("POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))")
        } else {
            checked_wkt(text).map_err(|e| err(pos, &format!("invalid WKT geometry: {e}")))?
        };
        self.expect(&Tok::RParen, "')'")?;
        Ok(Expr::Intersects(wkt))
    }

    fn temporal(&mut self) -> Result<Expr, ParamError> {
        self.expect(&Tok::LParen, "'('")?;
        let property = self.property()?;
        if !matches!(property.ty, PropType::Date | PropType::Timestamp) {
            return Err(err(self.pos(), &format!("'{}' is not a date or time", property.name)));
        }
        self.expect(&Tok::Comma, "','")?;
        let pos = self.pos();
        let raw = if self.eat_keyword("INTERVAL") {
            self.expect(&Tok::LParen, "'('")?;
            let mut bound = || match self.peek().cloned() {
                Some(Tok::Str(s)) => {
                    self.at += 1;
                    Ok(s)
                }
                _ => Err(err(self.pos(), "expected a quoted date, time or '..'")),
            };
            let a = bound()?;
            self.expect(&Tok::Comma, "','")?;
            let b = self.peek().cloned();
            let b = match b {
                Some(Tok::Str(s)) => {
                    self.at += 1;
                    s
                }
                _ => return Err(err(self.pos(), "expected a quoted date, time or '..'")),
            };
            self.expect(&Tok::RParen, "')'")?;
            format!("{a}/{b}")
        } else if self.eat_keyword("DATE") || self.eat_keyword("TIMESTAMP") {
            self.wrapped_string()?
        } else {
            return Err(err(pos, "expected DATE(...), TIMESTAMP(...) or INTERVAL(...)"));
        };
        let interval = Interval::parse("filter", &raw).map_err(|e| err(pos, &e.0))?;
        self.expect(&Tok::RParen, "')'")?;
        Ok(Expr::During(property, interval))
    }
}

/// Parses WKT and writes it again, closed and checked, so that PostGIS never meets a geometry it
/// would refuse (an unclosed or too short ring, a non-finite coordinate): those are the client's
/// errors, answered 400 here rather than surfacing as database errors.
fn checked_wkt(text: &str) -> Result<String, String> {
    use geo::CoordsIter;
    use wkt::ToWkt;
    let parsed = wkt::Wkt::<f64>::from_str(text).map_err(|e: &str| e.to_owned())?;
    let geometry: geo::Geometry<f64> =
        parsed.try_into().map_err(|e: wkt::geo_types_from_wkt::Error| e.to_string())?;
    if geometry.coords_count() == 0 {
        return Err("the geometry is empty".into());
    }
    if geometry.coords_iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err("a coordinate is not a finite number".into());
    }
    let short_ring =
        |p: &geo::Polygon<f64>| std::iter::once(p.exterior()).chain(p.interiors()).any(|r| r.0.len() < 4);
    let bad = match &geometry {
        geo::Geometry::Polygon(p) => short_ring(p),
        geo::Geometry::MultiPolygon(mp) => mp.0.iter().any(short_ring),
        geo::Geometry::LineString(l) => l.0.len() < 2,
        geo::Geometry::MultiLineString(ml) => ml.0.iter().any(|l| l.0.len() < 2),
        _ => false,
    };
    if bad {
        return Err("a ring needs at least 4 points and a line at least 2".into());
    }
    Ok(geometry.wkt_string())
}

/// Parses `src` against `layer`'s queryables.
///
/// # Errors
/// Malformed, too long or too deep, or naming a property the layer does not offer.
pub fn parse(layer: &'static Layer, src: &str) -> Result<Expr, ParamError> {
    if src.len() > MAX_LEN {
        return Err(ParamError(format!("filter: longer than {MAX_LEN} characters")));
    }
    let toks = lex(src)?;
    let mut parser = Parser { src, toks, at: 0, layer, depth: 0 };
    let expr = parser.or()?;
    if parser.at < parser.toks.len() {
        return Err(err(parser.pos(), "unexpected text after the end of the filter"));
    }
    Ok(expr)
}

/// The SQL condition for `expr` over the source aliased `l`, binding every literal into `sql`.
pub fn to_sql(expr: &Expr, sql: &mut Sql) -> String {
    match expr {
        Expr::And(a, b) => format!("({} and {})", to_sql(a, sql), to_sql(b, sql)),
        Expr::Or(a, b) => format!("({} or {})", to_sql(a, sql), to_sql(b, sql)),
        Expr::Not(a) => format!("(not {})", to_sql(a, sql)),
        // A list holds when one of its elements does (`<>`: when none equals).
        Expr::Compare(p, op, v) if p.ty == PropType::TextList => {
            let any = format!("{} = any(l.{})", sql.bind(v.clone()), p.name);
            if *op == "=" { any } else { format!("(not coalesce({any}, false))") }
        }
        Expr::Compare(p, op, v) => format!("l.{} {op} {}", p.name, sql.bind(v.clone())),
        Expr::Like(p, pattern) if p.ty == PropType::TextList => format!(
            "exists (select 1 from unnest(l.{}) e where e like {})",
            p.name,
            sql.bind(Value::Text(pattern.clone()))
        ),
        Expr::Like(p, pattern) => format!("l.{} like {}", p.name, sql.bind(Value::Text(pattern.clone()))),
        Expr::Between(p, a, b) => {
            format!("l.{} between {} and {}", p.name, sql.bind(a.clone()), sql.bind(b.clone()))
        }
        Expr::In(p, values) => {
            let list: Vec<String> = values.iter().map(|v| sql.bind(v.clone())).collect();
            if p.ty == PropType::TextList {
                return format!("l.{} && array[{}]::text[]", p.name, list.join(", "));
            }
            format!("l.{} in ({})", p.name, list.join(", "))
        }
        Expr::IsNull(p) => format!("l.{} is null", p.name),
        Expr::Intersects(wkt) => {
            format!("ST_Intersects(l.geom, ST_GeomFromText({}, 4326))", sql.bind(Value::Text(wkt.clone())))
        }
        Expr::During(p, interval) => {
            let mut conds = Vec::new();
            if let Some(start) = interval.start {
                conds.push(format!("l.{} >= {}", p.name, sql.bind(Value::Time(start))));
            }
            if let Some(end) = interval.end {
                conds.push(format!("l.{} < {}", p.name, sql.bind(Value::Time(end))));
            }
            if conds.is_empty() { "true".to_owned() } else { format!("({})", conds.join(" and ")) }
        }
    }
}

#[cfg(test)]
mod tests;
