use serde::Serialize;

/// A cursor page: the items and, when there are more, the cursor for the next page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which page to read: after `cursor` (opaque to clients), at most `limit` items (1..=200).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT).clamp(1, Self::MAX_LIMIT)
    }

    /// The position after which to continue; an unreadable cursor is a 422 on `cursor`.
    pub fn after(&self) -> Result<Option<i64>, crate::AppError> {
        match self.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(text) => {
                decode_cursor(text).map(Some).ok_or_else(|| crate::AppError::field("cursor", "is not a valid cursor"))
            }
        }
    }

    /// Cuts a list fetched with `limit + 1` rows into a page.
    pub fn page<T>(&self, mut rows: Vec<T>, position: impl Fn(&T) -> i64) -> Page<T> {
        let limit = self.limit() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| encode_cursor(position(last)))
        } else {
            None
        };
        Page { data: rows, next_cursor }
    }
}

fn encode_cursor(position: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("p:{position}"))
}

fn decode_cursor(text: &str) -> Option<i64> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("p:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_rejects_garbage() {
        let request = PageRequest { cursor: Some(encode_cursor(42)), limit: Some(2) };
        assert_eq!(request.after().unwrap(), Some(42));
        assert!(PageRequest { cursor: Some("!!".into()), limit: None }.after().is_err());
        let page = request.page(vec![1, 2, 3], |v| *v);
        assert_eq!(page.data, vec![1, 2]);
        assert_eq!(decode_cursor(page.next_cursor.as_deref().unwrap()), Some(2));
    }
}
