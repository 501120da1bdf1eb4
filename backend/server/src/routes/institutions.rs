//! Institutions (评价机构) and their filing scope (备案范围: occupations and levels), managed by
//! the admin (SPEC §1); supervisors and the 信息部 read them; an institution user reads its own
//! (`GET /institution`). Touches `institutions` and `institution_filings`, reads `occupations`,
//! and audits every change.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::codecs::{OccupationCode, Region, Uscc};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InstitutionKind, Level, Role};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{Page, PageQuery, expected_version};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{institution, institution_filing, occupation};
use crate::error::ApiError;
use crate::state::AppState;

use super::occupations::{like_pattern, stored_levels};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_institutions)
        .service(create_institution)
        .service(get_institution)
        .service(update_institution)
        .service(own_institution);
}

/// Who may read the institution register.
const READERS: &[Role] = &[Role::Admin, Role::Supervisor, Role::InfoOfficer];

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/// One occupation and level of a filing scope, as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInput {
    /// 职业编码 of the 大典 (2022), e.g. `6-31-01-03`; must be in the catalogue.
    pub occupation_code: String,
    /// 1 (一级/高级技师) … 5 (五级/初级工); the occupation must certify it.
    pub level: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstitution {
    /// `employer`, `social_training` or `tech_school`.
    pub kind: String,
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015, checksum verified).
    pub uscc: String,
    /// Henan 地市 code, e.g. `4103` 洛阳市.
    pub region: String,
    /// 备案编码, 4 digits; `0000` when filed with the province (SPEC §6).
    pub filing_code: String,
    /// 评价站点编码, 6 digits (SPEC §6).
    pub site_code: String,
    /// The filing scope (备案范围).
    #[serde(default)]
    pub filings: Vec<FilingInput>,
}

/// Changes to an institution; absent fields stay. `filings`, when given, replaces the scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstitution {
    /// The version read; required here or as `If-Match`. A stale one answers 409.
    pub version: Option<i32>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub uscc: Option<String>,
    pub region: Option<String>,
    pub filing_code: Option<String>,
    pub site_code: Option<String>,
    pub filings: Option<Vec<FilingInput>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingView {
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: u8,
    /// e.g. `五级/初级工`.
    pub level_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionView {
    pub id: Uuid,
    pub kind: String,
    /// e.g. `社会培训评价组织`.
    pub kind_name: String,
    pub name: String,
    pub uscc: String,
    pub region: String,
    /// e.g. `洛阳市`.
    pub region_name: String,
    pub filing_code: String,
    pub site_code: String,
    pub filings: Vec<FilingView>,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionFilter {
    /// Only this kind.
    #[param(inline)]
    pub kind: Option<InstitutionKind>,
    /// Only this 地市 code.
    pub region: Option<String>,
    /// Part of the name, or the 统一社会信用代码.
    pub q: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

fn violation(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn digits(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_digit())
}

fn check_kind(value: &str, out: &mut Vec<Violation>) -> Option<InstitutionKind> {
    match value.parse::<InstitutionKind>() {
        Ok(kind) => Some(kind),
        Err(_) => {
            out.push(violation(
                "kind",
                format!("机构类别“{value}”无效，应为 employer、social_training 或 tech_school"),
            ));
            None
        }
    }
}

fn check_name(value: &str, out: &mut Vec<Violation>) -> Option<String> {
    let name = value.trim();
    if name.is_empty() {
        out.push(violation("name", "机构名称不能为空"));
        None
    } else if name.chars().count() > 200 {
        out.push(violation("name", "机构名称不能超过 200 个字符"));
        None
    } else {
        Some(name.to_owned())
    }
}

fn check_uscc(value: &str, out: &mut Vec<Violation>) -> Option<Uscc> {
    match Uscc::parse(value) {
        Ok(uscc) => Some(uscc),
        Err(e) => {
            out.push(violation("uscc", e.to_string()).details(json!({ "reason": e.reason() })));
            None
        }
    }
}

fn check_region(value: &str, out: &mut Vec<Violation>) -> Option<Region> {
    match value.parse::<Region>() {
        Ok(region) => Some(region),
        Err(e) => {
            out.push(violation("region", e.to_string()).details(json!({ "reason": e.reason() })));
            None
        }
    }
}

fn check_filing_code(value: &str, out: &mut Vec<Violation>) -> Option<String> {
    if digits(value, 4) {
        Some(value.to_owned())
    } else {
        out.push(violation(
            "filing_code",
            "备案编码应为 4 位数字（在省级备案的填 0000）",
        ));
        None
    }
}

fn check_site_code(value: &str, out: &mut Vec<Violation>) -> Option<String> {
    if digits(value, 6) {
        Some(value.to_owned())
    } else {
        out.push(violation("site_code", "评价站点编码应为 6 位数字"));
        None
    }
}

/// Parses and checks a filing scope against the catalogue: each occupation must exist and
/// certify the level filed (SPEC §1 备案范围). Every problem is reported.
async fn check_filings<C: ConnectionTrait>(
    conn: &C,
    input: &[FilingInput],
    out: &mut Vec<Violation>,
) -> Result<Vec<(OccupationCode, Level)>, ApiError> {
    let mut parsed = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, filing) in input.iter().enumerate() {
        let code = match OccupationCode::parse(&filing.occupation_code) {
            Ok(code) => Some(code),
            Err(e) => {
                out.push(
                    violation(format!("filings[{i}].occupation_code"), e.to_string())
                        .details(json!({ "reason": e.reason() })),
                );
                None
            }
        };
        let level = match u8::try_from(filing.level)
            .ok()
            .and_then(|n| Level::try_from(n).ok())
        {
            Some(level) => Some(level),
            None => {
                out.push(violation(
                    format!("filings[{i}].level"),
                    format!("职业技能等级应为 1–5，收到 {}", filing.level),
                ));
                None
            }
        };
        if let (Some(code), Some(level)) = (code, level) {
            if seen.insert((code.clone(), level)) {
                parsed.push((i, code, level));
            } else {
                out.push(violation(
                    format!("filings[{i}]"),
                    format!("备案范围中 {code} {} 重复", level.name_zh()),
                ));
            }
        }
    }
    let codes: BTreeSet<String> = parsed
        .iter()
        .map(|(_, code, _)| code.as_str().to_owned())
        .collect();
    let catalogue = catalogue_levels(conn, codes).await?;
    let mut filings = Vec::new();
    for (i, code, level) in parsed {
        match catalogue.get(code.as_str()) {
            None => out.push(violation(
                format!("filings[{i}].occupation_code"),
                format!("职业编码 {code} 不在职业目录中"),
            )),
            Some((name, levels)) if !levels.contains(&level.number()) => out.push(
                violation(
                    format!("filings[{i}].level"),
                    format!("职业 {code} {name} 不认定{}", level.name_zh()),
                )
                .details(json!({ "certified_levels": levels })),
            ),
            Some(_) => filings.push((code, level)),
        }
    }
    Ok(filings)
}

/// Name and certified levels of each catalogue occupation among `codes`.
async fn catalogue_levels<C: ConnectionTrait>(
    conn: &C,
    codes: BTreeSet<String>,
) -> Result<BTreeMap<String, (String, Vec<u8>)>, ApiError> {
    if codes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = occupation::Entity::find()
        .filter(occupation::Column::Code.is_in(codes))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let levels = stored_levels(&row.levels);
            (row.code, (row.name, levels))
        })
        .collect())
}

fn uscc_taken(uscc: &str) -> ApiError {
    ApiError::Conflict {
        code: "USCC_TAKEN",
        detail: format!("统一社会信用代码 {uscc} 已被另一机构使用"),
    }
}

/// A unique violation on insert/update of `institutions` can only be the USCC.
fn map_uscc_conflict(err: sea_orm::DbErr, uscc: &str) -> ApiError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => uscc_taken(uscc),
        _ => err.into(),
    }
}

async fn uscc_used_by_other<C: ConnectionTrait>(
    conn: &C,
    uscc: &str,
    except: Option<Uuid>,
) -> Result<bool, ApiError> {
    let mut query = institution::Entity::find().filter(institution::Column::Uscc.eq(uscc));
    if let Some(id) = except {
        query = query.filter(institution::Column::Id.ne(id));
    }
    Ok(query.count(conn).await? > 0)
}

async fn replace_filings<C: ConnectionTrait>(
    conn: &C,
    institution_id: Uuid,
    filings: &[(OccupationCode, Level)],
) -> Result<(), ApiError> {
    institution_filing::Entity::delete_many()
        .filter(institution_filing::Column::InstitutionId.eq(institution_id))
        .exec(conn)
        .await?;
    if filings.is_empty() {
        return Ok(());
    }
    institution_filing::Entity::insert_many(filings.iter().map(|(code, level)| {
        institution_filing::ActiveModel {
            institution_id: Set(institution_id),
            occupation_code: Set(code.as_str().to_owned()),
            level: Set(i16::from(level.number())),
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

fn view(
    row: institution::Model,
    filings: &[institution_filing::Model],
    names: &BTreeMap<String, String>,
) -> InstitutionView {
    let kind_name = row
        .kind
        .parse::<InstitutionKind>()
        .map_or_else(|_| row.kind.clone(), |k| k.name_zh().to_owned());
    let region_name = row
        .region
        .parse::<Region>()
        .map_or_else(|_| row.region.clone(), |r| r.name_zh().to_owned());
    let mut filings: Vec<FilingView> = filings
        .iter()
        .filter(|f| f.institution_id == row.id)
        .map(|f| {
            let level = u8::try_from(f.level).unwrap_or_default();
            FilingView {
                occupation_code: f.occupation_code.clone(),
                occupation_name: names.get(&f.occupation_code).cloned().unwrap_or_default(),
                level,
                level_name: Level::try_from(level)
                    .map(|l| l.name_zh().to_owned())
                    .unwrap_or_default(),
            }
        })
        .collect();
    filings.sort_by(|a, b| {
        (a.occupation_code.as_str(), std::cmp::Reverse(a.level))
            .cmp(&(b.occupation_code.as_str(), std::cmp::Reverse(b.level)))
    });
    InstitutionView {
        id: row.id,
        kind: row.kind,
        kind_name,
        name: row.name,
        uscc: row.uscc,
        region: row.region,
        region_name,
        filing_code: row.filing_code,
        site_code: row.site_code,
        filings,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The views of `rows`, with their filings loaded in one query.
async fn views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<institution::Model>,
) -> Result<Vec<InstitutionView>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let filings = institution_filing::Entity::find()
        .filter(institution_filing::Column::InstitutionId.is_in(ids))
        .all(conn)
        .await?;
    let codes: BTreeSet<String> = filings.iter().map(|f| f.occupation_code.clone()).collect();
    let names = catalogue_levels(conn, codes)
        .await?
        .into_iter()
        .map(|(code, (name, _))| (code, name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| view(row, &filings, &names))
        .collect())
}

async fn load_view<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<InstitutionView, ApiError> {
    let row = institution::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    views(conn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("institution view vanished".to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// The institution register, paginated.
#[utoipa::path(
    tag = "institutions",
    params(InstitutionFilter, PageQuery),
    responses(
        (status = 200, description = "Institutions with their filing scope", body = Page<InstitutionView>),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin, supervisor or 信息部", body = crate::error::Problem),
        (status = 422, description = "Bad filter", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/admin/institutions")]
pub async fn list_institutions(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<InstitutionFilter>,
) -> Result<web::Json<Page<InstitutionView>>, ApiError> {
    user.require(READERS)?;
    let (page_no, size) = page.resolve()?;
    let mut condition = Condition::all();
    if let Some(kind) = filter.kind {
        condition = condition.add(institution::Column::Kind.eq(kind.code()));
    }
    if let Some(region) = &filter.region {
        let region: Region =
            region
                .parse()
                .map_err(|e: skillcert_domain::codecs::UnknownRegion| {
                    ApiError::validation("region", e.to_string())
                })?;
        condition = condition.add(institution::Column::Region.eq(region.code()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(institution::Column::Name.like(like_pattern(q)))
                .add(institution::Column::Uscc.eq(q.to_ascii_uppercase())),
        );
    }
    let conn = &state.db.conn;
    let query = institution::Entity::find().filter(condition);
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(institution::Column::CreatedAt)
        .order_by_asc(institution::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    Ok(web::Json(Page {
        items: views(conn, rows).await?,
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Registers an institution with its filing scope.
#[utoipa::path(
    tag = "institutions",
    request_body = CreateInstitution,
    responses(
        (status = 201, description = "Created", body = InstitutionView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin", body = crate::error::Problem),
        (status = 409, description = "USCC_TAKEN: the 统一社会信用代码 is already registered", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: every bad field named", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[post("/admin/institutions")]
pub async fn create_institution(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    body: web::Json<CreateInstitution>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut violations = Vec::new();
    let kind = check_kind(&body.kind, &mut violations);
    let name = check_name(&body.name, &mut violations);
    let uscc = check_uscc(&body.uscc, &mut violations);
    let region = check_region(&body.region, &mut violations);
    let filing_code = check_filing_code(&body.filing_code, &mut violations);
    let site_code = check_site_code(&body.site_code, &mut violations);

    let txn = state.db.begin_write().await?;
    let filings = check_filings(&*txn, &body.filings, &mut violations).await?;
    let (
        Some(kind),
        Some(name),
        Some(uscc),
        Some(region),
        Some(filing_code),
        Some(site_code),
        true,
    ) = (
        kind,
        name,
        uscc,
        region,
        filing_code,
        site_code,
        violations.is_empty(),
    )
    else {
        return Err(ApiError::Unprocessable(violations));
    };
    if uscc_used_by_other(&*txn, uscc.as_str(), None).await? {
        return Err(uscc_taken(uscc.as_str()));
    }
    let now = state.clock.now();
    let id = Uuid::now_v7();
    institution::Entity::insert(institution::ActiveModel {
        id: Set(id),
        kind: Set(kind.code().to_owned()),
        name: Set(name),
        uscc: Set(uscc.as_str().to_owned()),
        region: Set(region.code().to_owned()),
        filing_code: Set(filing_code),
        site_code: Set(site_code),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&*txn)
    .await
    .map_err(|e| map_uscc_conflict(e, uscc.as_str()))?;
    replace_filings(&*txn, id, &filings).await?;
    let created = load_view(&*txn, id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "institution.create",
            entity_type: "institution",
            entity_id: id.to_string(),
            institution_id: Some(id),
            summary: json!({ "before": null, "after": created }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// One institution with its filing scope.
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path, description = "Institution id")),
    responses(
        (status = 200, description = "The institution", body = InstitutionView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin, supervisor or 信息部", body = crate::error::Problem),
        (status = 404, description = "No such institution", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/admin/institutions/{id}")]
pub async fn get_institution(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<InstitutionView>, ApiError> {
    user.require(READERS)?;
    Ok(web::Json(load_view(&state.db.conn, id.into_inner()).await?))
}

/// Changes an institution; `filings`, when given, replaces the whole filing scope.
#[utoipa::path(
    tag = "institutions",
    params(
        ("id" = Uuid, Path, description = "Institution id"),
        ("If-Match" = Option<String>, Header, description = "The version read, instead of `version` in the body"),
    ),
    request_body = UpdateInstitution,
    responses(
        (status = 200, description = "Updated", body = InstitutionView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin", body = crate::error::Problem),
        (status = 404, description = "No such institution", body = crate::error::Problem),
        (status = 409, description = "VERSION_CONFLICT (stale version) or USCC_TAKEN", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: every bad field named; `version` is required", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/admin/institutions/{id}")]
pub async fn update_institution(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UpdateInstitution>,
) -> Result<web::Json<InstitutionView>, ApiError> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let body = body.into_inner();
    let expected = expected_version(&req, body.version)?;
    let mut violations = Vec::new();
    if expected.is_none() {
        violations.push(violation(
            "version",
            "请提供读取时的 version（或 If-Match 请求头）",
        ));
    }
    let kind = body.kind.as_deref().map(|v| check_kind(v, &mut violations));
    let name = body.name.as_deref().map(|v| check_name(v, &mut violations));
    let uscc = body.uscc.as_deref().map(|v| check_uscc(v, &mut violations));
    let region = body
        .region
        .as_deref()
        .map(|v| check_region(v, &mut violations));
    let filing_code = body
        .filing_code
        .as_deref()
        .map(|v| check_filing_code(v, &mut violations));
    let site_code = body
        .site_code
        .as_deref()
        .map(|v| check_site_code(v, &mut violations));

    let txn = state.db.begin_write().await?;
    let before = load_view(&*txn, id).await?;
    let filings = match &body.filings {
        Some(input) => Some(check_filings(&*txn, input, &mut violations).await?),
        None => None,
    };
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    if expected != Some(before.version) {
        return Err(ApiError::conflict_version());
    }
    let uscc = uscc.flatten();
    if let Some(uscc) = &uscc
        && uscc_used_by_other(&*txn, uscc.as_str(), Some(id)).await?
    {
        return Err(uscc_taken(uscc.as_str()));
    }
    let now = state.clock.now();
    let mut update = institution::ActiveModel {
        version: Set(before.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(kind) = kind.flatten() {
        update.kind = Set(kind.code().to_owned());
    }
    if let Some(name) = name.flatten() {
        update.name = Set(name);
    }
    if let Some(uscc) = &uscc {
        update.uscc = Set(uscc.as_str().to_owned());
    }
    if let Some(region) = region.flatten() {
        update.region = Set(region.code().to_owned());
    }
    if let Some(filing_code) = filing_code.flatten() {
        update.filing_code = Set(filing_code);
    }
    if let Some(site_code) = site_code.flatten() {
        update.site_code = Set(site_code);
    }
    // Conditional on the version read, so a concurrent writer on PostgreSQL cannot be lost.
    let result = institution::Entity::update_many()
        .set(update)
        .filter(institution::Column::Id.eq(id))
        .filter(institution::Column::Version.eq(before.version))
        .exec(&*txn)
        .await
        .map_err(|e| map_uscc_conflict(e, uscc.as_ref().map_or("", Uscc::as_str)))?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    if let Some(filings) = &filings {
        replace_filings(&*txn, id, filings).await?;
    }
    let after = load_view(&*txn, id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "institution.update",
            entity_type: "institution",
            entity_id: id.to_string(),
            institution_id: Some(id),
            summary: json!({ "before": before, "after": after }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(after))
}

/// The caller's own institution with its filing scope (institution users).
#[utoipa::path(
    tag = "institutions",
    responses(
        (status = 200, description = "The caller's institution", body = InstitutionView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not an institution user", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/institution")]
pub async fn own_institution(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<InstitutionView>, ApiError> {
    let id = user.own_institution()?;
    Ok(web::Json(load_view(&state.db.conn, id).await?))
}
