//! Printing certificates (issue 7): one certificate's PDF and a batch's merged PDF, rendered by
//! `skillcert-certpdf` (typst, Noto CJK) with a QR code that opens the public verification page
//! `{server.public_url}/public/certificates?number=…&code=…` (the code stands in for the name).
//!
//! - Who: 信息部, 督导部 and the batch's own institution; another institution's certificate or
//!   batch is missing (404), an inspector sees none (404), an admin is refused (403).
//! - Revoked certificates: the single PDF still renders, marked 已撤销 across the page, so the
//!   office can print what was revoked for the file; the batch's merged PDF (what is handed out)
//!   holds the batch's certificates that are not revoked, by number.
//! - Rendering is CPU work of tens of milliseconds: it runs on the blocking pool, at most one
//!   document per core at a time, never on the async workers. The fonts are read on the first
//!   print and kept (`state::CertificatePdf`).
//! - Not audited: the PDF shows what the certificate list already shows (the ID masked), and
//!   reads of masked data, like material downloads, are not audit events (revealing a full ID
//!   number is). Each print is logged (user, certificate or batch, pages).
//! - Without the fonts both answer 503 `PDF_RENDERER_UNAVAILABLE` (the server still runs).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use skillcert_certpdf::{PrintedCertificate, verification_url};
use skillcert_domain::certificate::CertificateContent;
use skillcert_domain::{Level, Role};
use uuid::Uuid;

use crate::api::attachment_disposition;
use crate::auth::CurrentUser;
use crate::candidates::ID_TYPES;
use crate::entities::certificate;
use crate::error::{ApiError, ApiResult};
use crate::routes::certificates::content_of;
use crate::state::{AppState, CertificatePdf};
use crate::tenancy;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(certificate_pdf).service(batch_certificates_pdf);
}

/// Who may print.
const PRINTERS: &[Role] = &[Role::InfoOfficer, Role::Supervisor, Role::Institution];

/// The PDF response body, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct CertificatePdfFile(Vec<u8>);

/// 2026年3月12日.
fn chinese_date(date: time::Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A stored certificate in the words it is printed with: its signed content, overridden by the
/// row's own columns (as the list and the lookup show it); a row without readable content prints
/// its columns only.
pub fn printed(state: &AppState, row: &certificate::Model) -> PrintedCertificate {
    let content = content_of(row).unwrap_or_else(|| CertificateContent {
        number: row.number.clone(),
        name: row.name.clone(),
        id_type: row.id_type.clone().unwrap_or_default(),
        id_number_masked: row.id_masked.clone().unwrap_or_default(),
        occupation_code: row.occupation_code.clone(),
        occupation_name: String::new(),
        work_type: None,
        level: u8::try_from(row.level).unwrap_or(0),
        institution_name: String::new(),
        issue_date: row.issued_on,
    });
    let id_type = ID_TYPES
        .iter()
        .find(|(code, _)| *code == content.id_type)
        .map_or_else(|| content.id_type.clone(), |(_, zh)| (*zh).to_owned());
    let level = Level::try_from(content.level)
        .map(|l| l.name_zh().to_owned())
        .unwrap_or_else(|_| content.level.to_string());
    let occupation = if content.occupation_name.is_empty() {
        content.occupation_code
    } else {
        format!("{} {}", content.occupation_code, content.occupation_name)
    };
    PrintedCertificate {
        verify_url: verification_url(
            &state.config.server.public_url,
            &content.number,
            &state.lookup.code(&content.number),
        ),
        number: content.number,
        name: content.name,
        id_type,
        id_number_masked: content.id_number_masked,
        occupation,
        work_type: content.work_type,
        level,
        institution: content.institution_name,
        issue_date: chinese_date(content.issue_date),
        key_id: row.key_id.clone().unwrap_or_default(),
        revoked: row.revoked_at.is_some() || row.status == "revoked",
    }
}

/// Renders on the blocking pool, one document per core at a time.
async fn render(pdf: &CertificatePdf, certificates: Vec<PrintedCertificate>) -> ApiResult<Vec<u8>> {
    let renderer = pdf.renderer().await?.clone();
    let _permit = pdf
        .permits
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("pdf permits: {e}")))?;
    web::block(move || {
        if let [one] = certificates.as_slice() {
            renderer.render(one)
        } else {
            renderer.render_batch(&certificates)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("pdf rendering task: {e}")))?
    .map_err(|e| ApiError::Internal(format!("pdf rendering: {e}")))
}

fn pdf_response(bytes: Vec<u8>, file_name: &str, ascii_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            attachment_disposition(file_name, Some(ascii_name)),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// One certificate as a one-page PDF (A4 landscape): SPEC §6 content, the QR code of its public
/// verification page and the signing key's id. A revoked certificate is marked 已撤销.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Certificate id")),
    responses(
        (status = 200, description = "The PDF, as an attachment named after the number", content_type = "application/pdf", body = CertificatePdfFile),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem, description = "Not 信息部, 督导部 or the institution"),
        (status = 404, body = crate::error::Problem, description = "No such certificate, or another institution's"),
        (status = 503, body = crate::error::Problem, description = "PDF_RENDERER_UNAVAILABLE: the fonts are not installed on the server")
    ),
    security(("bearer" = []))
)]
#[get("/certificates/{id}/pdf")]
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let condition = tenancy::institution_condition(&user, certificate::Column::InstitutionId)
        .ok_or(ApiError::NotFound)?;
    let row = certificate::Entity::find_by_id(id.into_inner())
        .filter(condition)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    user.require(PRINTERS)?;
    let bytes = render(&state.certificate_pdf, vec![printed(&state, &row)]).await?;
    tracing::info!(user = %user.id, certificate = %row.id, number = %row.number, "certificate printed");
    let name = format!("{}.pdf", row.number);
    Ok(pdf_response(bytes, &name, &name))
}

/// The batch's certificates that are not revoked, by number, as one PDF with a page each.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The merged PDF, as an attachment named after the batch", content_type = "application/pdf", body = CertificatePdfFile),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem, description = "Not 信息部, 督导部 or the institution"),
        (status = 404, body = crate::error::Problem, description = "No such batch, or another institution's"),
        (status = 409, body = crate::error::Problem, description = "INVALID_STATE: no certificates issued, or all revoked"),
        (status = 503, body = crate::error::Problem, description = "PDF_RENDERER_UNAVAILABLE: the fonts are not installed on the server")
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/certificates/pdf")]
pub async fn batch_certificates_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    user.require(PRINTERS)?;
    let rows = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(batch.id))
        .filter(certificate::Column::RevokedAt.is_null())
        .filter(certificate::Column::Status.ne("revoked"))
        .order_by_asc(certificate::Column::Number)
        .all(&state.db.conn)
        .await?;
    if rows.is_empty() {
        return Err(ApiError::invalid_state(
            "该批次没有可打印的证书（尚未发证，或已全部撤销）",
        ));
    }
    let certificates: Vec<_> = rows.iter().map(|row| printed(&state, row)).collect();
    let pages = certificates.len();
    let bytes = render(&state.certificate_pdf, certificates).await?;
    tracing::info!(user = %user.id, batch = %batch.id, pages, "batch certificates printed");
    Ok(pdf_response(
        bytes,
        &format!("证书-{}.pdf", batch.id),
        &format!("certificates-{}.pdf", batch.id),
    ))
}
