//! Text a database column cannot hold never reaches one: a NUL character (U+0000) in the path,
//! the query string or a JSON body is refused before any handler runs, with 422 `VALIDATION`
//! naming where it was. PostgreSQL's `text` cannot store U+0000 at all (it would answer an
//! internal error from deep inside a query); SQLite could, so without this the two databases
//! would answer the same request differently. docs/security.md (V5 input validation).
//!
//! Other text the server reads (multipart fields, spreadsheet cells) is checked where it is
//! read with [`refuse_unstorable`]; and a database that still refuses a character is answered
//! as 422 by `error.rs`, never as 500.
//!
//! Touches the request only: the JSON body it reads is put back unchanged for the extractor.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::mime;
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::error::ApiError;

/// The largest JSON body any handler takes (`api::json_config`); a longer one is refused by
/// the JSON extractor, so it is not read here.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Whether `text` can be stored in every database the server runs on.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// `Ok` when `text` is storable; else 422 `VALIDATION` on `field`.
pub fn refuse_unstorable(field: &str, text: &str) -> Result<(), ApiError> {
    if storable(text) {
        Ok(())
    } else {
        Err(unstorable(field))
    }
}

fn unstorable(field: &str) -> ApiError {
    ApiError::validation(field, "文本含有无法保存的字符（U+0000）")
}

/// Whether a percent-encoded path or query string decodes to a NUL. The path and the query are
/// decoded exactly once by the router and the query extractor, so `%00` is the only spelling
/// of a NUL that reaches them (`%2500` is the text `%00`).
fn encodes_nul(raw: &str) -> bool {
    raw.as_bytes().windows(3).any(|w| w == b"%00")
}

/// Whether a JSON text holds the escape `\u0000` inside a string. A raw NUL byte is not JSON
/// (the parser refuses it), so the escape is the only way a NUL arrives; an escaped backslash
/// followed by `u0000` is the harmless text `\u0000` and passes.
fn json_escapes_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn is_json(req: &ServiceRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

/// The body, read whole when it is small enough to be a JSON request at all; `None` when it is
/// longer than [`JSON_LIMIT`] (what was read is put back either way).
async fn read_small_body(req: &mut ServiceRequest) -> Result<Option<bytes::Bytes>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > JSON_LIMIT) {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("请求体读取失败：{e}")))?;
        body.extend_from_slice(&chunk);
        if body.len() > JSON_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: JSON_LIMIT as u64,
            });
        }
    }
    let body = body.freeze();
    req.set_payload(Payload::from(body.clone()));
    Ok(Some(body))
}

async fn check(req: &mut ServiceRequest) -> Result<(), ApiError> {
    if encodes_nul(req.path()) {
        return Err(unstorable("path"));
    }
    if encodes_nul(req.query_string()) {
        return Err(unstorable("query"));
    }
    if is_json(req)
        && let Some(body) = read_small_body(req).await?
        && json_escapes_nul(&body)
    {
        return Err(unstorable("body"));
    }
    Ok(())
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    if req.path().starts_with("/api/")
        && let Err(refusal) = check(&mut req).await
    {
        let response = refusal.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_found_in_every_spelling_that_decodes_to_one() {
        assert!(encodes_nul("kind=a%00b"));
        assert!(encodes_nul("/api/v1/occupations/%00"));
        assert!(!encodes_nul("kind=a%2500b"));
        assert!(!encodes_nul("q=%E7%94%B5%E5%B7%A5&page=100"));
        assert!(json_escapes_nul(br#"{"name":"a\u0000"}"#));
        assert!(json_escapes_nul(br#"{"name":"\\\u0000"}"#));
        assert!(!json_escapes_nul(br#"{"name":"\\u0000"}"#));
        assert!(!json_escapes_nul(br#"{"name":"\u00e9\u4e2d"}"#));
        assert!(!json_escapes_nul(br#"{"a":"\\"}"#));
        assert!(!storable("a\0"));
        assert!(storable("电工"));
    }
}
