//! Annual plans (年度考试计划申报, SPEC §3): the prerequisite an employer or tech_school
//! institution files for a year before it may create that year's batches
//! (`ANNUAL_PLAN_REQUIRED`). Institutions file 1 Jan–31 Mar (Q1, China time); after that only a
//! supervisor may record one, and it is marked late. Social training institutions publish exam
//! notices instead. Touches `annual_plans`, reads `institutions` and `materials`, audits every
//! change; creation honours `Idempotency-Key`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::{china_date, iso_date};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InstitutionKind, MaterialKind, Role};
use time::{Date, Month, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{annual_plan, institution, material};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenancy::institution_condition;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_annual_plan).service(list_annual_plans);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAnnualPlan {
    /// The year the plan is for (认定年度).
    pub year: i32,
    /// Up to 1000 characters.
    #[serde(default)]
    pub note: Option<String>,
    /// The stamped paper original's PDF scan: an `annual_plan_scan` material of the institution.
    #[serde(default)]
    pub material_id: Option<Uuid>,
    /// Supervisors only: the institution the plan is recorded for. An institution user files
    /// for its own institution and may omit it.
    #[serde(default)]
    pub institution_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualPlanView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    pub year: i32,
    /// The China date it was filed or recorded.
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub filed_on: Date,
    /// Recorded by a supervisor after the Q1 window (SPEC §3).
    pub late: bool,
    pub note: String,
    pub material_id: Option<Uuid>,
    pub recorded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnualPlanFilter {
    /// Only this institution (supervisors, admin, 信息部; institution users always see only
    /// their own).
    pub institution_id: Option<Uuid>,
    pub year: Option<i32>,
}

/// 31 March of `year`: the end of the filing window (SPEC §3: “1 Jan–31 Mar (Q1, China time)”).
fn window_end(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::March, 31).ok()
}

fn in_window(today: Date, year: i32) -> bool {
    today.year() == year && window_end(year).is_some_and(|end| today <= end)
}

fn violation(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn view(row: annual_plan::Model, names: &BTreeMap<Uuid, String>) -> AnnualPlanView {
    AnnualPlanView {
        institution_name: names.get(&row.institution_id).cloned().unwrap_or_default(),
        id: row.id,
        institution_id: row.institution_id,
        year: row.year,
        filed_on: row.filed_on,
        late: row.late,
        note: row.note,
        material_id: row.material_id,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

async fn institution_names<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> Result<BTreeMap<Uuid, String>, ApiError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect())
}

fn plan_exists(year: i32) -> ApiError {
    ApiError::Conflict {
        code: "ANNUAL_PLAN_EXISTS",
        detail: format!("该机构 {year} 年度考试计划已申报"),
    }
}

/// Files (institution, in Q1) or records (supervisor, any time; late after Q1) an annual plan.
#[utoipa::path(
    tag = "annual-plans",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    request_body = CreateAnnualPlan,
    responses(
        (status = 201, description = "Filed", body = AnnualPlanView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Neither an institution user nor a supervisor", body = crate::error::Problem),
        (status = 404, description = "`institution_id` names another institution (institution users)", body = crate::error::Problem),
        (status = 409, description = "ANNUAL_PLAN_EXISTS: the institution already has a plan for the year", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: outside 1 Jan–31 Mar for an institution (only the supervisor may record a late plan), a social training institution (it publishes exam notices instead), a bad material or field", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[post("/annual-plans")]
pub async fn create_annual_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    body: web::Json<CreateAnnualPlan>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Institution, Role::Supervisor])?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let body = body.into_inner();
    let now = state.clock.now();
    let today = china_date(now);
    let mut violations = Vec::new();

    if !(2000..=2100).contains(&body.year) {
        violations.push(violation(
            "year",
            format!("年度 {} 超出 2000–2100", body.year),
        ));
    }
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if note.chars().count() > 1000 {
        violations.push(violation("note", "备注不能超过 1000 个字符"));
    }

    let txn = state.db.begin_write().await?;
    let institution_id = match user.role {
        Role::Institution => {
            let own = user.own_institution()?;
            if body.institution_id.is_some_and(|id| id != own) {
                // Another tenant's id answers as if it did not exist (SPEC §1).
                return Err(ApiError::NotFound);
            }
            Some(own)
        }
        _ => {
            if body.institution_id.is_none() {
                violations.push(violation(
                    "institution_id",
                    "请指定为哪个机构补录年度考试计划",
                ));
            }
            body.institution_id
        }
    };
    let institution = match institution_id {
        Some(id) => institution::Entity::find_by_id(id).one(&*txn).await?,
        None => None,
    };
    if institution_id.is_some() && institution.is_none() {
        violations.push(violation("institution_id", "机构不存在"));
    }
    if let Some(institution) = &institution
        && institution.kind == InstitutionKind::SocialTraining.code()
    {
        // SPEC §3: social training institutions publish exam notices (发布考试计划) instead.
        violations.push(violation(
            "institution_id",
            "社会培训评价组织不申报年度考试计划，请通过“发布考试计划”（考试公告）公布考试安排",
        ));
    }
    let late = window_end(body.year).is_some_and(|end| today > end);
    if user.role == Role::Institution && !in_window(today, body.year) {
        // SPEC §3: “Institutions may file it 1 Jan–31 Mar (Q1, China time); later only a
        // supervisor may record it, and it is marked late.”
        violations.push(
            violation(
                "year",
                format!(
                    "{year} 年度考试计划应在 {year} 年 1 月 1 日至 3 月 31 日（北京时间）内申报，今天是 {today}；逾期只能由省评价中心督导部补录",
                    year = body.year
                ),
            )
            .details(json!({
                "window_start": format!("{}-01-01", body.year),
                "window_end": format!("{}-03-31", body.year),
                "today": iso_date::format(today).unwrap_or_default(),
            })),
        );
    }
    if let (Some(material_id), Some(institution)) = (body.material_id, &institution) {
        let scan = material::Entity::find_by_id(material_id)
            .filter(material::Column::InstitutionId.eq(institution.id))
            .one(&*txn)
            .await?;
        match scan {
            None => violations.push(violation("material_id", "扫描件材料不存在")),
            Some(scan) if scan.kind != MaterialKind::AnnualPlanScan.code() => {
                violations.push(violation(
                    "material_id",
                    format!(
                        "材料类别应为 {}（{}）",
                        MaterialKind::AnnualPlanScan.code(),
                        MaterialKind::AnnualPlanScan.name_zh()
                    ),
                ));
            }
            Some(scan) if scan.superseded_at.is_some() => {
                violations.push(violation("material_id", "该扫描件已被新版本替换"));
            }
            Some(_) => {}
        }
    }
    let Some(institution) = institution.filter(|_| violations.is_empty()) else {
        return Err(ApiError::Unprocessable(violations));
    };

    let existing = annual_plan::Entity::find()
        .filter(annual_plan::Column::InstitutionId.eq(institution.id))
        .filter(annual_plan::Column::Year.eq(body.year))
        .count(&*txn)
        .await?;
    if existing > 0 {
        return Err(plan_exists(body.year));
    }
    let row = annual_plan::Model {
        id: Uuid::now_v7(),
        institution_id: institution.id,
        year: body.year,
        filed_on: today,
        late,
        note,
        material_id: body.material_id,
        recorded_by: user.id,
        created_at: now,
    };
    annual_plan::Entity::insert(annual_plan::ActiveModel {
        id: Set(row.id),
        institution_id: Set(row.institution_id),
        year: Set(row.year),
        filed_on: Set(row.filed_on),
        late: Set(row.late),
        note: Set(row.note.clone()),
        material_id: Set(row.material_id),
        recorded_by: Set(row.recorded_by),
        created_at: Set(row.created_at),
    })
    .exec(&*txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => plan_exists(body.year),
        _ => e.into(),
    })?;
    let names = BTreeMap::from([(institution.id, institution.name.clone())]);
    let created = view(row, &names);
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "annual_plan.create",
            entity_type: "annual_plan",
            entity_id: created.id.to_string(),
            institution_id: Some(institution.id),
            summary: json!({ "before": null, "after": created }),
        },
    )
    .await?;
    idempotency
        .remember(&*txn, user.id, &req, StatusCode::CREATED, &created, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// Annual plans: an institution sees its own; supervisors, admin and 信息部 see all.
#[utoipa::path(
    tag = "annual-plans",
    params(AnnualPlanFilter, PageQuery),
    responses(
        (status = 200, description = "Annual plans, newest year first", body = Page<AnnualPlanView>),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Inspectors", body = crate::error::Problem),
        (status = 422, description = "Bad paging or filter", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/annual-plans")]
pub async fn list_annual_plans(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<AnnualPlanFilter>,
) -> Result<web::Json<Page<AnnualPlanView>>, ApiError> {
    user.require(&[
        Role::Institution,
        Role::Supervisor,
        Role::Admin,
        Role::InfoOfficer,
    ])?;
    let (page_no, size) = page.resolve()?;
    let Some(tenant) = institution_condition(&user, annual_plan::Column::InstitutionId) else {
        return Ok(web::Json(Page::empty(page_no, size)));
    };
    let mut query = annual_plan::Entity::find().filter(tenant);
    if let Some(id) = filter.institution_id {
        query = query.filter(annual_plan::Column::InstitutionId.eq(id));
    }
    if let Some(year) = filter.year {
        query = query.filter(annual_plan::Column::Year.eq(year));
    }
    let conn = &state.db.conn;
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(annual_plan::Column::Year)
        .order_by_desc(annual_plan::Column::CreatedAt)
        .order_by_asc(annual_plan::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    let names = institution_names(conn, rows.iter().map(|r| r.institution_id).collect()).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(|row| view(row, &names)).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}
