//! 考务安排 (SPEC §3 social_training step 3, §8 `PUT /batches/{id}/arrangement`): the exam
//! sessions (occupation, level, subject, start/end, venue, exam form) and the staff (考评员, 监考,
//! with their certificate numbers). Whether the arrangement matches the approved plan and meets
//! the deadline is the domain's ARRANGEMENT_MISMATCH / ARRANGEMENT_DEADLINE, checked at
//! submission; here only the shape of the input is validated.

use actix_web::{get, put, web};
use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::arrangement::{self, Booking, BookingPlace};
use skillcert_domain::calendar;
use skillcert_domain::codecs::{OccupationCode, Region};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InstitutionKind, Level, Role, Step, StepState};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches;
use crate::entities::{arrangement_session, arrangement_staff};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_arrangement).service(put_arrangement);
}

const SUBJECTS: &[&str] = &["theory", "skill", "review"];
const EXAM_FORMS: &[&str] = &["online_computer", "practical", "review"];
const STAFF_ROLES: &[&str] = &["examiner", "invigilator"];
const MAX_CAPACITY: u32 = 10_000;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub occupation_code: String,
    pub level: u8,
    /// `theory` (理论知识), `skill` (操作技能) or `review` (综合评审).
    pub subject: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    pub venue: String,
    pub venue_region: String,
    /// `online_computer` (集中在线机考), `practical` or `review`.
    pub exam_form: String,
    /// Seats (考位): each subject's sessions of an occupation and level together seat its
    /// registered candidates (ARRANGEMENT_CAPACITY, checked at submission).
    pub capacity: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    pub name: String,
    /// `examiner` (考评员) or `invigilator` (监考).
    pub role: String,
    /// The 考评员/监考 certificate number: one person across every batch, so the same number in
    /// two sessions that overlap in time is refused (STAFF_DOUBLE_BOOKED).
    pub certificate_no: String,
    /// Positions (0-based) in `sessions` the person works in.
    pub sessions: Vec<u32>,
}

/// The whole arrangement; a PUT replaces it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrangement {
    pub sessions: Vec<SessionInput>,
    pub staff: Vec<StaffInput>,
}

fn validate(kind: InstitutionKind, input: &Arrangement) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| {
        out.push(Violation::new(RuleCode::Validation, message).field(field));
    };
    if input.sessions.is_empty() {
        bad("sessions".into(), "至少安排一个考试场次".into());
    }
    for (i, s) in input.sessions.iter().enumerate() {
        let f = |name: &str| format!("sessions[{i}].{name}");
        if let Err(e) = OccupationCode::parse(&s.occupation_code) {
            bad(f("occupation_code"), e.to_string());
        }
        if let Err(e) = Level::try_from(s.level) {
            bad(f("level"), e.to_string());
        }
        if !SUBJECTS.contains(&s.subject.as_str()) {
            bad(f("subject"), format!("科目应为 {}", SUBJECTS.join("、")));
        }
        if !EXAM_FORMS.contains(&s.exam_form.as_str()) {
            bad(
                f("exam_form"),
                format!("考试形式应为 {}", EXAM_FORMS.join("、")),
            );
        }
        // seed §社会培训评价组织 一: "理论考试应采用集中在线机考的方式进行"
        if kind == InstitutionKind::SocialTraining
            && s.subject == "theory"
            && s.exam_form != "online_computer"
        {
            bad(
                f("exam_form"),
                "社会培训评价组织的理论考试应采用集中在线机考（online_computer）".into(),
            );
        }
        if s.ends_at <= s.starts_at {
            bad(f("ends_at"), "结束时间应晚于开始时间".into());
        }
        if s.venue.trim().is_empty() {
            bad(f("venue"), "考试地点不能为空".into());
        }
        if !(1..=MAX_CAPACITY).contains(&s.capacity) {
            bad(
                f("capacity"),
                format!("考位数应在 1 至 {MAX_CAPACITY} 之间"),
            );
        }
        if let Err(e) = s.venue_region.parse::<Region>() {
            bad(f("venue_region"), e.to_string());
        }
    }
    for (i, p) in input.staff.iter().enumerate() {
        let f = |name: &str| format!("staff[{i}].{name}");
        if p.name.trim().is_empty() {
            bad(f("name"), "姓名不能为空".into());
        }
        if !STAFF_ROLES.contains(&p.role.as_str()) {
            bad(
                f("role"),
                "角色应为 examiner（考评员）或 invigilator（监考）".into(),
            );
        }
        if p.certificate_no.trim().is_empty() {
            bad(f("certificate_no"), "应填写考评员/监考人员证书编号".into());
        }
        if let Some(n) = p
            .sessions
            .iter()
            .find(|n| **n as usize >= input.sessions.len())
        {
            bad(f("sessions"), format!("场次 {n} 不存在"));
        }
        let distinct: BTreeSet<u32> = p.sessions.iter().copied().collect();
        if distinct.len() != p.sessions.len() {
            bad(f("sessions"), "同一场次不能重复列出".into());
        }
    }
    out
}

/// Certificate numbers compare without spaces around them or ASCII case.
fn certificate_key(certificate_no: &str) -> String {
    certificate_no.trim().to_ascii_uppercase()
}

fn own_bookings(input: &Arrangement) -> Vec<Booking> {
    let mut out = Vec::new();
    for (staff, person) in input.staff.iter().enumerate() {
        for &session in &person.sessions {
            let Some(s) = input.sessions.get(session as usize) else {
                continue;
            };
            out.push(Booking {
                certificate_no: certificate_key(&person.certificate_no),
                name: person.name.trim().to_owned(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                at: BookingPlace::Own {
                    staff,
                    session: session as usize,
                },
            });
        }
    }
    out
}

/// The sessions of other batches that the people of `input` work in.
async fn other_bookings<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
    input: &Arrangement,
) -> ApiResult<Vec<Booking>> {
    let keys: BTreeSet<String> = input
        .staff
        .iter()
        .map(|p| certificate_key(&p.certificate_no))
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let staff = arrangement_staff::Entity::find()
        .filter(arrangement_staff::Column::CertificateNo.is_in(keys))
        .filter(arrangement_staff::Column::BatchId.ne(batch_id))
        .all(conn)
        .await?;
    if staff.is_empty() {
        return Ok(Vec::new());
    }
    let batches: BTreeSet<Uuid> = staff.iter().map(|p| p.batch_id).collect();
    let sessions: BTreeMap<(Uuid, i32), arrangement_session::Model> =
        arrangement_session::Entity::find()
            .filter(arrangement_session::Column::BatchId.is_in(batches))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| ((s.batch_id, s.position), s))
            .collect();
    let mut out = Vec::new();
    for person in staff {
        let positions: Vec<i32> = serde_json::from_value(person.sessions).unwrap_or_default();
        for position in positions {
            let Some(s) = sessions.get(&(person.batch_id, position)) else {
                continue;
            };
            // Another institution's batch: say when, not whose.
            let when = format!(
                "{} 至 {}",
                calendar::china_minute(s.starts_at),
                calendar::china_minute(s.ends_at)
            );
            out.push(Booking {
                certificate_no: person.certificate_no.clone(),
                name: person.name.clone(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                at: BookingPlace::Other { batch: when },
            });
        }
    }
    Ok(out)
}

async fn read(state: &AppState, batch_id: Uuid) -> ApiResult<Arrangement> {
    let sessions = arrangement_session::Entity::find()
        .filter(arrangement_session::Column::BatchId.eq(batch_id))
        .order_by_asc(arrangement_session::Column::Position)
        .all(&state.db.conn)
        .await?
        .into_iter()
        .map(|s| SessionInput {
            occupation_code: s.occupation_code,
            level: u8::try_from(s.level).unwrap_or(0),
            subject: s.subject,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            venue: s.venue,
            venue_region: s.venue_region,
            exam_form: s.exam_form,
            capacity: u32::try_from(s.capacity).unwrap_or(0),
        })
        .collect();
    let staff = arrangement_staff::Entity::find()
        .filter(arrangement_staff::Column::BatchId.eq(batch_id))
        .all(&state.db.conn)
        .await?
        .into_iter()
        .map(|p| StaffInput {
            name: p.name,
            role: p.role,
            certificate_no: p.certificate_no,
            sessions: serde_json::from_value(p.sessions).unwrap_or_default(),
        })
        .collect();
    Ok(Arrangement { sessions, staff })
}

/// The batch's exam arrangement.
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Arrangement), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/batches/{id}/arrangement")]
pub async fn get_arrangement(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Arrangement>> {
    let batch = tenancy::find_batch_to_read(&state.db.conn, &user, id.into_inner()).await?;
    Ok(web::Json(read(&state, batch.id).await?))
}

/// Replace the arrangement while the arrangement step is open (draft or returned).
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path)),
    request_body = Arrangement,
    responses(
        (status = 200, body = Arrangement), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[put("/batches/{id}/arrangement")]
pub async fn put_arrangement(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<Arrangement>,
) -> ApiResult<web::Json<Arrangement>> {
    user.require(&[Role::Institution])?;
    let batch = tenancy::find_batch_to_write(&state.db.conn, &user, id.into_inner()).await?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    let process = loaded.process()?;
    if process.step(Step::Arrangement).is_none() {
        return Err(ApiError::invalid_state("本批次的流程没有考务安排环节"));
    }
    let open = loaded
        .step_states()?
        .get(Step::Arrangement)
        .is_some_and(batches::open_for_work);
    if !open {
        return Err(ApiError::invalid_state(format!(
            "考务安排环节当前为“{}”，只有办理中或已退回时可以修改",
            loaded
                .step_states()?
                .get(Step::Arrangement)
                .unwrap_or(StepState::NotStarted)
                .name_zh()
        )));
    }
    let input = body.into_inner();
    let violations = validate(loaded.kind()?, &input);
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let batch_id = loaded.batch.id;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    // Two arrangements saved at once must not both pass the check against each other.
    state.db.serialize_on(&txn, "arrangement_staff").await?;
    let clashes = arrangement::double_bookings(
        &own_bookings(&input),
        &other_bookings(&*txn, batch_id, &input).await?,
    );
    if !clashes.is_empty() {
        return Err(ApiError::Unprocessable(clashes));
    }
    arrangement_staff::Entity::delete_many()
        .filter(arrangement_staff::Column::BatchId.eq(batch_id))
        .exec(&*txn)
        .await?;
    arrangement_session::Entity::delete_many()
        .filter(arrangement_session::Column::BatchId.eq(batch_id))
        .exec(&*txn)
        .await?;
    for (position, s) in input.sessions.iter().enumerate() {
        arrangement_session::Entity::insert(arrangement_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            batch_id: Set(batch_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            occupation_code: Set(s.occupation_code.clone()),
            level: Set(i16::from(s.level)),
            subject: Set(s.subject.clone()),
            starts_at: Set(s.starts_at),
            ends_at: Set(s.ends_at),
            venue: Set(s.venue.trim().to_owned()),
            venue_region: Set(s.venue_region.clone()),
            exam_form: Set(s.exam_form.clone()),
            capacity: Set(i32::try_from(s.capacity).unwrap_or(i32::MAX)),
        })
        .exec(&*txn)
        .await?;
    }
    for p in &input.staff {
        arrangement_staff::Entity::insert(arrangement_staff::ActiveModel {
            id: Set(Uuid::now_v7()),
            batch_id: Set(batch_id),
            name: Set(p.name.trim().to_owned()),
            role: Set(p.role.clone()),
            certificate_no: Set(certificate_key(&p.certificate_no)),
            sessions: Set(json!(p.sessions)),
        })
        .exec(&*txn)
        .await?;
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "arrangement.put",
            entity_type: "batch",
            entity_id: batch_id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({ "sessions": input.sessions.len(), "staff": input.staff.len() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(read(&state, batch_id).await?))
}
