//! Extractors: the actor, the client, and a JSON body with precise errors
//! (malformed → 400, wrong type or value → 422 naming the field, too large → 413).

use crate::auth::{Authenticated, ClientInfo, RejectedToken};
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use switchboard_app::{Actor, AppError};
use switchboard_domain::FieldErrors;

/// The authenticated actor of an API request; 401 when there is none.
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if parts.extensions.get::<RejectedToken>().is_some() {
            return Err(AppError::Unauthenticated.into());
        }
        parts
            .extensions
            .get::<Authenticated>()
            .map(|a| ApiActor(a.actor.clone()))
            .ok_or(AppError::Unauthenticated.into())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default())
    }
}

/// A JSON request body.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Deserialises JSON: syntax errors are 400; a wrong type or value is 422 on the field's path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            return match inner.classify() {
                serde_json::error::Category::Data => {
                    // A path that does not start with a field name (`.`, `[0]`, `?`) is about the body as a whole.
                    let field = if path.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                        path
                    } else {
                        "body".to_string()
                    };
                    let message = inner.to_string();
                    let message = message.split(" at line").next().unwrap_or(&message).to_string();
                    Err(FieldErrors::single(field, message).into())
                }
                _ => Err(ApiError::MalformedJson(inner.to_string())),
            };
        }
    };
    deserializer.end().map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        name: Option<String>,
        count: Option<i64>,
    }

    #[test]
    fn syntax_is_400_and_types_are_422_with_the_field() {
        assert!(matches!(parse_json::<Sample>(b"{\"name\": "), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse_json::<Sample>(b"{} trailing"), Err(ApiError::MalformedJson(_))));
        match parse_json::<Sample>(b"{\"count\": \"x\"}") {
            Err(ApiError::App(AppError::Validation(f))) => assert!(f.get("count").is_some()),
            other => panic!("{other:?}"),
        }
        match parse_json::<Sample>(b"[1]") {
            Err(ApiError::App(AppError::Validation(f))) => assert!(f.get("body").is_some()),
            other => panic!("{other:?}"),
        }
    }
}
