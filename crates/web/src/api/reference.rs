//! The API reference page, rendered on the server from the OpenAPI document (no script, nothing
//! fetched). It reads the document as JSON, the stable OpenAPI 3.1 form, so it does not depend on
//! how the generator's Rust types are shaped. The UI module owns its template.

use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_domain::values::Locale;
use utoipa::openapi::OpenApi;

/// A run of text, code or not (from `backticks` in descriptions).
pub struct Inline {
    pub code: bool,
    pub text: String,
}

/// A paragraph of a description.
pub struct Para(pub Vec<Inline>);

/// A piece of a type: plain text, or the name of a schema with a link to it.
pub struct TypePart {
    pub text: String,
    pub link: Option<String>,
}

pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub ty: Vec<TypePart>,
    pub description: Vec<Para>,
}

pub struct Body {
    pub content_type: String,
    pub ty: Vec<TypePart>,
    pub required: bool,
    pub description: Vec<Para>,
}

pub struct Reply {
    pub status: String,
    pub class: &'static str,
    pub description: String,
    pub content_type: String,
    pub ty: Vec<TypePart>,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub method_class: String,
    pub path: String,
    pub summary: String,
    pub description: Vec<Para>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub replies: Vec<Reply>,
    pub deprecated: bool,
}

pub struct Section {
    pub name: String,
    pub anchor: String,
    pub description: Vec<Para>,
    pub operations: Vec<Operation>,
}

pub struct Property {
    pub name: String,
    pub ty: Vec<TypePart>,
    pub required: bool,
    pub description: Vec<Para>,
    pub values: Vec<String>,
}

pub struct SchemaDoc {
    pub name: String,
    pub anchor: String,
    pub description: Vec<Para>,
    /// For schemas that are not objects: what they are.
    pub ty: Vec<TypePart>,
    pub values: Vec<String>,
    pub properties: Vec<Property>,
}

pub struct AuthScheme {
    pub name: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct DocPage {
    pub t: Tr,
    pub title: String,
    pub version: String,
    pub intro: Vec<Para>,
    pub auth: Vec<AuthScheme>,
    pub sections: Vec<Section>,
    pub schemas: Vec<SchemaDoc>,
    pub css_url: String,
    pub favicon_url: String,
}

/// Splits a description into paragraphs with inline code.
fn paragraphs(text: &str) -> Vec<Para> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let joined = p.lines().map(str::trim).collect::<Vec<_>>().join(" ");
            Para(
                joined
                    .split('`')
                    .enumerate()
                    .filter(|(_, s)| !s.is_empty())
                    .map(|(i, s)| Inline { code: i % 2 == 1, text: s.to_string() })
                    .collect(),
            )
        })
        .collect()
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn anchor(prefix: &str, name: &str) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("{prefix}-{clean}")
}

/// Renders schemas as type names, linking `$ref`s and inline copies of named schemas.
struct Types<'a> {
    /// The JSON text of each named schema → its name.
    named: HashMap<String, &'a str>,
}

impl<'a> Types<'a> {
    fn new(schemas: &'a Map<String, Value>) -> Self {
        Self { named: schemas.iter().map(|(name, schema)| (schema.to_string(), name.as_str())).collect() }
    }

    fn link(name: &str) -> TypePart {
        TypePart { text: name.to_string(), link: Some(format!("#{}", anchor("schema", name))) }
    }

    fn plain(text: impl Into<String>) -> TypePart {
        TypePart { text: text.into(), link: None }
    }

    fn of(&self, schema: &Value) -> Vec<TypePart> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return vec![Self::link(reference.rsplit('/').next().unwrap_or(reference))];
        }
        if let Some(name) = self.named.get(&schema.to_string()) {
            return vec![Self::link(name)];
        }
        for (key, joiner) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let mut parts = Vec::new();
                for (i, option) in options.iter().enumerate() {
                    if i > 0 {
                        parts.push(Self::plain(joiner));
                    }
                    parts.extend(self.of(option));
                }
                return parts;
            }
        }
        let kinds: Vec<String> = match schema.get("type") {
            Some(Value::String(kind)) => vec![kind.clone()],
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        };
        if kinds.is_empty() {
            return vec![Self::plain(if schema.get("properties").is_some() { "object" } else { "any JSON" })];
        }
        let mut parts = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            if i > 0 {
                parts.push(Self::plain(" | "));
            }
            match kind.as_str() {
                "array" => {
                    parts.push(Self::plain("array of "));
                    parts.extend(
                        schema
                            .get("items")
                            .map(|items| self.of(items))
                            .unwrap_or_else(|| vec![Self::plain("any JSON")]),
                    );
                }
                "object" if schema.get("properties").is_none() => match schema.get("additionalProperties") {
                    Some(values) if values.is_object() => {
                        parts.push(Self::plain("map of string → "));
                        parts.extend(self.of(values));
                    }
                    _ => parts.push(Self::plain("object")),
                },
                other => match schema.get("format").and_then(Value::as_str) {
                    Some(format) => parts.push(Self::plain(format!("{other} ({format})"))),
                    None => parts.push(Self::plain(other)),
                },
            }
        }
        parts
    }
}

fn enum_values(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect())
        .unwrap_or_default()
}

/// The first media type of a `content` map and its schema.
fn content(value: &Value, types: &Types) -> (String, Vec<TypePart>) {
    match value.get("content").and_then(Value::as_object).and_then(|c| c.iter().next()) {
        Some((media, body)) => (media.clone(), body.get("schema").map(|s| types.of(s)).unwrap_or_default()),
        None => (String::new(), Vec::new()),
    }
}

fn operation(path: &str, method: &str, op: &Value, types: &Types) -> Operation {
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|params| {
            params
                .iter()
                .map(|p| Param {
                    name: text(p, "name"),
                    location: text(p, "in"),
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    ty: p.get("schema").map(|s| types.of(s)).unwrap_or_default(),
                    description: paragraphs(&text(p, "description")),
                })
                .collect()
        })
        .unwrap_or_default();
    let body = op.get("requestBody").map(|b| {
        let (content_type, ty) = content(b, types);
        Body {
            content_type,
            ty,
            required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
            description: paragraphs(&text(b, "description")),
        }
    });
    let replies = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|responses| {
            responses
                .iter()
                .map(|(status, reply)| {
                    let (content_type, ty) = content(reply, types);
                    let reason = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("");
                    let description = match text(reply, "description") {
                        d if d.is_empty() => reason.to_string(),
                        d => d,
                    };
                    let class = match status.chars().next() {
                        Some('2') => "ok",
                        Some('3') => "redirect",
                        Some('4') => "client",
                        Some('5') => "server",
                        _ => "other",
                    };
                    Reply { status: status.clone(), class, description, content_type, ty }
                })
                .collect()
        })
        .unwrap_or_default();
    let id = match text(op, "operationId") {
        id if id.is_empty() => format!("{method}-{path}"),
        id => id,
    };
    Operation {
        anchor: anchor("op", &id),
        method: method.to_uppercase(),
        method_class: method.to_string(),
        path: path.to_string(),
        summary: text(op, "summary"),
        description: paragraphs(&text(op, "description")),
        params,
        body,
        replies,
        deprecated: op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// The page's content from the document.
pub fn build(doc: &OpenApi) -> DocPage {
    let json = serde_json::to_value(doc).unwrap_or(Value::Null);
    let empty = Map::new();
    let schemas = json.pointer("/components/schemas").and_then(Value::as_object).unwrap_or(&empty);
    let types = Types::new(schemas);
    let mut sections: Vec<Section> = json
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|tag| Section {
                    name: text(tag, "name"),
                    anchor: anchor("tag", &text(tag, "name")),
                    description: paragraphs(&text(tag, "description")),
                    operations: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = json.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete", "head", "options", "trace"] {
                let Some(op) = item.get(method) else { continue };
                let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or("other").to_string();
                let index = match sections.iter().position(|s| s.name == tag) {
                    Some(index) => index,
                    None => {
                        sections.push(Section {
                            anchor: anchor("tag", &tag),
                            name: tag,
                            description: Vec::new(),
                            operations: Vec::new(),
                        });
                        sections.len() - 1
                    }
                };
                sections[index].operations.push(operation(path, method, op, &types));
            }
        }
    }
    sections.retain(|s| !s.operations.is_empty());
    let schemas = schemas
        .iter()
        .map(|(name, schema)| {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(prop, s)| Property {
                            name: prop.clone(),
                            ty: types.of(s),
                            required: required.contains(&prop.as_str()),
                            description: paragraphs(&text(s, "description")),
                            values: enum_values(s),
                        })
                        .collect()
                })
                .unwrap_or_default();
            // The schema's own shape, not a link to itself.
            let ty = if schema.get("properties").is_some() {
                Vec::new()
            } else {
                Types { named: HashMap::new() }.of(schema)
            };
            SchemaDoc {
                name: name.clone(),
                anchor: anchor("schema", name),
                description: paragraphs(&text(schema, "description")),
                ty,
                values: enum_values(schema),
                properties,
            }
        })
        .collect();
    let auth = json
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .map(|(name, s)| {
                    let text = match (text(s, "type").as_str(), text(s, "scheme").as_str()) {
                        ("http", "bearer") => format!("Authorization: Bearer {}", text(s, "bearerFormat")),
                        ("apiKey", _) => match text(s, "in").as_str() {
                            "cookie" => format!("Cookie: {}=…", text(s, "name")),
                            "header" => format!("{}: …", text(s, "name")),
                            _ => format!("?{}=…", text(s, "name")),
                        },
                        (kind, scheme) => format!("{kind} {scheme}"),
                    };
                    AuthScheme { name: name.clone(), text }
                })
                .collect()
        })
        .unwrap_or_default();
    DocPage {
        // The API, its names and its descriptions are in English; so is its reference.
        t: Tr::new(Locale::En),
        title: text(&json["info"], "title"),
        version: text(&json["info"], "version"),
        intro: paragraphs(&text(&json["info"], "description")),
        auth,
        sections,
        schemas,
        css_url: crate::assets::asset_url("api-docs.css"),
        favicon_url: "/favicon.ico".into(),
    }
}

pub async fn page(State(_state): State<WebState>, doc: Arc<OpenApi>) -> Response {
    match build(&doc).render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "the API reference did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> OpenApi {
        let (_, doc) = crate::api::router().split_for_parts();
        crate::api::finish_document(doc)
    }

    #[test]
    fn every_operation_and_schema_is_on_the_page() {
        let doc = document();
        let page = build(&doc);
        let operations: usize = page.sections.iter().map(|s| s.operations.len()).sum();
        let expected: usize = doc
            .paths
            .paths
            .values()
            .map(|item| {
                [&item.get, &item.post, &item.put, &item.patch, &item.delete].iter().filter(|o| o.is_some()).count()
            })
            .sum();
        assert_eq!(operations, expected);
        assert!(
            page.schemas
                .iter()
                .any(|s| s.name == "User" && s.properties.iter().any(|p| p.name == "email" && p.required))
        );
        let html = page.render().unwrap();
        assert!(html.contains("/api/v1/openapi.json"));
        assert!(html.contains("href=\"#schema-User\""));
        assert!(html.contains("<code>Authorization: Bearer sbt_…</code>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn descriptions_keep_code_and_paragraphs() {
        let paras = paragraphs("Use `limit`\nand `cursor`.\n\nSecond.");
        assert_eq!(paras.len(), 2);
        let first: Vec<(bool, &str)> = paras[0].0.iter().map(|i| (i.code, i.text.as_str())).collect();
        assert_eq!(first, vec![(false, "Use "), (true, "limit"), (false, " and "), (true, "cursor"), (false, ".")]);
    }

    #[test]
    fn types_resolve_references_and_nullable_values() {
        let schemas = Map::new();
        let types = Types::new(&schemas);
        let render = |v: Value| types.of(&v).iter().map(|p| p.text.clone()).collect::<String>();
        assert_eq!(render(serde_json::json!({"$ref": "#/components/schemas/User"})), "User");
        assert_eq!(
            render(serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/TeamId"}})),
            "array of TeamId"
        );
        assert_eq!(render(serde_json::json!({"type": ["string", "null"]})), "string | null");
        assert_eq!(
            render(serde_json::json!({"oneOf": [{"$ref": "#/x/Timestamp"}, {"type": "null"}]})),
            "Timestamp | null"
        );
    }
}
