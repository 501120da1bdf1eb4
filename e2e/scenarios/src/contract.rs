//! `openapi/openapi.json` as a checker of answers: the operation a request matched (by method
//! and path template), the status codes it documents, the media type of each, and the JSON
//! Schema of each body, validated with the `jsonschema` crate (draft 2020-12, as OpenAPI 3.1).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::Validator;
use regex::Regex;
use serde_json::{Value, json};

/// One documented operation.
struct Operation {
    method: String,
    template: String,
    pattern: Regex,
    /// Literal characters in the template: the most specific template wins a tie
    /// (`/batches/export` over `/batches/{id}`).
    literal: usize,
    responses: Value,
}

pub struct Contract {
    document: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Contract {
    /// The committed contract of this checkout.
    pub fn load() -> Contract {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let document: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        Contract::new(document)
    }

    /// The whole document, for a suite that walks its operations.
    pub fn document(&self) -> &Value {
        &self.document
    }

    pub fn new(document: Value) -> Contract {
        let mut operations = Vec::new();
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        let parameter = Regex::new(r"\\\{[^}]+\\\}").unwrap_or_else(|e| panic!("{e}"));
        for (template, item) in paths {
            let escaped = regex::escape(&template);
            let pattern = format!("^{}$", parameter.replace_all(&escaped, "[^/]+"));
            let pattern = Regex::new(&pattern).unwrap_or_else(|e| panic!("{template}: {e}"));
            let literal = template
                .split('/')
                .filter(|s| !s.starts_with('{'))
                .map(str::len)
                .sum();
            for (method, op) in item.as_object().into_iter().flatten() {
                operations.push(Operation {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    pattern: pattern.clone(),
                    literal,
                    responses: op["responses"].clone(),
                });
            }
        }
        Contract {
            document,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Checks one answer; every way it departs from the contract, as text (empty: conforms).
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<String> {
        let Some(op) = self
            .operations
            .iter()
            .filter(|op| op.method == method && op.pattern.is_match(path))
            .max_by_key(|op| op.literal)
        else {
            return vec![format!(
                "{method} {path}: no such operation in openapi.json"
            )];
        };
        let here = format!("{method} {} → {status}", op.template);
        let Some(response) = op
            .responses
            .get(status.to_string())
            .or_else(|| op.responses.get("default"))
        else {
            let documented: Vec<&String> = op
                .responses
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            return vec![format!("{here}: status not documented ({documented:?})")];
        };
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return if body.is_empty() {
                Vec::new()
            } else {
                vec![format!("{here}: a body where none is documented")]
            };
        };
        let media = content_type
            .and_then(|c| c.split(';').next())
            .map(str::trim)
            .unwrap_or("");
        let Some(entry) = content.get(media) else {
            let documented: Vec<&String> = content.keys().collect();
            return vec![format!(
                "{here}: Content-Type {media:?} not documented ({documented:?})"
            )];
        };
        let Some(schema) = entry.get("schema") else {
            return Vec::new();
        };
        if !(media == "application/json" || media.ends_with("+json")) {
            return Vec::new();
        }
        let instance: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return vec![format!("{here}: body is not JSON: {e}")],
        };
        let validator = self.validator(schema);
        validator
            .iter_errors(&instance)
            .map(|e| format!("{here}: {} at {}", e, e.instance_path()))
            .collect()
    }

    /// A validator for `schema` with the document's components beside it, so that
    /// `#/components/schemas/…` references resolve.
    fn validator(&self, schema: &Value) -> Arc<Validator> {
        let key = schema.to_string();
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(&key) {
            return Arc::clone(v);
        }
        let mut root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
        });
        if let (Some(root), Some(schema)) = (root.as_object_mut(), schema.as_object()) {
            for (k, v) in schema {
                root.insert(k.clone(), v.clone());
            }
        }
        let validator = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema {key}: {e}")),
        );
        cache.insert(key, Arc::clone(&validator));
        validator
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn contract() -> Contract {
        Contract::new(json!({
            "openapi": "3.1.0",
            "paths": {
                "/things/{id}": { "get": { "responses": {
                    "200": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } },
                    "404": { "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
                } } },
                "/things/export": { "get": { "responses": {
                    "200": { "content": { "text/csv": {} } }
                } } }
            },
            "components": { "schemas": {
                "Thing": { "type": "object", "required": ["id", "n"], "properties": {
                    "id": { "type": "string" }, "n": { "type": "integer", "minimum": 0 } } },
                "Problem": { "type": "object", "required": ["code"], "properties": { "code": { "type": "string" } } }
            } }
        }))
    }

    #[test]
    fn a_conforming_answer_passes_and_each_departure_is_named() {
        let c = contract();
        let ok = br#"{"id":"a","n":1}"#;
        assert!(
            c.check("GET", "/things/a", 200, Some("application/json"), ok)
                .is_empty()
        );
        // The literal template wins over the parameter one.
        assert!(
            c.check("GET", "/things/export", 200, Some("text/csv"), b"a,b")
                .is_empty()
        );

        let wrong_field = c.check(
            "GET",
            "/things/a",
            200,
            Some("application/json"),
            br#"{"id":"a","n":-1}"#,
        );
        assert_eq!(wrong_field.len(), 1, "{wrong_field:?}");
        let missing = c.check(
            "GET",
            "/things/a",
            200,
            Some("application/json"),
            br#"{"id":"a"}"#,
        );
        assert!(
            missing[0].contains("\"n\" is a required property"),
            "{missing:?}"
        );
        let status = c.check("GET", "/things/a", 500, Some("application/json"), ok);
        assert!(status[0].contains("status not documented"), "{status:?}");
        let media = c.check(
            "GET",
            "/things/a",
            404,
            Some("application/json"),
            br#"{"code":"X"}"#,
        );
        assert!(media[0].contains("Content-Type"), "{media:?}");
        let unknown = c.check("POST", "/things/a", 200, None, b"");
        assert!(unknown[0].contains("no such operation"), "{unknown:?}");
    }
}
