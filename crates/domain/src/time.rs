//! UTC timestamps stored as Unix milliseconds and shown as RFC 3339.

use std::fmt;

/// A UTC instant with millisecond precision. Stored as BIGINT milliseconds; JSON as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix_ms(ms: i64) -> Self {
        Self(ms)
    }
    pub const fn unix_ms(self) -> i64 {
        self.0
    }
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }
    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_millisecond(self.0) {
            Ok(t) => t.to_string(),
            Err(_) => self.0.to_string(),
        }
    }
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        text.parse::<jiff::Timestamp>().ok().map(|t| Self(t.as_millisecond()))
    }
    /// Local date and time in an IANA time zone, "2026-11-21 10:06", for display.
    pub fn format_local(self, time_zone: &str) -> String {
        let Ok(t) = jiff::Timestamp::from_millisecond(self.0) else {
            return self.0.to_string();
        };
        match jiff::tz::TimeZone::get(time_zone) {
            Ok(tz) => t.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string(),
            Err(_) => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse_rfc3339(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 time"))
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime)))
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = Timestamp::from_unix_ms(1_763_719_560_000);
        assert_eq!(t.to_rfc3339(), "2025-11-21T10:06:00Z");
        assert_eq!(Timestamp::parse_rfc3339("2025-11-21T10:06:00Z"), Some(t));
        assert_eq!(t.format_local("Asia/Shanghai"), "2025-11-21 18:06");
    }
}
