//! The working-day calendar (SPEC §4): each year's State Council holiday arrangement with its
//! gov.cn notice, the EXAM_LEAD_TIME computation (`earliest-exam-date`, SPEC §8 core path), and
//! the admin's loading of later years. The shipped 2023–2026 data lives in the domain crate;
//! loaded years are kept in `calendar_years` and override or extend it (`AppState::calendar`).
//! Every change is audited.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, put, web};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Role;
use skillcert_domain::calendar::{
    CalendarDataError, CalendarYearMissing, Holiday, MakeupWorkday, NoticeSource, YearCalendar,
    iso_date,
};
use skillcert_domain::rules::{RuleCode, Violation};
use time::{Date, Weekday};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::calendar_year;
use crate::error::{ApiError, Problem};
use crate::request_id;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    // `earliest-exam-date` before `{year}`, so the literal segment wins.
    cfg.service(earliest_exam_date)
        .service(get_year)
        .service(put_year);
}

// ---------------------------------------------------------------------------------------------
// Shapes (the domain's `YearCalendar` JSON, described for the OpenAPI document)
// ---------------------------------------------------------------------------------------------

/// The notice a year's arrangement comes from (国务院办公厅关于某年部分节假日安排的通知).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeSourceSchema {
    /// e.g. 国务院办公厅关于2026年部分节假日安排的通知
    pub title: String,
    /// e.g. 国办发明电〔2025〕7号
    pub document_no: String,
    /// The notice on https://www.gov.cn/.
    pub url: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub published_on: Date,
}

/// A run of days off (放假), both ends included.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HolidaySchema {
    /// e.g. 春节
    pub name: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub start: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub end: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A weekend day that the notice makes a working day (调休上班).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MakeupWorkdaySchema {
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub date: Date,
    /// The holiday it makes up for, as named in `holidays`.
    pub holiday: String,
}

/// One year's arrangement, exactly the JSON `PUT /calendar/{year}` accepts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct YearCalendarSchema {
    pub year: i32,
    pub source: NoticeSourceSchema,
    pub holidays: Vec<HolidaySchema>,
    pub makeup_workdays: Vec<MakeupWorkdaySchema>,
}

/// A year's arrangement and the days it changes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarYearView {
    pub year: i32,
    /// `builtin` (shipped with the platform) or `loaded` (loaded by an admin).
    pub origin: String,
    pub source: NoticeSourceSchema,
    pub holidays: Vec<HolidaySchema>,
    pub makeup_workdays: Vec<MakeupWorkdaySchema>,
    /// Monday–Friday dates inside a holiday: not working days.
    #[schema(value_type = Vec<String>)]
    #[serde(with = "iso_date::vec")]
    pub non_working_weekdays: Vec<Date>,
    /// Weekend dates that are working days (调休上班).
    #[schema(value_type = Vec<String>)]
    #[serde(with = "iso_date::vec")]
    pub makeup_working_days: Vec<Date>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EarliestQuery {
    /// The plan submission date, `YYYY-MM-DD` (China date).
    pub submitted_on: Option<String>,
}

/// EXAM_LEAD_TIME (SPEC §4, seed 社会培训评价组织 二.2 “考试时间应安排在考试计划申报之日起三个工作日后”).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EarliestExamDateView {
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub submitted_on: Date,
    /// The first three working days after `submitted_on` (counted from the next day, 民法典 第201条).
    #[schema(value_type = Vec<String>)]
    #[serde(with = "iso_date::vec")]
    pub working_days: Vec<Date>,
    /// The day after the third working day: the first permitted exam day.
    #[schema(value_type = String, format = Date)]
    #[serde(with = "iso_date")]
    pub earliest_exam_date: Date,
}

fn view(year: &YearCalendar, origin: &str) -> CalendarYearView {
    let mut non_working_weekdays = Vec::new();
    for holiday in &year.holidays {
        let mut day = holiday.start;
        while day <= holiday.end {
            if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
                non_working_weekdays.push(day);
            }
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    non_working_weekdays.sort_unstable();
    let mut makeup_working_days: Vec<Date> = year.makeup_workdays.iter().map(|m| m.date).collect();
    makeup_working_days.sort_unstable();
    CalendarYearView {
        year: year.year,
        origin: origin.to_owned(),
        source: source_schema(&year.source),
        holidays: year.holidays.iter().map(holiday_schema).collect(),
        makeup_workdays: year.makeup_workdays.iter().map(makeup_schema).collect(),
        non_working_weekdays,
        makeup_working_days,
    }
}

fn source_schema(source: &NoticeSource) -> NoticeSourceSchema {
    NoticeSourceSchema {
        title: source.title.clone(),
        document_no: source.document_no.clone(),
        url: source.url.clone(),
        published_on: source.published_on,
    }
}

fn holiday_schema(holiday: &Holiday) -> HolidaySchema {
    HolidaySchema {
        name: holiday.name.clone(),
        start: holiday.start,
        end: holiday.end,
        note: holiday.note.clone(),
    }
}

fn makeup_schema(makeup: &MakeupWorkday) -> MakeupWorkdaySchema {
    MakeupWorkdaySchema {
        date: makeup.date,
        holiday: makeup.holiday.clone(),
    }
}

/// 404 `CALENDAR_YEAR_MISSING`: the year has no arrangement (SPEC §4: never guessed from weekends).
fn year_missing(year: i32) -> HttpResponse {
    let missing = CalendarYearMissing { year };
    let problem = Problem {
        kind: "about:blank",
        title: RuleCode::CalendarYearMissing.title_zh().to_owned(),
        status: StatusCode::NOT_FOUND.as_u16(),
        detail: format!("{missing}；请系统管理员载入该年度的节假日安排"),
        code: CalendarYearMissing::CODE.to_owned(),
        request_id: request_id::current(),
        violations: Vec::new(),
    };
    HttpResponse::NotFound()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ))
        .json(problem)
}

/// The field a refused arrangement names, for the violation.
fn error_field(err: &CalendarDataError) -> String {
    match err {
        CalendarDataError::Json(_) => "body".to_owned(),
        CalendarDataError::UrlNotGovCn { .. } => "source.url".to_owned(),
        CalendarDataError::PublishedAfterYear { .. } => "source.published_on".to_owned(),
        CalendarDataError::NoHolidays { .. } | CalendarDataError::HolidaysOverlap { .. } => {
            "holidays".to_owned()
        }
        CalendarDataError::EmptyField { field }
        | CalendarDataError::DateOutsideYear { field, .. }
        | CalendarDataError::HolidayStartAfterEnd { field, .. }
        | CalendarDataError::MakeupNotWeekend { field, .. }
        | CalendarDataError::MakeupInsideHoliday { field, .. }
        | CalendarDataError::DuplicateMakeupWorkday { field, .. }
        | CalendarDataError::MakeupUnknownHoliday { field, .. } => field.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// EXAM_LEAD_TIME for a submission date: the three working days counted and the earliest exam
/// date (SPEC §4 example: 2026-02-12 → 2/13, 2/14 (调休上班), 2/24 → 2026-02-25).
#[utoipa::path(
    tag = "calendar",
    params(EarliestQuery),
    responses(
        (status = 200, description = "The working days counted and the earliest exam date", body = EarliestExamDateView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 422, description = "VALIDATION (missing or malformed `submitted_on`) or CALENDAR_YEAR_MISSING (a year needed has no arrangement; `details.year` names it)", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/calendar/earliest-exam-date")]
pub async fn earliest_exam_date(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<EarliestQuery>,
) -> Result<web::Json<EarliestExamDateView>, ApiError> {
    let text = query
        .submitted_on
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::validation("submitted_on", "请提供申报日期 submitted_on（YYYY-MM-DD）")
        })?;
    let submitted_on = iso_date::parse(text).map_err(|_| {
        ApiError::validation(
            "submitted_on",
            format!("申报日期“{text}”不是有效的 YYYY-MM-DD 日期"),
        )
    })?;
    let calendar = state.calendar().await?;
    let earliest = calendar
        .earliest_exam_date(submitted_on)
        .map_err(|missing| {
            ApiError::Unprocessable(vec![
                Violation::new(RuleCode::CalendarYearMissing, missing.to_string())
                    .field("submitted_on")
                    .details(json!({ "year": missing.year })),
            ])
        })?;
    Ok(web::Json(EarliestExamDateView {
        submitted_on: earliest.submitted_on,
        working_days: earliest.working_days,
        earliest_exam_date: earliest.earliest_exam_date,
    }))
}

/// One year's holiday arrangement with its gov.cn notice, the weekdays off and the make-up
/// workdays.
#[utoipa::path(
    tag = "calendar",
    params(("year" = i32, Path, description = "Calendar year, e.g. 2026")),
    responses(
        (status = 200, description = "The year's arrangement", body = CalendarYearView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "CALENDAR_YEAR_MISSING: no arrangement for the year (code `CALENDAR_YEAR_MISSING`; an admin may load it with PUT)", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/calendar/{year}")]
pub async fn get_year(
    state: web::Data<AppState>,
    _user: CurrentUser,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year = year.into_inner();
    let loaded = calendar_year::Entity::find_by_id(year)
        .one(&state.db.conn)
        .await?
        .is_some();
    let calendar = state.calendar().await?;
    Ok(match calendar.year(year) {
        Some(data) => {
            HttpResponse::Ok().json(view(data, if loaded { "loaded" } else { "builtin" }))
        }
        None => year_missing(year),
    })
}

/// Loads (or replaces) a year's arrangement. The body is the year's JSON as shipped in the
/// domain crate; it is validated in full (dates within the year, make-up days on weekends, the
/// notice on www.gov.cn, …) before it is stored.
#[utoipa::path(
    tag = "calendar",
    params(("year" = i32, Path, description = "Calendar year; must equal the body's `year`")),
    request_body = YearCalendarSchema,
    responses(
        (status = 200, description = "Stored; the year as it now reads", body = CalendarYearView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: the arrangement is malformed or inconsistent; the violation names the field", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[put("/calendar/{year}")]
pub async fn put_year(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    year: web::Path<i32>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<CalendarYearView>, ApiError> {
    user.require(&[Role::Admin])?;
    let year = year.into_inner();
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::validation(
            "year",
            format!("年份 {year} 超出 2000–2100"),
        ));
    }
    let data = YearCalendar::from_json(&body.into_inner().to_string()).map_err(|e| {
        ApiError::Unprocessable(vec![
            Violation::new(RuleCode::Validation, e.to_string()).field(error_field(&e)),
        ])
    })?;
    if data.year != year {
        return Err(ApiError::validation(
            "year",
            format!(
                "请求路径中的年份 {year} 与数据中的 year {} 不一致",
                data.year
            ),
        ));
    }
    let stored = serde_json::to_value(&data)
        .map_err(|e| ApiError::Internal(format!("serialise calendar: {e}")))?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let previous = calendar_year::Entity::find_by_id(year).one(&*txn).await?;
    let row = calendar_year::ActiveModel {
        year: Set(year),
        data: Set(stored.clone()),
        updated_by: Set(Some(user.id)),
        updated_at: Set(now),
    };
    let before = match previous {
        Some(previous) => {
            calendar_year::Entity::update(row).exec(&*txn).await?;
            previous.data
        }
        None => {
            calendar_year::Entity::insert(row).exec(&*txn).await?;
            serde_json::Value::Null
        }
    };
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "calendar.put",
            entity_type: "calendar_year",
            entity_id: year.to_string(),
            institution_id: None,
            summary: json!({ "before": before, "after": stored }),
        },
    )
    .await?;
    txn.commit().await?;
    state.forget_calendar();
    Ok(web::Json(view(&data, "loaded")))
}
