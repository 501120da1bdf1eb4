//! 证书上报与第三方查询 (issue 7): the national export of published certificates (证书上网 →
//! reporting to the national 技能人才评价 system, layout in docs/national-export.md) and the
//! certificate read that service accounts with `certificates:read` use.
//!
//! The export carries full ID numbers — the national system registers a certificate against
//! the holder's full 证件号码 — so it is the 信息部's (or a `certificates:read` system's) only,
//! limited to 366 days per file, and every export is audited as access to personal data
//! (`certificates.export`: range, format, rows, the fields revealed), like the candidate detail
//! view (`candidate.reveal`). It is answered `Cache-Control: no-store`.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use skillcert_domain::calendar::china_date;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{Level, Role};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::service::{Caller, CertificatesExport, CertificatesRead, Scoped};
use crate::candidates::ID_TYPES;
use crate::entities::{candidate, certificate, institution};
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::certificates::{CertificateView, content_of, view};
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_certificates).service(find_certificates);
}

/// The longest range one export may cover, in days (both ends counted).
pub const MAX_EXPORT_DAYS: i64 = 366;
/// Ids per `IN (…)` when loading the certificates' candidates and institutions.
const ID_CHUNK: usize = 500;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The export's columns, in order (docs/national-export.md).
pub const COLUMNS: [&str; 16] = [
    "证书编号",
    "姓名",
    "证件类型",
    "证件号码",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "等级名称",
    "评价机构",
    "统一社会信用代码",
    "发证日期",
    "上网公布日期",
    "状态",
    "撤销日期",
    "撤销原因",
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First issue date (发证日期), `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// Last issue date, `YYYY-MM-DD`, inclusive; at most 366 days after `from` counting both.
    pub to: String,
    /// `csv` (default: UTF-8 with BOM, CRLF, RFC 4180 quoting) or `xlsx`.
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateFilter {
    /// The 22-character certificate number: exactly that certificate.
    pub number: Option<String>,
}

/// The export file (`text/csv` or .xlsx).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ExportFile(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Xlsx,
}

/// One row of the export, every cell as text.
type Row = [String; 16];

fn parse_day(field: &str, text: &str, violations: &mut Vec<Violation>) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(text.trim(), &format) {
        Ok(date) => Some(date),
        Err(_) => {
            violations.push(
                Violation::new(
                    RuleCode::Validation,
                    format!("{field} 应为 YYYY-MM-DD 日期"),
                )
                .field(field),
            );
            None
        }
    }
}

/// The range and format, or 422 naming every bad parameter.
fn parse_query(query: &ExportQuery) -> ApiResult<(Date, Date, ExportFormat)> {
    let mut violations = Vec::new();
    let from = parse_day("from", &query.from, &mut violations);
    let to = parse_day("to", &query.to, &mut violations);
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => Some(ExportFormat::Csv),
        Some("xlsx") => Some(ExportFormat::Xlsx),
        Some(other) => {
            violations.push(
                Violation::new(
                    RuleCode::Validation,
                    format!("format 应为 csv 或 xlsx，收到“{other}”"),
                )
                .field("format"),
            );
            None
        }
    };
    if let (Some(from), Some(to)) = (from, to) {
        let days = (to - from).whole_days() + 1;
        if days < 1 {
            violations.push(
                Violation::new(RuleCode::Validation, "to 不能早于 from")
                    .field("to")
                    .details(json!({ "reason": "range_reversed" })),
            );
        } else if days > MAX_EXPORT_DAYS {
            violations.push(
                Violation::new(
                    RuleCode::Validation,
                    format!(
                        "一次最多导出 {MAX_EXPORT_DAYS} 天（含首尾），所选范围为 {days} 天，请分段导出"
                    ),
                )
                .field("to")
                .details(json!({
                    "reason": "range_too_long", "max_days": MAX_EXPORT_DAYS, "days": days,
                })),
            );
        }
    }
    match (from, to, format, violations.is_empty()) {
        (Some(from), Some(to), Some(format), true) => Ok((from, to, format)),
        _ => Err(ApiError::Unprocessable(violations)),
    }
}

fn id_type_name(code: &str) -> &str {
    ID_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, name)| name)
}

/// The published certificates issued in `from..=to`, revoked ones included, as rows.
async fn rows(state: &AppState, from: Date, to: Date) -> ApiResult<Vec<Row>> {
    let conn = &state.db.conn;
    let certificates = certificate::Entity::find()
        .filter(certificate::Column::PublishedAt.is_not_null())
        .filter(certificate::Column::Content.is_not_null())
        .filter(certificate::Column::IssuedOn.gte(from))
        .filter(certificate::Column::IssuedOn.lte(to))
        .order_by_asc(certificate::Column::IssuedOn)
        .order_by_asc(certificate::Column::Number)
        .all(conn)
        .await?;
    let candidate_ids: Vec<Uuid> = certificates.iter().filter_map(|c| c.candidate_id).collect();
    let mut id_numbers: BTreeMap<Uuid, String> = BTreeMap::new();
    for chunk in candidate_ids.chunks(ID_CHUNK) {
        for row in candidate::Entity::find()
            .filter(candidate::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            let number = state
                .pii
                .decrypt(&row.id_number_enc)
                .map_err(|e| ApiError::Internal(format!("candidate {}: {e}", row.id)))?;
            id_numbers.insert(row.id, number);
        }
    }
    let institution_ids: BTreeSet<Uuid> = certificates
        .iter()
        .filter_map(|c| c.institution_id)
        .collect();
    let usccs: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(institution_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.uscc))
        .collect();
    let date = |at: Option<time::OffsetDateTime>| at.map(|at| china_date(at).to_string());
    Ok(certificates
        .iter()
        .map(|c| {
            let content = content_of(c);
            let level = u8::try_from(c.level)
                .ok()
                .and_then(|n| Level::try_from(n).ok());
            [
                c.number.clone(),
                c.name.clone(),
                id_type_name(c.id_type.as_deref().unwrap_or_default()).to_owned(),
                c.candidate_id
                    .and_then(|id| id_numbers.get(&id).cloned())
                    .unwrap_or_default(),
                c.occupation_code.clone(),
                content
                    .as_ref()
                    .map(|c| c.occupation_name.clone())
                    .unwrap_or_default(),
                content
                    .as_ref()
                    .and_then(|c| c.work_type.clone())
                    .unwrap_or_default(),
                c.level.to_string(),
                level.map(|l| l.name_zh().to_owned()).unwrap_or_default(),
                content
                    .as_ref()
                    .map(|c| c.institution_name.clone())
                    .unwrap_or_default(),
                c.institution_id
                    .and_then(|id| usccs.get(&id).cloned())
                    .unwrap_or_default(),
                c.issued_on.to_string(),
                date(c.published_at).unwrap_or_default(),
                if c.revoked_at.is_some() {
                    "已撤销".to_owned()
                } else {
                    "有效".to_owned()
                },
                date(c.revoked_at).unwrap_or_default(),
                c.revoke_reason.clone().unwrap_or_default(),
            ]
        })
        .collect())
}

/// One RFC 4180 field. A value that a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return: free text such as a revocation reason) is written
/// with a leading `'`, which Excel and WPS show as text and do not print (OWASP CSV injection).
fn csv_field(out: &mut String, value: &str) {
    let neutralised;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutralised = format!("'{value}");
        neutralised.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// UTF-8 with a byte-order mark (Excel opens it as UTF-8), CRLF line ends, RFC 4180 quoting.
pub fn csv(rows: &[Row]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for (i, column) in COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, column);
    }
    out.push_str("\r\n");
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// One sheet `证书`, the header row bold and frozen, every cell text (证件号码 keeps all its
/// characters) but 等级, a number.
fn xlsx(rows: &[Row]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name("证书")?;
    for (c, column) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, c, column, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row.iter()) {
            if c == 7
                && let Ok(level) = cell.parse::<f64>()
            {
                sheet.write_number(r, c, level)?;
            } else {
                sheet.write_string_with_format(r, c, cell, &text)?;
            }
        }
    }
    sheet.set_column_width(0, 26)?;
    sheet.set_column_width(3, 22)?;
    sheet.set_column_width(9, 28)?;
    sheet.set_column_width(10, 22)?;
    workbook.save_to_buffer()
}

/// 证书上报: the published certificates issued between `from` and `to` (inclusive, at most 366
/// days), revoked ones included and flagged, in the national reporting layout
/// (docs/national-export.md) as CSV or .xlsx. Full ID numbers: 信息部 only (or a service account
/// with `certificates:export` — `certificates:read` is not enough), every download audited as
/// personal-data access, a service account's too.
#[utoipa::path(
    tag = "certificates",
    params(ExportQuery),
    responses(
        (status = 200, description = "CSV (`text/csv; charset=utf-8`, UTF-8 with BOM) or .xlsx; columns: 证书编号, 姓名, 证件类型, 证件号码, 职业编码, 职业名称, 工种, 等级, 等级名称, 评价机构, 统一社会信用代码, 发证日期, 上网公布日期, 状态 (有效/已撤销), 撤销日期, 撤销原因", content((ExportFile = "text/csv"), (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not 信息部, or a service token without `certificates:export`"),
        (status = 422, body = Problem, description = "VALIDATION: a date not YYYY-MM-DD, `to` before `from`, more than 366 days (details.reason `range_too_long`), an unknown format")
    ),
    security(("bearer" = []))
)]
#[get("/certificates/export")]
pub async fn export_certificates(
    state: web::Data<AppState>,
    caller: Scoped<CertificatesExport>,
    meta: RequestMeta,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    if let Caller::User(user) = &caller.caller {
        user.require(&[Role::InfoOfficer])?;
    }
    let (from, to, format) = parse_query(&query)?;
    let rows = rows(&state, from, to).await?;
    let count = rows.len();
    let (bytes, content_type, extension) = match format {
        ExportFormat::Csv => (csv(&rows), "text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            tokio::task::spawn_blocking(move || xlsx(&rows))
                .await
                .map_err(|e| ApiError::Internal(format!("blocking task: {e}")))?
                .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?,
            XLSX,
            "xlsx",
        ),
    };
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    audit::record(
        &*txn,
        &AuditCtx::for_caller(&caller.caller, &meta),
        now,
        audit::Event {
            action: "certificates.export",
            entity_type: "certificate_export",
            entity_id: format!("{from}..{to}"),
            institution_id: None,
            summary: json!({
                "from": from.to_string(),
                "to": to.to_string(),
                "format": extension,
                "rows": count,
                "fields": ["id_number"],
            }),
        },
    )
    .await?;
    txn.commit().await?;
    let ascii = format!("certificates-{from}-{to}.{extension}");
    let name = format!("证书上报_{from}_{to}.{extension}");
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment_disposition(&name, Some(&ascii)),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-export-rows", count.to_string()))
        .body(bytes))
}

/// Certificates by number (or all, paginated), ID masked: institutions see their own, the
/// provincial roles all, inspectors none; a service account with `certificates:read` all —
/// the public lookup's answer for systems, without its per-IP limit.
#[utoipa::path(
    tag = "certificates",
    params(CertificateFilter, PageQuery),
    responses(
        (status = 200, body = Page<CertificateView>),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "A service token without `certificates:read`"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/certificates")]
pub async fn find_certificates(
    state: web::Data<AppState>,
    caller: Scoped<CertificatesRead>,
    filter: web::Query<CertificateFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CertificateView>>> {
    let (page_no, size) = page.resolve()?;
    let scope = match &caller.caller {
        Caller::User(user) => {
            tenancy::institution_condition(user, certificate::Column::InstitutionId)
        }
        Caller::Service(_) => Some(Condition::all()),
    };
    let Some(scope) = scope else {
        return Ok(web::Json(Page::empty(page_no, size)));
    };
    let mut select = certificate::Entity::find()
        .filter(scope)
        .filter(certificate::Column::Content.is_not_null());
    if let Some(number) = filter.number.as_deref().map(str::trim) {
        select = select.filter(certificate::Column::Number.eq(number.to_ascii_uppercase()));
    }
    let paginator = select
        .order_by_asc(certificate::Column::Number)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(|row| view(&state, row)).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str, format: Option<&str>) -> ExportQuery {
        ExportQuery {
            from: from.to_owned(),
            to: to.to_owned(),
            format: format.map(str::to_owned),
        }
    }

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let field = |value: &str| {
            let mut out = String::new();
            csv_field(&mut out, value);
            out
        };
        assert_eq!(field("张三"), "张三");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("说\"明\""), "\"说\"\"明\"\"\"");
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("2026-03-12"), "2026-03-12");
    }

    #[test]
    fn ranges_up_to_366_days_pass() {
        let (from, to, format) = parse_query(&query("2024-01-01", "2024-12-31", None)).unwrap();
        assert_eq!((to - from).whole_days() + 1, 366);
        assert_eq!(format, ExportFormat::Csv);
        assert!(parse_query(&query("2026-03-12", "2026-03-12", Some("xlsx"))).is_ok());
    }

    #[test]
    fn long_reversed_and_malformed_ranges_are_refused() {
        let reasons = |q: ExportQuery| match parse_query(&q) {
            Err(ApiError::Unprocessable(v)) => v
                .iter()
                .map(|v| v.field.clone().unwrap_or_default())
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(reasons(query("2025-01-01", "2026-01-02", None)), ["to"]);
        assert_eq!(reasons(query("2026-03-02", "2026-03-01", None)), ["to"]);
        assert_eq!(
            reasons(query("2026-3-1", "x", Some("pdf"))),
            ["from", "to", "format"]
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_starts_with_a_bom() {
        let mut row: Row = Default::default();
        row[0] = "Y000041410001265000001".to_owned();
        row[15] = "弄虚作假, 见\"通报\"".to_owned();
        let text = String::from_utf8(csv(&[row])).unwrap();
        assert!(text.starts_with("\u{feff}证书编号,姓名,"));
        assert!(
            text.ends_with(",\"弄虚作假, 见\"\"通报\"\"\"\r\n"),
            "{text}"
        );
        assert_eq!(text.matches("\r\n").count(), 2);
    }
}
