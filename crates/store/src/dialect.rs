//! The few places where SQLite and PostgreSQL need different SQL. Everything else is one text.

/// Quotes an identifier for either backend (`"name"`, doubling inner quotes).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
