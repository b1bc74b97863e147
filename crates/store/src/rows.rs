//! Small helpers for reading rows the same way on both backends.

use crate::error::StoreError;
use sqlx::Row;
use sqlx::any::AnyRow;
use switchboard_domain::Timestamp;

pub(crate) fn get<T>(row: &AnyRow, column: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(column)?)
}

pub(crate) fn time(row: &AnyRow, column: &str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_unix_ms(row.try_get::<i64, _>(column)?))
}

pub(crate) fn opt_time(row: &AnyRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_unix_ms))
}

/// Booleans are stored as BIGINT 0/1 on both backends (the Any driver cannot decode SQLite BOOLEAN).
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}
