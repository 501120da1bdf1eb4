//! `GET /stats/overview`: the supervision dashboard's figures (issue 5) — batches by status and
//! by (kind, current step), the overdue ones (SPEC §4 deadlines ARRANGEMENT_DEADLINE,
//! COMPLETION_WINDOW and CROSS_YEAR, as the deadline clock's `alerts` find them) and
//! per-institution pass rates. Set-based: a fixed number of queries
//! whatever the number of batches; the tenant filter is inside each query (an institution sees
//! its own figures, inspectors none).

use std::collections::BTreeMap;

use actix_web::{get, web};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use skillcert_domain::alerts::{AlertInput, AlertState, DeadlineKind, deadline_alerts};
use skillcert_domain::calendar::china_date;
use skillcert_domain::catalogue;
use skillcert_domain::rules::RuleCode;
use skillcert_domain::state::{BatchStatus, StepStates};
use skillcert_domain::{InstitutionKind, Module, Step};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::entities::{batch, institution};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(overview);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Only batches of this year.
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: String,
    pub status_name: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepCount {
    pub kind: String,
    pub kind_name: String,
    /// The first gate step not yet approved; none when every step is.
    pub step: Option<Step>,
    pub step_name: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueItem {
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    pub kind: String,
    /// `ARRANGEMENT_DEADLINE` (the arrangement not submitted by first exam day − 2),
    /// `COMPLETION_WINDOW` (the certificate step not submitted by last exam day + 30 or the
    /// extension) or `CROSS_YEAR` (the batch not completed by 31 December).
    pub code: RuleCode,
    pub message: String,
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
    pub days_overdue: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PassRate {
    pub institution_id: Uuid,
    pub institution_name: String,
    /// Candidates with a final result (passed or not).
    pub assessed: i64,
    pub passed: i64,
    /// `passed / assessed`, 0–1.
    pub rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewView {
    /// China date the overdue figures are counted on.
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    pub total_batches: u64,
    pub by_status: Vec<StatusCount>,
    pub by_step: Vec<StepCount>,
    pub overdue_total: u64,
    /// The most overdue first, at most 50.
    pub overdue: Vec<OverdueItem>,
    /// Highest assessed count first.
    pub pass_rates: Vec<PassRate>,
}

const OVERDUE_LISTED: usize = 50;

#[derive(Debug, FromQueryResult)]
struct PassRow {
    institution_id: Uuid,
    assessed: i64,
    passed: i64,
}

/// Dashboard figures over the batches the caller may see.
#[utoipa::path(
    tag = "stats",
    params(OverviewQuery),
    responses(
        (status = 200, body = OverviewView),
        (status = 401, description = "Not logged in", body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/stats/overview")]
pub async fn overview(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<OverviewQuery>,
) -> ApiResult<web::Json<OverviewView>> {
    let today = china_date(state.clock.now());
    let empty = OverviewView {
        today,
        total_batches: 0,
        by_status: Vec::new(),
        by_step: Vec::new(),
        overdue_total: 0,
        overdue: Vec::new(),
        pass_rates: Vec::new(),
    };
    let Some(scope) = tenancy::institution_condition(&user, batch::Column::InstitutionId) else {
        return Ok(web::Json(empty));
    };
    let mut condition = Condition::all().add(scope);
    if let Some(year) = query.year {
        condition = condition.add(batch::Column::Year.eq(year));
    }
    let conn = &state.db.conn;
    let batches = batch::Entity::find()
        .filter(condition.clone())
        .all(conn)
        .await?;
    let mut steps = crate::batches::step_states_where(conn, condition.clone()).await?;
    let names: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(
            institution::Column::Id.in_subquery(
                Query::select()
                    .column(batch::Column::InstitutionId)
                    .from(batch::Entity)
                    .cond_where(condition.clone())
                    .to_owned(),
            ),
        )
        .select_only()
        .column(institution::Column::Id)
        .column(institution::Column::Name)
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();

    let mut by_status: BTreeMap<&'static str, (BatchStatus, u64)> = BTreeMap::new();
    let mut by_step: BTreeMap<(String, Option<Step>), u64> = BTreeMap::new();
    let mut overdue = Vec::new();
    for b in &batches {
        let (Ok(kind), Ok(module)) = (
            b.kind.parse::<InstitutionKind>(),
            b.module.parse::<Module>(),
        ) else {
            continue;
        };
        let Some(process) = catalogue::process(kind, module) else {
            continue;
        };
        let states = StepStates::from_rows(process, steps.remove(&b.id).unwrap_or_default());
        let progress = states.status_archived(process, b.archived_at.is_some());
        by_status
            .entry(progress.status.code())
            .or_insert((progress.status, 0))
            .1 += 1;
        *by_step
            .entry((b.kind.clone(), progress.current_step))
            .or_default() += 1;
        let institution_name = names.get(&b.institution_id).cloned().unwrap_or_default();
        // The deadline clock's own alerts (domain `alerts`), the passed ones: one definition of
        // "overdue" for the dashboard, the batch badges and the notices.
        let alerts = deadline_alerts(
            &AlertInput {
                process,
                states: &states,
                year: b.year,
                exam_start: b.exam_start,
                exam_end: b.exam_end,
                completion_extended_to: b.completion_extended_to,
            },
            today,
        );
        for alert in alerts {
            if alert.state != AlertState::Passed {
                continue;
            }
            overdue.push(OverdueItem {
                batch_id: b.id,
                institution_id: b.institution_id,
                institution_name: institution_name.clone(),
                kind: b.kind.clone(),
                code: alert.kind.rule(),
                message: overdue_message(alert.kind).to_owned(),
                deadline: alert.deadline,
                days_overdue: -alert.days_left,
            });
        }
    }
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.batch_id.cmp(&b.batch_id))
    });
    let overdue_total = overdue.len() as u64;
    overdue.truncate(OVERDUE_LISTED);

    let pass_rates = pass_rates(&state, &user, query.year, &names).await?;
    Ok(web::Json(OverviewView {
        today,
        total_batches: batches.len() as u64,
        by_status: by_status
            .into_values()
            .map(|(status, count)| StatusCount {
                status: status.code().to_owned(),
                status_name: status.name_zh().to_owned(),
                count,
            })
            .collect(),
        by_step: by_step
            .into_iter()
            .map(|((kind, step), count)| StepCount {
                kind_name: kind
                    .parse::<InstitutionKind>()
                    .map(|k| k.name_zh().to_owned())
                    .unwrap_or_else(|_| kind.clone()),
                kind,
                step,
                step_name: step.map_or("已办结", Step::name_zh).to_owned(),
                count,
            })
            .collect(),
        overdue_total,
        overdue,
        pass_rates,
    }))
}

async fn pass_rates(
    state: &AppState,
    user: &CurrentUser,
    year: Option<i32>,
    names: &BTreeMap<Uuid, String>,
) -> Result<Vec<PassRate>, ApiError> {
    let conn = &state.db.conn;
    let backend = state.db.backend();
    let mut sql = String::from(
        "SELECT b.institution_id AS institution_id, COUNT(*) AS assessed, \
         SUM(CASE WHEN r.passed THEN 1 ELSE 0 END) AS passed \
         FROM candidate_results r JOIN batches b ON b.id = r.batch_id \
         WHERE r.passed IS NOT NULL",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let crate::auth::Scope::Institution(id) = user.scope() {
        values.push(id.into());
        sql.push_str(" AND b.institution_id = ?");
    }
    if let Some(year) = year {
        values.push(year.into());
        sql.push_str(" AND b.year = ?");
    }
    sql.push_str(" GROUP BY b.institution_id");
    let rows = PassRow::find_by_statement(crate::db::statement(backend, &sql, values))
        .all(conn)
        .await?;
    let mut rates: Vec<PassRate> = rows
        .into_iter()
        .filter(|row| row.assessed > 0)
        .map(|row| PassRate {
            institution_name: names.get(&row.institution_id).cloned().unwrap_or_default(),
            institution_id: row.institution_id,
            assessed: row.assessed,
            passed: row.passed,
            rate: row.passed as f64 / row.assessed as f64,
        })
        .collect();
    rates.sort_by(|a, b| {
        b.assessed
            .cmp(&a.assessed)
            .then(a.institution_id.cmp(&b.institution_id))
    });
    Ok(rates)
}

fn overdue_message(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Arrangement => "考务安排未在首个考试日 2 日前提交",
        DeadlineKind::Completion => "考试之日起 30 日内（或延期后期限内）未提交证书管理环节",
        DeadlineKind::YearEnd => "本年度 12 月 31 日前未办结全部环节（不可跨年实施）",
    }
}
