use switchboard_domain::FieldErrors;
use switchboard_store::StoreError;
use thiserror::Error;

/// What a service can answer besides success; the web layer maps each to one HTTP status.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("invalid input: {0}")]
    Validation(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: i64 },
    #[error("{0}")]
    BadRequest(String),
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: i64 },
    #[error("the server is busy; retry in a moment")]
    Busy,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    /// The per-field messages of a validation error or conflict, for forms to show.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(e) | AppError::Conflict(e) => Some(e),
            _ => None,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(field) => AppError::Conflict(FieldErrors::single(field, "is already taken")),
            StoreError::NotFound => AppError::NotFound,
            // Every database connection stayed taken for the pool's whole wait: overload, not a fault.
            StoreError::Sqlx(switchboard_store::SqlxError::PoolTimedOut) => AppError::Busy,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<switchboard_store::SqlxError> for AppError {
    fn from(error: switchboard_store::SqlxError) -> Self {
        AppError::from(StoreError::from(error))
    }
}
