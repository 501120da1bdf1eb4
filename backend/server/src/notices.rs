//! In-app notices and the events outbox (issue 6): how they are written (by the deadline job and
//! by a supervisor's extension) and who may read which notice.
//!
//! A notice is written once per audience — the users of the batch's institution, or every
//! supervisor — and read per user (`notice_reads`). Writes are idempotent by a unique dedupe key,
//! so a repeated or concurrent tick never writes the same notice or event twice. Events go to
//! `outbox_events` in the same transaction as the notices they accompany; webhook delivery reads
//! them from there (docs/events.md describes the payloads).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait};
use serde_json::{Value, json};
use skillcert_domain::Role;
use skillcert_domain::alerts::{AlertState, DeadlineAlert, DeadlineKind};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::entities::{batch, notice, outbox_event};
use crate::error::ApiError;

/// Event types (docs/events.md).
pub const DEADLINE_APPROACHING: &str = "deadline.approaching";
pub const DEADLINE_PASSED: &str = "deadline.passed";
pub const DEADLINE_EXTENDED: &str = "deadline.extended";
/// An institution asked to move an approved plan's exam time or venue (supervisors are told).
pub const CHANGE_REQUEST_SUBMITTED: &str = "change_request.submitted";
/// A supervisor approved or rejected a change request (the institution is told).
pub const CHANGE_REQUEST_APPROVED: &str = "change_request.approved";
pub const CHANGE_REQUEST_REJECTED: &str = "change_request.rejected";
/// A 双随机 draw was run: its seed and result are public.
pub const DRAW_PUBLISHED: &str = "draw.published";
/// A batch step was submitted for review (by the institution, or by the platform for its own
/// steps).
pub const STEP_SUBMITTED: &str = "step.submitted";
/// A batch step was approved (by a reviewer, or automatically).
pub const STEP_APPROVED: &str = "step.approved";
/// A batch step was returned with reasons (or reopened by a later step's return).
pub const STEP_RETURNED: &str = "step.returned";
/// A batch's certificates were published online (证书上网): the public lookup finds them.
pub const CERTIFICATES_PUBLISHED: &str = "certificates.published";

/// Every event type the outbox carries, with its Chinese description (webhook subscriptions
/// filter on these).
pub const EVENT_TYPES: &[(&str, &str)] = &[
    (STEP_SUBMITTED, "环节已提交"),
    (STEP_APPROVED, "环节审核通过"),
    (STEP_RETURNED, "环节被退回"),
    (DEADLINE_APPROACHING, "期限即将到期"),
    (DEADLINE_PASSED, "期限已过"),
    (DEADLINE_EXTENDED, "认定完成期限延期"),
    (CHANGE_REQUEST_SUBMITTED, "计划变更申请已提交"),
    (CHANGE_REQUEST_APPROVED, "计划变更申请已批准"),
    (CHANGE_REQUEST_REJECTED, "计划变更申请被驳回"),
    (DRAW_PUBLISHED, "双随机抽取结果公布"),
    (CERTIFICATES_PUBLISHED, "证书已上网公布"),
];

/// Who a notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The users of the notice's institution.
    Institution,
    /// Every supervisor.
    Supervisor,
}

impl Audience {
    pub const fn code(self) -> &'static str {
        match self {
            Audience::Institution => "institution",
            Audience::Supervisor => "supervisor",
        }
    }
}

/// The notices `user` may see, as a condition on `notices`; 403 for roles that get none.
pub fn scope(user: &CurrentUser) -> Result<Condition, ApiError> {
    match user.role {
        Role::Supervisor => {
            Ok(Condition::all().add(notice::Column::Audience.eq(Audience::Supervisor.code())))
        }
        Role::Institution => {
            let institution_id = user.own_institution()?;
            Ok(Condition::all()
                .add(notice::Column::Audience.eq(Audience::Institution.code()))
                .add(notice::Column::InstitutionId.eq(institution_id)))
        }
        Role::Admin | Role::InfoOfficer | Role::Inspector => Err(ApiError::Forbidden),
    }
}

/// A notice to write.
pub struct NewNotice {
    pub audience: Audience,
    pub institution_id: Uuid,
    pub batch_id: Option<Uuid>,
    pub kind: &'static str,
    pub deadline_kind: Option<DeadlineKind>,
    pub deadline: Option<Date>,
    pub title: String,
    pub body: String,
    pub dedupe_key: String,
}

pub use crate::clock::micros;

/// Writes `notice` unless one with its dedupe key exists; whether it was written.
pub async fn insert_notice<C: ConnectionTrait>(
    conn: &C,
    notice: NewNotice,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let rows = notice::Entity::insert(notice::ActiveModel {
        id: Set(Uuid::now_v7()),
        audience: Set(notice.audience.code().to_owned()),
        institution_id: Set(notice.institution_id),
        batch_id: Set(notice.batch_id),
        kind: Set(notice.kind.to_owned()),
        deadline_kind: Set(notice.deadline_kind.map(|k| k.code().to_owned())),
        deadline: Set(notice.deadline),
        title: Set(notice.title),
        body: Set(notice.body),
        dedupe_key: Set(notice.dedupe_key),
        created_at: Set(micros(now)),
    })
    .on_conflict(
        OnConflict::column(notice::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(rows > 0)
}

/// Writes an outbox event (unless `dedupe_key` is given and already used); whether it was
/// written. The payload gets `event_id`, `event_type` and `occurred_at` added.
pub async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    event_type: &str,
    mut payload: Value,
    dedupe_key: Option<String>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let id = Uuid::now_v7();
    let now = micros(now);
    if let Some(object) = payload.as_object_mut() {
        object.insert("event_id".to_owned(), json!(id));
        object.insert("event_type".to_owned(), json!(event_type));
        object.insert(
            "occurred_at".to_owned(),
            json!(now.format(&Rfc3339).unwrap_or_default()),
        );
    }
    let rows = outbox_event::Entity::insert(outbox_event::ActiveModel {
        id: Set(id),
        event_type: Set(event_type.to_owned()),
        payload: Set(payload),
        dedupe_key: Set(dedupe_key),
        created_at: Set(now),
        delivered_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(outbox_event::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(rows > 0)
}

/// The batch number people see: the random tail of the UUIDv7, as the web app shows it.
pub fn batch_no(id: Uuid) -> String {
    let simple = id.simple().to_string().to_uppercase();
    simple[simple.len() - 8..].to_owned()
}

/// `2026-03-10` or `2026-03-10 至 2026-03-11`.
pub fn exam_days(b: &batch::Model) -> String {
    if b.exam_start == b.exam_end {
        b.exam_start.to_string()
    } else {
        format!("{} 至 {}", b.exam_start, b.exam_end)
    }
}

/// The `batch` object of an event payload.
pub fn batch_payload(b: &batch::Model, institution_name: &str) -> Value {
    json!({
        "id": b.id,
        "number": batch_no(b.id),
        "institution_id": b.institution_id,
        "institution_name": institution_name,
        "kind": b.kind,
        "module": b.module,
        "year": b.year,
        "exam_start": b.exam_start.to_string(),
        "exam_end": b.exam_end.to_string(),
    })
}

/// The event type of a deadline alert.
pub const fn alert_event_type(state: AlertState) -> &'static str {
    match state {
        AlertState::Approaching => DEADLINE_APPROACHING,
        AlertState::Passed => DEADLINE_PASSED,
    }
}

/// The dedupe key of a deadline alert's event, and with an audience of its notice: one per
/// batch, deadline kind, approaching/passed, deadline date (and audience). An extension moves
/// the date, so the new deadline is announced afresh.
pub fn alert_key(batch_id: Uuid, alert: &DeadlineAlert, audience: Option<Audience>) -> String {
    let base = format!(
        "{}:{}:{}:{}",
        alert_event_type(alert.state),
        batch_id,
        alert.kind.code(),
        alert.deadline
    );
    match audience {
        Some(audience) => format!("{base}:{}", audience.code()),
        None => base,
    }
}

/// Title and body of a deadline notice for `audience`.
pub fn alert_text(
    b: &batch::Model,
    institution_name: &str,
    alert: &DeadlineAlert,
    audience: Audience,
) -> (String, String) {
    let title = format!("{}{}", alert.kind.name_zh(), alert.state.name_zh());
    let who = match audience {
        Audience::Institution => String::new(),
        Audience::Supervisor => format!("{institution_name}的"),
    };
    let head = format!(
        "{who}认定批次 {}（考试日期 {}）",
        batch_no(b.id),
        exam_days(b)
    );
    let body = match alert.state {
        AlertState::Approaching if alert.days_left == 0 => format!(
            "{head}的{}为今天（{}）：请今天内{}。",
            alert.kind.name_zh(),
            alert.deadline,
            alert.kind.duty_zh()
        ),
        AlertState::Approaching => format!(
            "{head}的{}为 {}，还剩 {} 天：请按期{}。",
            alert.kind.name_zh(),
            alert.deadline,
            alert.days_left,
            alert.kind.duty_zh()
        ),
        AlertState::Passed => format!(
            "{head}的{}已于 {} 届满，尚未{}（{}）。",
            alert.kind.name_zh(),
            alert.deadline,
            alert.kind.duty_zh(),
            alert.kind.rule().code()
        ),
    };
    (title, body)
}
