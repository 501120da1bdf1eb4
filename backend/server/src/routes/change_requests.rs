//! 变更申请 (SPEC §4 ARRANGEMENT_MISMATCH: "不得无故调整考试时间"): once the plan is approved, its exam
//! time and venue change only by a request that carries a reason and that a supervisor
//! re-reviews. The request re-runs the lead-time, cross-year, cross-region and arrangement
//! deadline rules at its date; approval moves the batch and its approved plan, and sends an
//! arrangement made for the old plan back to the institution.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::{china_date, iso_date};
use skillcert_domain::codecs::Region;
use skillcert_domain::rules;
use skillcert_domain::{Role, Step, StepState};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches::{self, Loaded, StoredPlan};
use crate::entities::{batch, change_request, institution};
use crate::error::{ApiError, ApiResult, Problem};
use crate::notices::{self, Audience, NewNotice};
use crate::routes::batches::progress_error;
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_change_request)
        .service(list_batch_change_requests)
        .service(change_request_queue)
        .service(decide_change_request);
}

const REASON_MAX_CHARS: usize = 1000;

/// What a change request may move. Fields left out keep their current value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequestInput {
    /// `YYYY-MM-DD`.
    pub exam_start: Option<String>,
    /// `YYYY-MM-DD`.
    pub exam_end: Option<String>,
    pub venue: Option<String>,
    /// The new venue's 地市 code, e.g. `4103`.
    pub venue_region: Option<String>,
    /// Why the exam must move (required: "不得无故调整考试时间").
    pub reason: String,
}

/// The exam time and venue of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExamPlace {
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_start: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_end: Date,
    pub venue: String,
    pub venue_region: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestView {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reason: String,
    pub before: ExamPlace,
    pub after: ExamPlace,
    pub requested_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecisionInput {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeRequestFilter {
    /// Default `pending`.
    #[param(inline)]
    pub status: Option<ChangeRequestStatusFilter>,
}

/// Which change requests to list: those in one state, or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeRequestStatusFilter {
    Pending,
    Approved,
    Rejected,
    All,
}

fn place_of(batch: &batch::Model) -> ExamPlace {
    ExamPlace {
        exam_start: batch.exam_start,
        exam_end: batch.exam_end,
        venue: batch.venue.clone(),
        venue_region: batch.venue_region.clone(),
    }
}

fn stored_place(value: &serde_json::Value) -> ApiResult<ExamPlace> {
    serde_json::from_value(value.clone())
        .map_err(|e| ApiError::Internal(format!("stored change request: {e}")))
}

fn view_of(row: change_request::Model, institution_name: String) -> ApiResult<ChangeRequestView> {
    Ok(ChangeRequestView {
        before: stored_place(&row.before)?,
        after: stored_place(&row.after)?,
        id: row.id,
        batch_id: row.batch_id,
        institution_id: row.institution_id,
        institution_name,
        status: row.status,
        reason: row.reason,
        requested_by: row.requested_by,
        requested_at: row.requested_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        comment: row.comment,
    })
}

fn to_json<T: Serialize>(value: &T) -> ApiResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The requested place, from the current one and the input; VALIDATION for malformed fields.
fn requested_place(current: &ExamPlace, input: &ChangeRequestInput) -> ApiResult<ExamPlace> {
    let mut violations = Vec::new();
    let mut after = current.clone();
    let mut date = |field: &str, text: &Option<String>, slot: &mut Date| {
        if let Some(text) = text {
            match iso_date::parse(text.trim()) {
                Ok(date) => *slot = date,
                Err(_) => violations.push(
                    rules::Violation::new(
                        rules::RuleCode::Validation,
                        format!("日期“{text}”应为 YYYY-MM-DD"),
                    )
                    .field(field),
                ),
            }
        }
    };
    date("exam_start", &input.exam_start, &mut after.exam_start);
    date("exam_end", &input.exam_end, &mut after.exam_end);
    if let Some(venue) = &input.venue {
        after.venue = venue.trim().to_owned();
        if after.venue.is_empty() || after.venue.chars().count() > 200 {
            violations.push(
                rules::Violation::new(rules::RuleCode::Validation, "考试地点应为 1–200 个字符")
                    .field("venue"),
            );
        }
    }
    if let Some(region) = &input.venue_region {
        match region.parse::<Region>() {
            Ok(region) => after.venue_region = region.code().to_owned(),
            Err(e) => violations.push(
                rules::Violation::new(rules::RuleCode::Validation, e.to_string())
                    .field("venue_region"),
            ),
        }
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        violations.push(
            rules::Violation::new(
                rules::RuleCode::Validation,
                "变更申请必须说明理由（不得无故调整考试时间）",
            )
            .field("reason"),
        );
    } else if reason.chars().count() > REASON_MAX_CHARS {
        violations.push(
            rules::Violation::new(
                rules::RuleCode::Validation,
                format!("理由不能超过 {REASON_MAX_CHARS} 个字符"),
            )
            .field("reason"),
        );
    }
    if violations.is_empty() && after == *current {
        violations.push(
            rules::Violation::new(
                rules::RuleCode::Validation,
                "变更后的考试时间、地点与现有计划相同",
            )
            .field("exam_start"),
        );
    }
    if violations.is_empty() {
        Ok(after)
    } else {
        Err(ApiError::Unprocessable(violations))
    }
}

/// The rules a change re-runs, on the batch as it would be, measured at `at`.
async fn change_violations(
    state: &AppState,
    loaded: &Loaded,
    after: &ExamPlace,
    at: OffsetDateTime,
) -> ApiResult<Vec<rules::Violation>> {
    let mut snapshot = loaded.snapshot(&state.db.conn).await?;
    snapshot.exam_start = after.exam_start;
    snapshot.exam_end = after.exam_end;
    snapshot.venue = after.venue.clone();
    snapshot.venue_region = after
        .venue_region
        .parse()
        .map_err(|_| ApiError::Internal("stored venue region".to_owned()))?;
    let calendar = state.calendar().await?;
    Ok(rules::change_violations(&snapshot, &calendar, at))
}

/// Ask to move an approved plan's exam time or venue. Answers 201 with the pending request;
/// 409 while the plan is not approved (edit the batch instead), once the first exam day has come,
/// or while another request is pending; 422 with every violation of the re-run rules.
#[utoipa::path(
    tag = "batches",
    params(
        ("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")
    ),
    request_body = ChangeRequestInput,
    responses(
        (status = 201, body = ChangeRequestView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/change-requests")]
pub async fn create_change_request(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<ChangeRequestInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Institution])?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let batch = tenancy::find_batch_to_write(&state.db.conn, &user, id.into_inner()).await?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    let now = state.clock.now();
    let plan_state = loaded.step_states()?.get(Step::Plan);
    match plan_state {
        Some(StepState::Approved) => {}
        Some(StepState::Submitted) => {
            return Err(ApiError::invalid_state(
                "考试计划正在审核中，审核通过后才能申请变更",
            ));
        }
        _ => {
            return Err(ApiError::invalid_state(
                "考试计划尚未批准，可直接修改批次，无需变更申请",
            ));
        }
    }
    if china_date(now) >= loaded.batch.exam_start {
        return Err(ApiError::invalid_state(format!(
            "首个考试日 {} 已到，不能再变更考试时间和地点",
            loaded.batch.exam_start
        )));
    }
    let input = body.into_inner();
    let before = place_of(&loaded.batch);
    let after = requested_place(&before, &input)?;
    let violations = change_violations(&state, &loaded, &after, now).await?;
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let txn = state.db.begin_write().await?;
    let pending = change_request::Entity::find()
        .filter(change_request::Column::BatchId.eq(loaded.batch.id))
        .filter(change_request::Column::Status.eq("pending"))
        .count(&*txn)
        .await?;
    if pending > 0 {
        return Err(ApiError::invalid_state(
            "本批次已有待审核的变更申请，请等待督导部审核",
        ));
    }
    let row = change_request::Model {
        id: Uuid::now_v7(),
        batch_id: loaded.batch.id,
        institution_id: loaded.batch.institution_id,
        status: "pending".to_owned(),
        reason: input.reason.trim().to_owned(),
        before: to_json(&before)?,
        after: to_json(&after)?,
        requested_by: user.id,
        requested_at: now,
        decided_by: None,
        decided_at: None,
        comment: None,
    };
    change_request::Entity::insert(change_request::ActiveModel::from(row.clone()))
        .exec(&*txn)
        .await?;
    let created = view_of(row, loaded.institution.name.clone())?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "change_request.create",
            entity_type: "batch",
            entity_id: loaded.batch.id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "change_request_id": created.id,
                "reason": created.reason,
                "before": created.before,
                "after": created.after,
            }),
        },
    )
    .await?;
    announce(&txn, &loaded, &created, now).await?;
    idempotency
        .remember(&*txn, user.id, &req, StatusCode::CREATED, &created, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// A batch's change requests, newest first.
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<ChangeRequestView>), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/batches/{id}/change-requests")]
pub async fn list_batch_change_requests(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ChangeRequestView>>> {
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let query = change_request::Entity::find()
        .filter(change_request::Column::BatchId.eq(batch.id))
        .order_by_desc(change_request::Column::RequestedAt);
    Ok(web::Json(fetch_page(&state, query, page_no, size).await?))
}

/// Change requests across batches for supervisors, the oldest pending first.
#[utoipa::path(
    tag = "reviews",
    params(ChangeRequestFilter, PageQuery),
    responses((status = 200, body = Page<ChangeRequestView>), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/change-requests")]
pub async fn change_request_queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ChangeRequestFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ChangeRequestView>>> {
    user.require(&[Role::Supervisor])?;
    let (page_no, size) = page.resolve()?;
    let status = match filter.status.unwrap_or(ChangeRequestStatusFilter::Pending) {
        ChangeRequestStatusFilter::Pending => Some("pending"),
        ChangeRequestStatusFilter::Approved => Some("approved"),
        ChangeRequestStatusFilter::Rejected => Some("rejected"),
        ChangeRequestStatusFilter::All => None,
    };
    let condition = match status {
        Some(status) => Condition::all().add(change_request::Column::Status.eq(status)),
        None => Condition::all(),
    };
    let query = change_request::Entity::find()
        .filter(condition)
        .order_by_asc(change_request::Column::RequestedAt);
    Ok(web::Json(fetch_page(&state, query, page_no, size).await?))
}

/// One page of `query`'s change requests, with their institutions' names.
async fn fetch_page(
    state: &AppState,
    query: sea_orm::Select<change_request::Entity>,
    page_no: u64,
    size: u64,
) -> ApiResult<Page<ChangeRequestView>> {
    let total = query.clone().count(&state.db.conn).await?;
    let rows = query
        .offset((page_no - 1) * size)
        .limit(size)
        .all(&state.db.conn)
        .await?;
    let names: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(rows.iter().map(|r| r.institution_id)))
        .all(&state.db.conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|row| {
            let name = names.get(&row.institution_id).cloned().unwrap_or_default();
            view_of(row, name)
        })
        .collect::<ApiResult<_>>()?;
    Ok(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    })
}

/// A supervisor approves or rejects a pending change request. Approval re-runs the rules at the
/// request's date, moves the batch and its approved plan, recomputes the candidates' warnings
/// (they depend on the first exam day), and returns an arrangement made for the old plan.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path)),
    request_body = ChangeDecisionInput,
    responses(
        (status = 200, body = ChangeRequestView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/change-requests/{id}/decision")]
pub async fn decide_change_request(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<ChangeDecisionInput>,
) -> ApiResult<web::Json<ChangeRequestView>> {
    user.require(&[Role::Supervisor])?;
    let input = body.into_inner();
    let approve = match input.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(ApiError::validation(
                "decision",
                format!("decision 应为 approve 或 reject，收到“{other}”"),
            ));
        }
    };
    let comment = input.comment.trim().to_owned();
    if !approve && comment.is_empty() {
        return Err(ApiError::validation("comment", "驳回变更申请必须说明理由"));
    }
    let request = change_request::Entity::find_by_id(id.into_inner())
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if request.status != "pending" {
        return Err(ApiError::invalid_state("该变更申请已审核"));
    }
    let batch = tenancy::find_batch_to_write(&state.db.conn, &user, request.batch_id).await?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    let after = stored_place(&request.after)?;
    let now = state.clock.now();
    let mut changes = Vec::new();
    if approve {
        if place_of(&loaded.batch) != stored_place(&request.before)? {
            return Err(ApiError::invalid_state(
                "批次的考试时间或地点在申请后已变化，请驳回后由机构重新申请",
            ));
        }
        let violations = change_violations(&state, &loaded, &after, request.requested_at).await?;
        if !violations.is_empty() {
            return Err(ApiError::Unprocessable(violations));
        }
        changes = loaded
            .step_states()?
            .on_plan_change(loaded.process()?)
            .map_err(progress_error)?;
    }
    let txn = state.db.begin_write().await?;
    let decided = change_request::Entity::update_many()
        .col_expr(
            change_request::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(change_request::Column::DecidedBy, Expr::value(user.id))
        .col_expr(change_request::Column::DecidedAt, Expr::value(now))
        .col_expr(
            change_request::Column::Comment,
            Expr::value((!comment.is_empty()).then(|| comment.clone())),
        )
        .filter(change_request::Column::Id.eq(request.id))
        .filter(change_request::Column::Status.eq("pending"))
        .exec(&*txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(ApiError::invalid_state("该变更申请已审核"));
    }
    if approve {
        move_batch(&txn, &loaded, &after, now).await?;
        batches::apply_changes(&*txn, &loaded, &changes, now).await?;
        if !changes.is_empty() {
            let record = batches::DecisionRecord {
                batch_id: loaded.batch.id,
                step: Step::Arrangement,
                decision: "return",
                comment: "考试计划变更已批准，请按变更后的考试时间和地点修改考务安排后重新提交",
                reasons: json!([{
                    "code": "ARRANGEMENT_MISMATCH",
                    "message": "考务安排按变更前的考试计划编制",
                }]),
                decided_by: Some(user.id),
                audit_method: None,
            };
            batches::record_decision(&*txn, &record, now).await?;
            batches::step_events(&*txn, &loaded, &changes, Some(&record), now).await?;
        }
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: if approve {
                "change_request.approve"
            } else {
                "change_request.reject"
            },
            entity_type: "batch",
            entity_id: loaded.batch.id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "change_request_id": request.id,
                "comment": comment,
                "before": request.before,
                "after": request.after,
                "changes": batches::changes_summary(&changes),
            }),
        },
    )
    .await?;
    if approve && after.exam_start != loaded.batch.exam_start {
        // UNDER_AGE, BLACKLISTED and NOT_GRADUATING_YEAR depend on the first exam day.
        let moved = batches::load(&*txn, {
            let mut batch = loaded.batch.clone();
            batch.exam_start = after.exam_start;
            batch.exam_end = after.exam_end;
            batch
        })
        .await?;
        crate::candidates::recompute_warnings(&*txn, &state, &moved, now).await?;
    }
    let row = change_request::Entity::find_by_id(request.id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = view_of(row, loaded.institution.name.clone())?;
    announce(&txn, &loaded, &view, now).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

fn place_text(place: &ExamPlace) -> String {
    let days = if place.exam_start == place.exam_end {
        place.exam_start.to_string()
    } else {
        format!("{} 至 {}", place.exam_start, place.exam_end)
    };
    format!("{days}，{}", place.venue)
}

/// Tells the other side about a change request: the supervisors of a new one, the institution
/// of a decision; and writes the event for webhooks (docs/events.md), in the caller's
/// transaction.
async fn announce(
    txn: &crate::db::WriteTxn,
    loaded: &Loaded,
    view: &ChangeRequestView,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let number = notices::batch_no(loaded.batch.id);
    let change = format!(
        "由 {} 变更为 {}",
        place_text(&view.before),
        place_text(&view.after)
    );
    let (audience, kind, title, body) = match view.status.as_str() {
        "pending" => (
            Audience::Supervisor,
            notices::CHANGE_REQUEST_SUBMITTED,
            "考试计划变更申请待审核".to_owned(),
            format!(
                "{} 申请将认定批次 {number} 的考试{change}。理由：{}",
                loaded.institution.name, view.reason
            ),
        ),
        "approved" => (
            Audience::Institution,
            notices::CHANGE_REQUEST_APPROVED,
            "考试计划变更已批准".to_owned(),
            format!(
                "认定批次 {number} 的考试{change}，已获督导部批准；已提交的考务安排需按变更后的时间地点修改后重新提交。"
            ),
        ),
        _ => (
            Audience::Institution,
            notices::CHANGE_REQUEST_REJECTED,
            "考试计划变更被驳回".to_owned(),
            format!(
                "认定批次 {number} 的考试变更申请（{change}）被驳回，考试仍按原计划进行。意见：{}",
                view.comment.as_deref().unwrap_or("")
            ),
        ),
    };
    notices::insert_notice(
        &**txn,
        NewNotice {
            audience,
            institution_id: loaded.batch.institution_id,
            batch_id: Some(loaded.batch.id),
            kind,
            deadline_kind: None,
            deadline: None,
            title,
            body,
            dedupe_key: format!("{kind}:{}", view.id),
        },
        now,
    )
    .await?;
    notices::insert_event(
        &**txn,
        kind,
        json!({
            "batch": notices::batch_payload(&loaded.batch, &loaded.institution.name),
            "change_request": view,
        }),
        Some(format!("{kind}:{}", view.id)),
        now,
    )
    .await?;
    Ok(())
}

/// Moves the batch to the approved place: its fields, its version, and the approved plan the
/// arrangement is compared with.
async fn move_batch(
    txn: &crate::db::WriteTxn,
    loaded: &Loaded,
    after: &ExamPlace,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let mut fields = loaded.plan_fields()?;
    fields.exam_start = after.exam_start;
    fields.exam_end = after.exam_end;
    fields.venue = after.venue.clone();
    fields.venue_region = after
        .venue_region
        .parse()
        .map_err(|_| ApiError::Internal("stored venue region".to_owned()))?;
    let plan = to_json(&StoredPlan::from_fields(&fields))?;
    let moved = batch::Entity::update_many()
        .col_expr(batch::Column::ExamStart, Expr::value(after.exam_start))
        .col_expr(batch::Column::ExamEnd, Expr::value(after.exam_end))
        .col_expr(batch::Column::Venue, Expr::value(after.venue.clone()))
        .col_expr(
            batch::Column::VenueRegion,
            Expr::value(after.venue_region.clone()),
        )
        .col_expr(batch::Column::ApprovedPlan, Expr::value(plan))
        .col_expr(
            batch::Column::Version,
            Expr::value(loaded.batch.version + 1),
        )
        .col_expr(batch::Column::UpdatedAt, Expr::value(now))
        .filter(batch::Column::Id.eq(loaded.batch.id))
        .filter(batch::Column::Version.eq(loaded.batch.version))
        .exec(&**txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    Ok(())
}
