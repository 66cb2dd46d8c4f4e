//! SQL text with its bound values: the one way the layer machinery and CQL2 compose a query.
//!
//! The text is composed from the registry's identifiers and `$n` placeholders only; every value
//! from a request is bound. That is why these are runtime queries (`AssertSqlSafe`): the text
//! varies with which filters are present, never with what a client typed.

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres};

use super::layer::PropType;
use super::values::Value;

/// SQL text with its bound values, numbered in order.
#[derive(Debug, Default)]
pub struct Sql {
    /// The text.
    pub text: String,
    /// The layer's source with its parameters bound (see `query::start`).
    pub source: String,
    pub(super) binds: Vec<Value>,
    /// Plan the statement for its bound values at every execution (an unnamed statement), not
    /// once per connection: for a statement whose best plan depends on the values, where the
    /// generic plan PostgreSQL switches to after five executions guesses the row counts from
    /// defaults (see `tiles::aggregates`).
    pub(super) plan_each_time: bool,
}

impl Sql {
    /// Binds `value` and returns its placeholder.
    pub fn bind(&mut self, value: Value) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// How many values are bound so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.binds.len()
    }

    /// Whether no value is bound yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.binds.is_empty()
    }

    /// Feeds the text and every bound value, typed, into `h`: two statements with the same
    /// digest ask the same thing (the tile cache's key).
    pub fn digest_into(&self, h: &mut sha2::Sha256) {
        use sha2::Digest;
        h.update(self.text.as_bytes());
        for v in &self.binds {
            // A tag per variant and a length before variable bytes: no two lists of values
            // feed the same bytes.
            match v {
                Value::Text(s) => {
                    h.update([1]);
                    h.update(s.len().to_le_bytes());
                    h.update(s.as_bytes());
                }
                Value::Int(n) => h.update([[2].as_slice(), &n.to_le_bytes()].concat()),
                Value::Num(n) => h.update([[3].as_slice(), &n.to_bits().to_le_bytes()].concat()),
                Value::Bool(b) => h.update([4, u8::from(*b)]),
                Value::Date(d) => {
                    h.update([5]);
                    h.update(d.to_string().as_bytes());
                }
                Value::Time(t) => {
                    h.update([6]);
                    h.update(t.timestamp_micros().to_le_bytes());
                }
                Value::Bytes(b) => {
                    h.update([7]);
                    h.update(b.len().to_le_bytes());
                    h.update(b);
                }
                Value::Null(ty) => h.update([8, *ty as u8]),
            }
        }
    }

    /// The query, with every value bound.
    pub fn query(&self) -> Query<'static, Postgres, PgArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text.clone())).persistent(!self.plan_each_time);
        for v in &self.binds {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(n) => q.bind(*n),
                Value::Num(n) => q.bind(*n),
                Value::Bool(b) => q.bind(*b),
                Value::Date(d) => q.bind(*d),
                Value::Time(t) => q.bind(*t),
                Value::Bytes(b) => q.bind(b.clone()),
                Value::Null(ty) => match ty {
                    PropType::Text | PropType::TextList => q.bind(None::<String>),
                    PropType::Integer => q.bind(None::<i64>),
                    PropType::Number => q.bind(None::<f64>),
                    PropType::Boolean => q.bind(None::<bool>),
                    PropType::Date => q.bind(None::<chrono::NaiveDate>),
                    PropType::Timestamp => q.bind(None::<chrono::DateTime<chrono::Utc>>),
                },
            };
        }
        q
    }
}
