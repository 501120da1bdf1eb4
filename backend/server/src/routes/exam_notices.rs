//! Exam notices (发布考试计划, SPEC §3): a social training institution publishes each exam it
//! will hold — occupation, level, date, subjects, method and exam form — within its filing
//! scope (`OCCUPATION_NOT_FILED`); the public list (一公开) needs no login. Social training
//! theory exams are centralised on-line computer exams (集中在线机考, SPEC §2). Touches
//! `exam_notices`, reads `institutions`, `institution_filings` and `occupations`, audits every
//! change; creation honours `Idempotency-Key`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::{china_date, iso_date};
use skillcert_domain::codecs::OccupationCode;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InstitutionKind, Level, Method, Role};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{exam_notice, institution, institution_filing, occupation};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenancy::institution_condition;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_exam_notice)
        .service(list_exam_notices)
        .service(get_exam_notice)
        .service(public_exam_notices);
}

/// 考试形式: how one notice's exam is held. Theory is an on-line computer exam for social
/// training institutions (SPEC §2: 集中在线机考).
const EXAM_FORMS: &[(&str, &str)] = &[
    ("online_computer", "集中在线机考"),
    ("practical", "实操考核"),
    ("review", "综合评审"),
];

fn exam_form_name(code: &str) -> String {
    EXAM_FORMS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExamNotice {
    /// Up to 200 characters.
    pub title: String,
    /// 职业编码; the institution must be filed for it at `level`.
    pub occupation_code: String,
    /// 1 (一级) … 5 (五级).
    pub level: i64,
    /// `YYYY-MM-DD`, not before today (China date).
    pub exam_date: String,
    /// e.g. `["理论知识", "操作技能"]`; at least one.
    pub subjects: Vec<String>,
    /// 评价方式: social training institutions certify by `exam` only (SPEC §2).
    pub method: String,
    /// `online_computer` (集中在线机考), `practical` (实操考核) or `review` (综合评审).
    pub exam_form: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExamNoticeView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    /// The institution's 地市 code.
    pub region: String,
    pub title: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: u8,
    pub level_name: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub exam_date: Date,
    pub subjects: Vec<String>,
    pub method: String,
    pub exam_form: String,
    /// e.g. `集中在线机考`.
    pub exam_form_name: String,
    pub published: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExamNoticeFilter {
    pub occupation_code: Option<String>,
    /// Only exams on or after this date (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Only this institution (supervisors and admin; institution users always see only their
    /// own; ignored on the public list).
    pub institution_id: Option<Uuid>,
}

fn violation(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

/// Names and regions of institutions, and names of occupations, for a page of notices.
async fn decorate<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<exam_notice::Model>,
) -> Result<Vec<ExamNoticeView>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let institutions: BTreeMap<Uuid, institution::Model> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(rows.iter().map(|r| r.institution_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let occupations: BTreeMap<String, String> = occupation::Entity::find()
        .filter(occupation::Column::Code.is_in(rows.iter().map(|r| r.occupation_code.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.code, row.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let institution = institutions.get(&row.institution_id);
            let level = u8::try_from(row.level).unwrap_or_default();
            ExamNoticeView {
                id: row.id,
                institution_id: row.institution_id,
                institution_name: institution.map(|i| i.name.clone()).unwrap_or_default(),
                region: institution.map(|i| i.region.clone()).unwrap_or_default(),
                title: row.title,
                occupation_name: occupations
                    .get(&row.occupation_code)
                    .cloned()
                    .unwrap_or_default(),
                occupation_code: row.occupation_code,
                level,
                level_name: Level::try_from(level)
                    .map(|l| l.name_zh().to_owned())
                    .unwrap_or_default(),
                exam_date: row.exam_date,
                subjects: serde_json::from_value(row.subjects).unwrap_or_default(),
                method: row.method,
                exam_form_name: exam_form_name(&row.exam_form),
                exam_form: row.exam_form,
                published: row.published,
                created_at: row.created_at,
            }
        })
        .collect())
}

/// The filters shared by both lists, as a condition.
fn filter_condition(filter: &ExamNoticeFilter) -> Result<Condition, ApiError> {
    let mut condition = Condition::all();
    if let Some(code) = filter.occupation_code.as_deref() {
        let code = OccupationCode::parse(code)
            .map_err(|e| ApiError::validation("occupation_code", e.to_string()))?;
        condition = condition.add(exam_notice::Column::OccupationCode.eq(code.as_str()));
    }
    if let Some(from) = filter.from.as_deref() {
        let from = iso_date::parse(from.trim()).map_err(|_| {
            ApiError::validation("from", format!("日期“{from}”不是有效的 YYYY-MM-DD 日期"))
        })?;
        condition = condition.add(exam_notice::Column::ExamDate.gte(from));
    }
    Ok(condition)
}

async fn page_of<C: ConnectionTrait>(
    conn: &C,
    condition: Condition,
    page_no: u64,
    size: u64,
) -> Result<Page<ExamNoticeView>, ApiError> {
    let query = exam_notice::Entity::find().filter(condition);
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(exam_notice::Column::ExamDate)
        .order_by_asc(exam_notice::Column::CreatedAt)
        .order_by_asc(exam_notice::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    Ok(Page {
        items: decorate(conn, rows).await?,
        total,
        page: page_no,
        page_size: size,
    })
}

/// Publishes an exam notice (发布考试计划) of the caller's social training institution.
#[utoipa::path(
    tag = "exam-notices",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    request_body = CreateExamNotice,
    responses(
        (status = 201, description = "Published", body = ExamNoticeView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not an institution user", body = crate::error::Problem),
        (status = 422, description = "VALIDATION (bad field; not a social training institution), METHOD_NOT_ALLOWED (method other than `exam`) or OCCUPATION_NOT_FILED (occupation/level outside the filing scope)", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[post("/exam-notices")]
pub async fn create_exam_notice(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    body: web::Json<CreateExamNotice>,
) -> Result<HttpResponse, ApiError> {
    let institution_id = user.own_institution()?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let body = body.into_inner();
    let now = state.clock.now();
    let today = china_date(now);
    let mut violations = Vec::new();

    let title = body.title.trim().to_owned();
    if title.is_empty() {
        violations.push(violation("title", "标题不能为空"));
    } else if title.chars().count() > 200 {
        violations.push(violation("title", "标题不能超过 200 个字符"));
    }
    let code = match OccupationCode::parse(&body.occupation_code) {
        Ok(code) => Some(code),
        Err(e) => {
            violations.push(
                violation("occupation_code", e.to_string())
                    .details(json!({ "reason": e.reason() })),
            );
            None
        }
    };
    let level = u8::try_from(body.level)
        .ok()
        .and_then(|n| Level::try_from(n).ok());
    if level.is_none() {
        violations.push(violation(
            "level",
            format!("职业技能等级应为 1–5，收到 {}", body.level),
        ));
    }
    let exam_date = match iso_date::parse(body.exam_date.trim()) {
        Ok(date) if date < today => {
            violations.push(violation(
                "exam_date",
                format!("考试日期 {date} 早于今天 {today}"),
            ));
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            violations.push(violation(
                "exam_date",
                format!("考试日期“{}”不是有效的 YYYY-MM-DD 日期", body.exam_date),
            ));
            None
        }
    };
    let subjects: Vec<String> = body.subjects.iter().map(|s| s.trim().to_owned()).collect();
    if subjects.is_empty() {
        violations.push(violation("subjects", "至少列出一个考试科目"));
    }
    for (i, subject) in subjects.iter().enumerate() {
        if subject.is_empty() || subject.chars().count() > 100 {
            violations.push(violation(
                &format!("subjects[{i}]"),
                "考试科目名称应为 1–100 个字符",
            ));
        }
    }
    match body.method.parse::<Method>() {
        Ok(Method::Exam) => {}
        Ok(other) => violations.push(
            // SPEC §2: social training certifies by examination only.
            Violation::new(
                RuleCode::MethodNotAllowed,
                format!(
                    "社会培训评价组织只能采用考试考核方式，不能采用{}",
                    other.name_zh()
                ),
            )
            .field("method"),
        ),
        Err(_) => violations.push(violation(
            "method",
            format!("评价方式“{}”无效，应为 exam", body.method),
        )),
    }
    if !EXAM_FORMS.iter().any(|(c, _)| *c == body.exam_form) {
        violations.push(violation(
            "exam_form",
            format!(
                "考试形式“{}”无效，应为 online_computer（集中在线机考）、practical（实操考核）或 review（综合评审）",
                body.exam_form
            ),
        ));
    }

    let txn = state.db.begin_write().await?;
    let institution = institution::Entity::find_by_id(institution_id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if institution.kind != InstitutionKind::SocialTraining.code() {
        // SPEC §3: only social training publishes exam notices; the others file annual plans.
        violations.push(violation(
            "institution",
            "只有社会培训评价组织发布考试计划；用人单位和技工院校请申报年度考试计划",
        ));
    }
    if let (Some(code), Some(level)) = (&code, level) {
        let known = occupation::Entity::find_by_id(code.as_str().to_owned())
            .one(&*txn)
            .await?;
        if known.is_none() {
            violations.push(violation(
                "occupation_code",
                format!("职业编码 {code} 不在职业目录中"),
            ));
        } else {
            let filed = institution_filing::Entity::find()
                .filter(institution_filing::Column::InstitutionId.eq(institution_id))
                .filter(institution_filing::Column::OccupationCode.eq(code.as_str()))
                .filter(institution_filing::Column::Level.eq(i16::from(level.number())))
                .count(&*txn)
                .await?;
            if filed == 0 {
                // SPEC §4 OCCUPATION_NOT_FILED (备案范围).
                violations.push(
                    Violation::new(
                        RuleCode::OccupationNotFiled,
                        format!("职业 {code} {}不在本机构备案范围内", level.name_zh()),
                    )
                    .field("occupation_code")
                    .details(json!({ "occupation_code": code.as_str(), "level": level.number() })),
                );
            }
        }
    }
    let (Some(code), Some(level), Some(exam_date), true) =
        (code, level, exam_date, violations.is_empty())
    else {
        // Rule failures first, so the problem's code names the rule rather than VALIDATION.
        violations.sort_by_key(|v| v.code == RuleCode::Validation);
        return Err(ApiError::Unprocessable(violations));
    };
    let row = exam_notice::Model {
        id: Uuid::now_v7(),
        institution_id,
        occupation_code: code.as_str().to_owned(),
        level: i16::from(level.number()),
        exam_date,
        subjects: json!(subjects),
        method: Method::Exam.code().to_owned(),
        exam_form: body.exam_form.clone(),
        title,
        published: true,
        created_by: user.id,
        created_at: now,
    };
    exam_notice::Entity::insert(exam_notice::ActiveModel {
        id: Set(row.id),
        institution_id: Set(row.institution_id),
        occupation_code: Set(row.occupation_code.clone()),
        level: Set(row.level),
        exam_date: Set(row.exam_date),
        subjects: Set(row.subjects.clone()),
        method: Set(row.method.clone()),
        exam_form: Set(row.exam_form.clone()),
        title: Set(row.title.clone()),
        published: Set(row.published),
        created_by: Set(row.created_by),
        created_at: Set(row.created_at),
    })
    .exec(&*txn)
    .await?;
    let created = decorate(&*txn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("exam notice view vanished".to_owned()))?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "exam_notice.publish",
            entity_type: "exam_notice",
            entity_id: created.id.to_string(),
            institution_id: Some(institution_id),
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

/// Exam notices: an institution sees its own; supervisors, admin and 信息部 see all. Ordered by
/// exam date.
#[utoipa::path(
    tag = "exam-notices",
    params(ExamNoticeFilter, PageQuery),
    responses(
        (status = 200, description = "Exam notices", body = Page<ExamNoticeView>),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Inspectors", body = crate::error::Problem),
        (status = 422, description = "Bad paging or filter", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/exam-notices")]
pub async fn list_exam_notices(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<ExamNoticeFilter>,
) -> Result<web::Json<Page<ExamNoticeView>>, ApiError> {
    user.require(&[
        Role::Institution,
        Role::Supervisor,
        Role::Admin,
        Role::InfoOfficer,
    ])?;
    let (page_no, size) = page.resolve()?;
    let Some(tenant) = institution_condition(&user, exam_notice::Column::InstitutionId) else {
        return Ok(web::Json(Page::empty(page_no, size)));
    };
    let mut condition = tenant.add(filter_condition(&filter)?);
    if let Some(id) = filter.institution_id {
        condition = condition.add(exam_notice::Column::InstitutionId.eq(id));
    }
    Ok(web::Json(
        page_of(&state.db.conn, condition, page_no, size).await?,
    ))
}

/// One exam notice; another institution's answers 404.
#[utoipa::path(
    tag = "exam-notices",
    params(("id" = Uuid, Path, description = "Exam notice id")),
    responses(
        (status = 200, description = "The notice", body = ExamNoticeView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Inspectors", body = crate::error::Problem),
        (status = 404, description = "No such notice, or another institution's", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/exam-notices/{id}")]
pub async fn get_exam_notice(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<ExamNoticeView>, ApiError> {
    user.require(&[
        Role::Institution,
        Role::Supervisor,
        Role::Admin,
        Role::InfoOfficer,
    ])?;
    let tenant = institution_condition(&user, exam_notice::Column::InstitutionId)
        .ok_or(ApiError::NotFound)?;
    let conn = &state.db.conn;
    let row = exam_notice::Entity::find_by_id(id.into_inner())
        .filter(tenant)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    decorate(conn, vec![row])
        .await?
        .pop()
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}

/// Published exam notices, for the public (一公开; no login). Ordered by exam date.
#[utoipa::path(
    tag = "public",
    params(ExamNoticeFilter, PageQuery),
    responses(
        (status = 200, description = "Published exam notices with the institution's name", body = Page<ExamNoticeView>),
        (status = 422, description = "Bad paging or filter", body = crate::error::Problem),
    )
)]
#[get("/public/exam-notices")]
pub async fn public_exam_notices(
    state: web::Data<AppState>,
    page: web::Query<PageQuery>,
    filter: web::Query<ExamNoticeFilter>,
) -> Result<web::Json<Page<ExamNoticeView>>, ApiError> {
    let (page_no, size) = page.resolve()?;
    let condition = filter_condition(&filter)?.add(exam_notice::Column::Published.eq(true));
    Ok(web::Json(
        page_of(&state.db.conn, condition, page_no, size).await?,
    ))
}
