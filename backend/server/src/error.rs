//! Errors as `application/problem+json` (RFC 9457, SPEC §8): a stable `code`, a Chinese
//! `title`, `detail`, the `request_id`, and for rule failures every `violation`. One enum, one
//! exhaustive mapping to HTTP status. Internal errors are logged with the request id and answered
//! with a safe message only.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;
use skillcert_domain::rules::{RuleCode, Violation};
use utoipa::ToSchema;

use crate::request_id;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not; the methods it has (for `Allow`).
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    /// 409: a stale `version` / `If-Match`, or an action the current state does not allow.
    #[error("conflict {code}: {detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("payload too large")]
    PayloadTooLarge { limit: u64 },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: malformed input or broken rules; every violation at once.
    #[error("unprocessable: {} violations", .0.len())]
    Unprocessable(Vec<Violation>),
    #[error("rate limited")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 503 `BUSY`: every permit for this kind of heavy work is taken (`crate::permits`).
    #[error("busy")]
    Busy { retry_after_seconds: u64 },
    /// 503: a part of the service is not available on this server (e.g. the PDF fonts).
    #[error("unavailable {code}: {detail}")]
    Unavailable { code: &'static str, detail: String },
    #[error("internal: {0}")]
    Internal(String),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the `code` says what happened.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Chinese, for people.
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, for programs: an SPEC §4 rule code or one of UNAUTHORIZED, FORBIDDEN, NOT_FOUND,
    /// VERSION_CONFLICT, INVALID_STATE, BATCH_ARCHIVED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE,
    /// VALIDATION, RATE_LIMITED, BAD_REQUEST, METHOD_NOT_SUPPORTED, PDF_RENDERER_UNAVAILABLE, BUSY, INTERNAL.
    pub code: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ViolationSchema>)]
    pub violations: Vec<Violation>,
}

/// One broken rule or invalid field.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ViolationSchema {
    /// An SPEC §4 rule code.
    pub code: String,
    /// Chinese.
    pub message: String,
    pub step: Option<String>,
    pub field: Option<String>,
    #[schema(value_type = Object)]
    pub details: Value,
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Unprocessable(vec![
            Violation::new(RuleCode::Validation, message).field(field),
        ])
    }

    pub fn conflict_version() -> ApiError {
        ApiError::Conflict {
            code: "VERSION_CONFLICT",
            detail: "资源已被他人修改，请刷新后重试".to_owned(),
        }
    }

    /// A write on an archived batch or anything under it (`tenancy::ensure_writable`).
    pub fn batch_archived() -> ApiError {
        ApiError::Conflict {
            code: "BATCH_ARCHIVED",
            detail: "该批次已归档，只读：批次及其环节、考生、材料、考务、成绩、证书和变更申请均不能再修改"
                .to_owned(),
        }
    }

    pub fn invalid_state(detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            code: "INVALID_STATE",
            detail: detail.into(),
        }
    }

    fn parts(&self) -> (StatusCode, String, String, String) {
        match self {
            ApiError::Unauthorized(why) => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED".into(),
                "未登录或登录已失效".into(),
                (*why).to_owned(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "FORBIDDEN".into(),
                "无权执行此操作".into(),
                "当前角色不能访问该功能".into(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "NOT_FOUND".into(),
                "资源不存在".into(),
                "请求的资源不存在或无权查看".into(),
            ),
            ApiError::Conflict { code, detail } => (
                StatusCode::CONFLICT,
                (*code).to_owned(),
                conflict_title(code).into(),
                detail.clone(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE".into(),
                "文件过大".into(),
                if *limit >= 1024 * 1024 {
                    format!("上传内容超过 {} MiB 上限", limit / (1024 * 1024))
                } else {
                    format!("上传内容超过 {} KiB 上限", limit.div_ceil(1024))
                },
            ),
            ApiError::UnsupportedMediaType(detail) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE".into(),
                "文件类型不受支持".into(),
                detail.clone(),
            ),
            ApiError::Unprocessable(violations) => {
                let code = violations.first().map_or(RuleCode::Validation, |v| v.code);
                let title = if violations.iter().all(|v| v.code == RuleCode::Validation) {
                    "输入数据不合法".to_owned()
                } else if violations.len() == 1 {
                    code.title_zh().to_owned()
                } else {
                    "不符合认定监管规则".to_owned()
                };
                let detail = violations
                    .iter()
                    .map(|v| v.message.as_str())
                    .collect::<Vec<_>>()
                    .join("；");
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code.code().to_owned(),
                    title,
                    detail,
                )
            }
            ApiError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED".into(),
                "请求过于频繁".into(),
                "请稍后再试".into(),
            ),
            ApiError::MethodNotAllowed { allow } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_SUPPORTED".into(),
                "请求方法不受支持".into(),
                format!("此路径支持的方法：{allow}"),
            ),
            ApiError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST".into(),
                "请求格式错误".into(),
                detail.clone(),
            ),
            ApiError::Busy { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "BUSY".into(),
                "服务繁忙".into(),
                "同时处理的文件过多，请稍后重试".into(),
            ),
            ApiError::Unavailable { code, detail } => (
                StatusCode::SERVICE_UNAVAILABLE,
                (*code).to_owned(),
                "服务暂不可用".into(),
                detail.clone(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL".into(),
                "服务器内部错误".into(),
                "服务器处理请求时出错，请稍后重试；如持续出现请联系管理员并提供请求编号".into(),
            ),
        }
    }
}

/// The Chinese title of each 409 code.
fn conflict_title(code: &str) -> &'static str {
    match code {
        "VERSION_CONFLICT" => "数据版本冲突",
        "USERNAME_TAKEN" => "用户名已被使用",
        "USCC_TAKEN" => "统一社会信用代码已登记",
        "ANNUAL_PLAN_EXISTS" => "本年度考试计划已申报",
        "OCCUPATION_EXISTS" => "职业代码已存在",
        "OCCUPATION_LEVEL_IN_USE" => "该等级仍在机构备案范围内",
        "IDEMPOTENCY_KEY_REUSED" => "Idempotency-Key 已用于其他请求",
        "BATCH_ARCHIVED" => "批次已归档",
        "CERTIFICATES_ALREADY_ISSUED" => "本批次已发证",
        _ => "当前状态不允许此操作",
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if refused_as_text(&err) {
            return ApiError::validation("body", "文本含有数据库无法保存的字符");
        }
        ApiError::Internal(format!("database: {err}"))
    }
}

/// Whether PostgreSQL refused a text value for a character it cannot store (SQLSTATE 22021
/// `character_not_in_repertoire`, e.g. U+0000; 22P05 `untranslatable_character`): input the
/// boundary (`text_guard`) should have refused, answered as the client's error all the same.
fn refused_as_text(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let (DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::Database(db)))
    | DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::Database(db)))) = err
    else {
        return false;
    };
    matches!(db.code().as_deref(), Some("22021" | "22P05"))
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code, title, detail) = self.parts();
        let request_id = request_id::current();
        if let ApiError::Internal(internal) = self {
            tracing::error!(request_id = %request_id, error = %internal, "internal error");
        }
        let violations = match self {
            ApiError::Unprocessable(violations) => violations.clone(),
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            code,
            request_id,
            violations,
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let ApiError::TooManyRequests {
            retry_after_seconds,
        }
        | ApiError::Busy {
            retry_after_seconds,
        } = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        if let ApiError::MethodNotAllowed { allow } = self
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((header::ALLOW, value));
        }
        if let ApiError::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(problem)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
