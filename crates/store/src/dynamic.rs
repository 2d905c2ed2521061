//! Statements assembled at run time: numbered `$N` placeholders collected with their values, the
//! values bound in the same order, and `LIKE` escaping. The research compiler, the product search
//! and the `IN (…)` lists share it, so a placeholder's number and its value can never drift apart:
//! both come from one push.
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;

/// A bound value of an assembled statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Collects values and hands out their `$N` placeholders.
#[derive(Debug, Default)]
pub(crate) struct Binds(Vec<Bind>);

impl Binds {
    /// A text value; its placeholder.
    pub(crate) fn t(&mut self, s: impl Into<String>) -> String {
        self.push(Bind::Text(s.into()))
    }
    /// An integer value; its placeholder.
    pub(crate) fn i(&mut self, v: i64) -> String {
        self.push(Bind::Int(v))
    }
    pub(crate) fn push(&mut self, b: Bind) -> String {
        self.0.push(b);
        format!("${}", self.0.len())
    }
    pub(crate) fn into_vec(self) -> Vec<Bind> {
        self.0
    }
}

/// Binds `binds` to `q` in placeholder order.
pub(crate) fn bind_all<'q, O>(
    mut q: QueryAs<'q, Any, O, AnyArguments>,
    binds: &'q [Bind],
) -> QueryAs<'q, Any, O, AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(v) => q.bind(*v),
        };
    }
    q
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_up_in_push_order() {
        let mut b = Binds::default();
        assert_eq!(b.t("a"), "$1");
        assert_eq!(b.i(7), "$2");
        assert_eq!(b.t(String::from("c")), "$3");
        assert_eq!(
            b.into_vec(),
            vec![Bind::Text("a".into()), Bind::Int(7), Bind::Text("c".into())]
        );
    }

    #[test]
    fn like_wildcards_and_the_escape_are_escaped() {
        assert_eq!(like_escape(r"100%_a\b"), r"100\%\_a\\b");
        assert_eq!(like_escape("plain"), "plain");
    }
}
