//! A POST body as the tutorial's server reads it: a JSON object with `query`, `variables`,
//! `operationName` and `extensions`, any other key ignored, a repeated key keeping its last value
//! (Python's `json.loads`). A GET's query string gives the same keys (`Body::default` filled in
//! by the server).
//!
//! Only the three keys are kept, straight from the bytes: building the whole object first (an
//! ordered map, every key a `String`) cost more than the rest of reading the request.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// Why a body is not a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The bytes are not JSON.
    NotJson,
    /// JSON, but not an object.
    NotObject,
}

/// The keys of a body that the server reads, as they were sent.
#[derive(Debug, Default, PartialEq)]
pub struct Body {
    pub query: Option<Value>,
    pub variables: Option<Value>,
    pub operation_name: Option<Value>,
    /// Read only to check that it is an object (GraphQL over HTTP): no extension is supported.
    pub extensions: Option<Value>,
}

impl Body {
    /// Reads `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Body, Refusal> {
        serde_json::from_slice::<Body>(bytes).map_err(|err| match err.classify() {
            serde_json::error::Category::Data => Refusal::NotObject,
            _ => Refusal::NotJson,
        })
    }
}

impl<'de> de::Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body, A::Error> {
        let mut body = Body::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Query => body.query = Some(map.next_value()?),
                Key::Variables => body.variables = Some(map.next_value()?),
                Key::OperationName => body.operation_name = Some(map.next_value()?),
                Key::Extensions => body.extensions = Some(map.next_value()?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(body)
    }
}

/// A key of the body, read without allocating.
enum Key {
    Query,
    Variables,
    OperationName,
    Extensions,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "query" => Key::Query,
            "variables" => Key::Variables,
            "operationName" => Key::OperationName,
            "extensions" => Key::Extensions,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_four_keys_are_kept_and_others_ignored() {
        let body = Body::parse(
            br#"{"extensions": {"a": [1, {"b": 2}]}, "query": "{ x }",
                 "variables": {"id": 8}, "operationName": null, "other": [1]}"#,
        );
        assert_eq!(
            body,
            Ok(Body {
                query: Some(json!("{ x }")),
                variables: Some(json!({"id": 8})),
                operation_name: Some(Value::Null),
                extensions: Some(json!({"a": [1, {"b": 2}]})),
            })
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_escaped_keys_count() {
        let body = Body::parse(br#"{"query": "{ a }", "qu\u0065ry": "{ b }"}"#).unwrap();
        assert_eq!(body.query, Some(json!("{ b }")));
    }

    #[test]
    fn json_that_is_not_an_object_is_told_from_bytes_that_are_not_json() {
        assert_eq!(Body::parse(b"[\"{ x }\"]"), Err(Refusal::NotObject));
        assert_eq!(Body::parse(b"\"{ x }\""), Err(Refusal::NotObject));
        assert_eq!(Body::parse(b"null"), Err(Refusal::NotObject));
        assert_eq!(Body::parse(b"{\"query\": "), Err(Refusal::NotJson));
        assert_eq!(
            Body::parse(b"{\"query\": \"x\"} trailing"),
            Err(Refusal::NotJson)
        );
        assert_eq!(Body::parse(b""), Err(Refusal::NotJson));
    }
}
