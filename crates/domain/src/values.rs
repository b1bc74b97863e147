//! Values that are valid by construction: past the edge, handlers never re-check them.

use crate::errors::ValidationError;
use std::fmt;

/// Trimmed, non-empty text of bounded length (names, titles).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 120;
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::Required);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::TooLong(Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::Invalid("must not contain control characters"));
        }
        Ok(Self(trimmed.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, lower-cased; checked for one `@`, a dotted domain and no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let email = text.trim().to_lowercase();
        if email.is_empty() {
            return Err(ValidationError::Required);
        }
        if email.len() > 254 {
            return Err(ValidationError::TooLong(254));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(ValidationError::Invalid("is not an email address"));
        };
        let valid = !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if !valid {
            return Err(ValidationError::Invalid("is not an email address"));
        }
        Ok(Self(email))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The languages of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub enum Locale {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[default]
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" | "zh_cn" => Ok(Self::ZhCn),
            "en" | "en-us" | "en-gb" | "en_us" => Ok(Self::En),
            "" => Err(ValidationError::Required),
            _ => Err(ValidationError::Invalid("must be zh-CN or en")),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }
    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let quality =
                    pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                Some((quality, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.into_iter().find_map(|(_, tag)| {
            let primary = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
            match primary.as_str() {
                "zh" => Some(Self::ZhCn),
                "en" => Some(Self::En),
                _ => None,
            }
        })
    }
}

/// An IANA time zone name known to the time-zone database, such as `Asia/Shanghai`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(ValidationError::Required);
        }
        match jiff::tz::TimeZone::get(name) {
            Ok(_) => Ok(Self(name.to_string())),
            Err(_) => Err(ValidationError::Invalid("is not a known time zone")),
        }
    }
    pub fn utc() -> Self {
        Self("UTC".to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short identifier used in URLs and on the command line: `a-z`, `0-9` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let slug = text.trim().to_ascii_lowercase();
        if slug.is_empty() {
            return Err(ValidationError::Required);
        }
        if slug.len() > 40 {
            return Err(ValidationError::TooLong(40));
        }
        let valid = slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !valid {
            return Err(ValidationError::Invalid("may only contain a-z, 0-9 and inner hyphens"));
        }
        Ok(Self(slug))
    }
    /// A slug made from a free-text name (non-ASCII names fall back to `account`).
    pub fn from_name(name: &str) -> Self {
        let mut slug = String::new();
        for c in name.trim().to_ascii_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
        let slug = slug.trim_end_matches('-').to_string();
        if slug.is_empty() { Self("account".to_string()) } else { Self(slug) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password as typed; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 256;
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let count = text.chars().count();
        if count == 0 {
            return Err(ValidationError::Required);
        }
        if count < Self::MIN_CHARS {
            return Err(ValidationError::TooShort(Self::MIN_CHARS));
        }
        if count > Self::MAX_CHARS {
            return Err(ValidationError::TooLong(Self::MAX_CHARS));
        }
        if text.trim().is_empty() {
            return Err(ValidationError::Invalid("must not be only spaces"));
        }
        Ok(Self(text.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Li.Lei@Example.COM ").unwrap().as_str(), "li.lei@example.com");
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a b@c.d", "a@b@c.d"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn locales_from_accept_language() {
        assert_eq!(Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("fr;q=1, en-US;q=0.5"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("de"), None);
        assert_eq!(Locale::parse("zh-CN").unwrap(), Locale::ZhCn);
    }

    #[test]
    fn time_zones_slugs_names_passwords() {
        assert!(TimeZoneName::parse("Asia/Shanghai").is_ok());
        assert!(TimeZoneName::parse("Mars/Base").is_err());
        assert_eq!(Slug::from_name("Acme Shop, Ltd.").as_str(), "acme-shop-ltd");
        assert_eq!(Slug::from_name("示例商城").as_str(), "account");
        assert!(Slug::parse("-bad").is_err());
        assert!(Name::parse("   ").is_err());
        assert_eq!(Name::parse(" 王芳 ").unwrap().as_str(), "王芳");
        assert!(NewPassword::parse("short").is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("long enough").unwrap()), "NewPassword(***)");
    }
}
