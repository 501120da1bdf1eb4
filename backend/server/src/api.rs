//! Shared API shapes (SPEC §8): pagination, optimistic versions, idempotent creation, and the
//! JSON/path/query error handlers that turn malformed input into problem+json.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use skillcert_domain::rules::{RuleCode, Violation};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entities::idempotency_key;
use crate::error::ApiError;

pub const MAX_PAGE_SIZE: u64 = 200;
/// The last page anyone may ask for: far beyond any real list, and small enough that the row
/// offset (page − 1) × page_size can never overflow (a page near `u64::MAX` once panicked the
/// paginator).
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based, at most 1,000,000.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// At most 200; default 20.
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<u64>,
}

impl PageQuery {
    /// (page, page_size), validated.
    pub fn resolve(&self) -> Result<(u64, u64), ApiError> {
        let page = self.page.unwrap_or(1);
        let size = self.page_size.unwrap_or(20);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::validation(
                "page",
                format!("page 应在 1–{MAX_PAGE} 之间"),
            ));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ApiError::validation(
                "page_size",
                format!("page_size 应在 1–{MAX_PAGE_SIZE} 之间"),
            ));
        }
        Ok((page, size))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T: ToSchema> Page<T> {
    /// No rows: what a caller who may see nothing gets.
    pub fn empty(page: u64, page_size: u64) -> Self {
        Page {
            items: Vec::new(),
            total: 0,
            page,
            page_size,
        }
    }
}

/// The `If-Match` header as a version number, if given (`"3"`, `3` or `W/"3"`).
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match 无法解析".to_owned()))?;
    // `3`, `"3"`, `W/"3"` or `W/3` — exactly what openapi.json declares (`IF_MATCH_PATTERN`).
    let text = text.trim();
    let tag = text.strip_prefix("W/").unwrap_or(text);
    let digits = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag);
    if !(1..=9).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest(
            "If-Match 应为资源的 version".to_owned(),
        ));
    }
    digits
        .parse()
        .map(Some)
        .map_err(|_| ApiError::BadRequest("If-Match 应为资源的 version".to_owned()))
}

/// The grammar of an `If-Match` the server reads (see [`if_match`]).
pub const IF_MATCH_PATTERN: &str = r#"^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$"#;

/// The version a write is conditional on: `If-Match` or the body's `version`; they must agree.
pub fn expected_version(req: &HttpRequest, body: Option<i32>) -> Result<Option<i32>, ApiError> {
    match (if_match(req)?, body) {
        (Some(a), Some(b)) if a != b => Err(ApiError::conflict_version()),
        (Some(a), _) => Ok(Some(a)),
        (None, b) => Ok(b),
    }
}

/// An `Idempotency-Key` header (SPEC §8): a retry of a creating POST returns the first answer.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl actix_web::FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(value) => match value.to_str() {
                // Visible ASCII, no spaces: what openapi.json declares (`^[!-~]+$`).
                Ok(text)
                    if (1..=128).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Some(text.to_owned()))
                }
                _ => Err(ApiError::BadRequest(
                    "Idempotency-Key 应为 1–128 个可见字符".to_owned(),
                )),
            },
        };
        std::future::ready(key.map(IdempotencyKey))
    }
}

impl IdempotencyKey {
    /// The stored answer of an earlier request with this key, if any.
    pub async fn replay<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: Uuid,
        req: &HttpRequest,
    ) -> Result<Option<HttpResponse>, ApiError> {
        let Some(key) = &self.0 else {
            return Ok(None);
        };
        let Some(stored) = idempotency_key::Entity::find_by_id((user_id, key.clone()))
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        if stored.method != req.method().as_str() || stored.path != req.path() {
            return Err(ApiError::Conflict {
                code: "IDEMPOTENCY_KEY_REUSED",
                detail: "该 Idempotency-Key 已用于另一个请求".to_owned(),
            });
        }
        let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
        Ok(Some(
            HttpResponse::build(status)
                .content_type("application/json")
                .insert_header(("idempotent-replay", "true"))
                .body(stored.body),
        ))
    }

    /// Keeps `body` as the answer to this key, in the caller's transaction.
    pub async fn remember<C: ConnectionTrait, T: Serialize>(
        &self,
        conn: &C,
        user_id: Uuid,
        req: &HttpRequest,
        status: StatusCode,
        body: &T,
        now: time::OffsetDateTime,
    ) -> Result<(), ApiError> {
        let Some(key) = &self.0 else {
            return Ok(());
        };
        let body = serde_json::to_string(body)
            .map_err(|e| ApiError::Internal(format!("serialise: {e}")))?;
        idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.clone()),
            method: Set(req.method().as_str().to_owned()),
            path: Set(req.path().to_owned()),
            status: Set(status.as_u16() as i16),
            body: Set(body),
            created_at: Set(now),
        })
        .exec(conn)
        .await?;
        Ok(())
    }
}

/// RFC 8187 (RFC 5987) `attr-char`s pass; every other byte of the UTF-8 name is `%XX`.
pub fn rfc5987_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Content-Disposition: attachment` with an ASCII fallback name for old clients (given, or
/// derived by replacing what is not printable ASCII) and the exact UTF-8 name.
pub fn attachment_disposition(file_name: &str, fallback: Option<&str>) -> String {
    let fallback: String = fallback.map_or_else(
        || {
            file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        },
        str::to_owned,
    );
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        rfc5987_encode(file_name)
    )
}

fn bad_input(field: &str, message: String) -> actix_web::Error {
    ApiError::Unprocessable(vec![
        Violation::new(RuleCode::Validation, message).field(field),
    ])
    .into()
}

/// JSON bodies: a syntax error is 400, a well-formed body with wrong fields 422, a wrong
/// content type 415, too large 413 — all problem+json.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError;
            match err {
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("请求体应为 application/json".to_owned()).into()
                }
                JsonPayloadError::Overflow { limit }
                | JsonPayloadError::OverflowKnownLength { limit, .. } => {
                    ApiError::PayloadTooLarge {
                        limit: limit as u64,
                    }
                    .into()
                }
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    bad_input("body", format!("请求数据不合法：{e}"))
                }
                other => ApiError::BadRequest(format!("JSON 无法解析：{other}")).into(),
            }
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        // A literal path of the API asked with a method only a parameter route beside it has
        // (PUT /calendar/earliest-exam-date, read as PUT /calendar/{year}): 405 with the
        // methods the literal path has.
        if let Some(contract) = req.app_data::<web::Data<utoipa::openapi::OpenApi>>()
            && let Some(allow) = crate::spa::allowed_methods(contract, req.path(), true)
        {
            return ApiError::MethodNotAllowed { allow }.into();
        }
        // A malformed id names nothing that exists.
        tracing::debug!(error = %err, "bad path parameter");
        ApiError::NotFound.into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| bad_input("query", format!("查询参数不合法：{err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_exactly_the_declared_grammar() {
        let read = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((actix_web::http::header::IF_MATCH, value))
                .to_http_request();
            if_match(&req).ok().flatten()
        };
        for (value, version) in [("3", 3), ("\"3\"", 3), ("W/\"12\"", 12), ("W/7", 7)] {
            assert_eq!(read(value), Some(version), "{value}");
        }
        for value in [
            "",
            "null",
            "-1",
            "+1",
            "\"\"3\"\"",
            "\"3",
            "1234567890",
            "3 4",
        ] {
            assert_eq!(read(value), None, "{value}");
        }
    }

    #[test]
    fn pages_beyond_the_last_are_refused_before_any_offset_is_computed() {
        let query = |page, page_size| PageQuery { page, page_size };
        assert_eq!(query(None, None).resolve().ok(), Some((1, 20)));
        assert_eq!(
            query(Some(MAX_PAGE), Some(MAX_PAGE_SIZE)).resolve().ok(),
            Some((MAX_PAGE, MAX_PAGE_SIZE))
        );
        // Found by schemathesis: page 6,689,280,845,370,858,496 overflowed the paginator.
        for (page, size) in [
            (Some(0), None),
            (Some(MAX_PAGE + 1), None),
            (Some(6_689_280_845_370_858_496), Some(128)),
            (Some(u64::MAX), Some(200)),
            (None, Some(0)),
            (None, Some(MAX_PAGE_SIZE + 1)),
        ] {
            assert!(query(page, size).resolve().is_err(), "{page:?} {size:?}");
        }
    }

    #[test]
    fn chinese_file_names_are_rfc5987_encoded_with_an_ascii_fallback() {
        assert_eq!(rfc5987_encode("模板.xlsx"), "%E6%A8%A1%E6%9D%BF.xlsx");
        assert_eq!(
            attachment_disposition("计划 a.pdf", None),
            "attachment; filename=\"__ a.pdf\"; filename*=UTF-8''%E8%AE%A1%E5%88%92%20a.pdf"
        );
        assert_eq!(
            attachment_disposition("a b\"c.pdf", None),
            "attachment; filename=\"a b_c.pdf\"; filename*=UTF-8''a%20b%22c.pdf"
        );
        assert_eq!(
            attachment_disposition("模板.xlsx", Some("template.xlsx")),
            "attachment; filename=\"template.xlsx\"; filename*=UTF-8''%E6%A8%A1%E6%9D%BF.xlsx"
        );
    }
}
