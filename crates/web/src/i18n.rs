//! Every UI string in zh-CN and en. The catalogues are TOML files of `"key" = "text"`, embedded
//! in the binary and parsed once. A test keeps both catalogues' keys identical and checks that every
//! key the templates use exists.

use std::collections::HashMap;
use std::sync::OnceLock;
use switchboard_domain::values::Locale;

const EN: &str = include_str!("../locales/en.toml");
const ZH_CN: &str = include_str!("../locales/zh-CN.toml");

type Catalog = HashMap<String, String>;

fn parse(text: &str) -> Catalog {
    match toml::from_str::<Catalog>(text) {
        Ok(catalog) => catalog,
        Err(error) => {
            tracing::error!(%error, "a UI string catalogue does not parse");
            Catalog::new()
        }
    }
}

fn catalog(locale: Locale) -> &'static Catalog {
    static EN_CATALOG: OnceLock<Catalog> = OnceLock::new();
    static ZH_CATALOG: OnceLock<Catalog> = OnceLock::new();
    match locale {
        Locale::En => EN_CATALOG.get_or_init(|| parse(EN)),
        Locale::ZhCn => ZH_CATALOG.get_or_init(|| parse(ZH_CN)),
    }
}

/// The strings of one language, handed to every template as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    locale: Locale,
    strings: &'static Catalog,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale, strings: catalog(locale) }
    }
    /// The text for `key`; the key itself when missing (tests keep that from happening).
    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }
    /// Every string whose key starts with `prefix`, for scripts that render text themselves.
    pub fn prefixed(&self, prefix: &str) -> std::collections::BTreeMap<&'static str, &'static str> {
        self.strings.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
    pub fn locale(&self) -> Locale {
        self.locale
    }
    /// The `lang` attribute of the page.
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }
    /// The other language, for the switch in the header.
    pub fn other(&self) -> Locale {
        match self.locale {
            Locale::En => Locale::ZhCn,
            Locale::ZhCn => Locale::En,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en: BTreeSet<_> = parse(EN).into_keys().collect();
        let zh: BTreeSet<_> = parse(ZH_CN).into_keys().collect();
        assert!(!en.is_empty());
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty() && only_zh.is_empty(), "only in en: {only_en:?}; only in zh-CN: {only_zh:?}");
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let en = parse(EN);
        let root = concat!(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        for dir in ["templates", "src/ui"] {
            let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else { continue };
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                for piece in text.split("t(\"").skip(1) {
                    if let Some(key) = piece.split('"').next()
                        && key.contains('.')
                        && !en.contains_key(key)
                    {
                        missing.push(format!("{}: {key}", entry.path().display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from the catalogues: {missing:#?}");
    }
}
