use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme `{0}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnknownScheme(String),
    #[error("the database is at migration {found}, newer than this binary knows ({known}); refusing to downgrade")]
    DowngradeRefused { found: i64, known: i64 },
    #[error("a row with this {0} already exists")]
    Conflict(&'static str),
    #[error("the row was not found")]
    NotFound,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, leaving other errors as they are.
    pub fn on_unique(self, what: &'static str) -> Self {
        match &self {
            StoreError::Sqlx(sqlx::Error::Database(db)) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => self,
        }
    }
}
