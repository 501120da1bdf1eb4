//! Batches (认定批次): loading one with everything the rules need, turning it into the domain's
//! snapshot, and writing the step changes the state machine plans. The rules themselves are the
//! domain crate's; nothing here decides whether a rule holds.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::{WorkCalendar, china_date, iso_date};
use skillcert_domain::catalogue::{self, Process, Reviewer};
use skillcert_domain::codecs::{OccupationCode, Region};
use skillcert_domain::rules::{
    self, ApprovedPlan, BatchSnapshot, CandidateFacts, Disposition, DispositionDecision,
    OccupationLine, SessionFacts, StepFacts, WarningFacts,
};
use skillcert_domain::state::{StepChange, StepEvent, StepStates};
use skillcert_domain::warnings::WarningCode;
use skillcert_domain::{InstitutionKind, Level, MaterialKind, Method, Module, Step, StepState};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entities::{
    annual_plan, arrangement_session, batch, batch_occupation, batch_step, candidate,
    candidate_result, candidate_warning, institution, institution_filing, material, step_decision,
};
use crate::error::ApiError;

/// One batch with its rows.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub batch: batch::Model,
    pub institution: institution::Model,
    pub occupations: Vec<batch_occupation::Model>,
    pub steps: Vec<batch_step::Model>,
}

fn stored<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::Internal(format!("stored {what} `{value}` is not valid")))
}

impl Loaded {
    pub fn kind(&self) -> Result<InstitutionKind, ApiError> {
        stored("kind", &self.batch.kind)
    }

    pub fn module(&self) -> Result<Module, ApiError> {
        stored("module", &self.batch.module)
    }

    pub fn process(&self) -> Result<&'static Process, ApiError> {
        catalogue::process(self.kind()?, self.module()?)
            .ok_or_else(|| ApiError::Internal("batch without a process".to_owned()))
    }

    pub fn step_states(&self) -> Result<StepStates, ApiError> {
        let process = self.process()?;
        let rows = self
            .steps
            .iter()
            .map(|row| {
                Ok((
                    stored::<Step>("step", &row.step)?,
                    stored("state", &row.state)?,
                ))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(StepStates::from_rows(process, rows))
    }

    pub fn step_row(&self, step: Step) -> Option<&batch_step::Model> {
        self.steps.iter().find(|row| row.step == step.code())
    }
}

/// Loads a batch already known to be visible to the caller.
pub async fn load<C: ConnectionTrait>(conn: &C, batch: batch::Model) -> Result<Loaded, ApiError> {
    let institution = institution::Entity::find_by_id(batch.institution_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::Internal("batch without institution".to_owned()))?;
    let occupations = batch_occupation::Entity::find()
        .filter(batch_occupation::Column::BatchId.eq(batch.id))
        .order_by_asc(batch_occupation::Column::OccupationCode)
        .order_by_desc(batch_occupation::Column::Level)
        .all(conn)
        .await?;
    let steps = batch_step::Entity::find()
        .filter(batch_step::Column::BatchId.eq(batch.id))
        .all(conn)
        .await?;
    Ok(Loaded {
        batch,
        institution,
        occupations,
        steps,
    })
}

/// Loads several batches already known to be visible, in three queries whatever their number
/// (lists), keeping their order.
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<batch::Model>,
) -> Result<Vec<Loaded>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|b| b.id).collect();
    let institution_ids: BTreeSet<Uuid> = rows.iter().map(|b| b.institution_id).collect();
    let institutions: BTreeMap<Uuid, institution::Model> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(institution_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut occupations: BTreeMap<Uuid, Vec<batch_occupation::Model>> = BTreeMap::new();
    for row in batch_occupation::Entity::find()
        .filter(batch_occupation::Column::BatchId.is_in(ids.clone()))
        .order_by_asc(batch_occupation::Column::OccupationCode)
        .order_by_desc(batch_occupation::Column::Level)
        .all(conn)
        .await?
    {
        occupations.entry(row.batch_id).or_default().push(row);
    }
    let mut steps: BTreeMap<Uuid, Vec<batch_step::Model>> = BTreeMap::new();
    for row in batch_step::Entity::find()
        .filter(batch_step::Column::BatchId.is_in(ids))
        .all(conn)
        .await?
    {
        steps.entry(row.batch_id).or_default().push(row);
    }
    rows.into_iter()
        .map(|batch| {
            let institution = institutions
                .get(&batch.institution_id)
                .cloned()
                .ok_or_else(|| ApiError::Internal("batch without institution".to_owned()))?;
            Ok(Loaded {
                institution,
                occupations: occupations.remove(&batch.id).unwrap_or_default(),
                steps: steps.remove(&batch.id).unwrap_or_default(),
                batch,
            })
        })
        .collect()
}

/// The step states of every batch matching `condition` (a condition on `batches`), in one
/// query; rows with an unknown step or state code are skipped.
pub async fn step_states_where<C: ConnectionTrait>(
    conn: &C,
    condition: sea_orm::Condition,
) -> Result<BTreeMap<Uuid, Vec<(Step, StepState)>>, ApiError> {
    let in_scope = sea_orm::sea_query::Query::select()
        .column(batch::Column::Id)
        .from(batch::Entity)
        .cond_where(condition)
        .to_owned();
    let mut steps: BTreeMap<Uuid, Vec<(Step, StepState)>> = BTreeMap::new();
    for row in batch_step::Entity::find()
        .filter(batch_step::Column::BatchId.in_subquery(in_scope))
        .all(conn)
        .await?
    {
        if let (Ok(step), Ok(step_state)) = (row.step.parse::<Step>(), row.state.parse()) {
            steps
                .entry(row.batch_id)
                .or_default()
                .push((step, step_state));
        }
    }
    Ok(steps)
}

/// Registered candidates (not withdrawn, not found ineligible — as [`Loaded::snapshot`] counts
/// them) per (batch, occupation code, level), for several batches in one query.
pub async fn registered_counts<C: ConnectionTrait>(
    conn: &C,
    batch_ids: &[Uuid],
) -> Result<BTreeMap<(Uuid, String, i16), u32>, ApiError> {
    let rows: Vec<(Uuid, String, i16, i64)> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::BatchId)
        .column(candidate::Column::OccupationCode)
        .column(candidate::Column::Level)
        .column_as(candidate::Column::Id.count(), "registered")
        .filter(candidate::Column::BatchId.is_in(batch_ids.iter().copied()))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .filter(candidate::Column::Eligibility.ne("ineligible"))
        .group_by(candidate::Column::BatchId)
        .group_by(candidate::Column::OccupationCode)
        .group_by(candidate::Column::Level)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(batch, code, level, n)| ((batch, code, level), u32::try_from(n).unwrap_or(0)))
        .collect())
}

/// The plan fields of a batch, as created or edited.
#[derive(Debug, Clone)]
pub struct PlanFields {
    pub module: Module,
    pub method: Method,
    pub year: i32,
    pub exam_start: Date,
    pub exam_end: Date,
    pub venue: String,
    pub venue_region: Region,
    pub occupations: Vec<(OccupationCode, Level, u32)>,
}

/// The institution facts the batch rules need.
pub struct InstitutionFacts {
    pub kind: InstitutionKind,
    pub region: Region,
    pub filed: Vec<(OccupationCode, Level)>,
    pub annual_plan_on_file: bool,
}

pub async fn institution_facts<C: ConnectionTrait>(
    conn: &C,
    institution: &institution::Model,
    year: i32,
) -> Result<InstitutionFacts, ApiError> {
    let filed = institution_filing::Entity::find()
        .filter(institution_filing::Column::InstitutionId.eq(institution.id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|row| {
            let code = OccupationCode::parse(&row.occupation_code).ok()?;
            let level = Level::try_from(u8::try_from(row.level).ok()?).ok()?;
            Some((code, level))
        })
        .collect();
    let annual_plan_on_file = annual_plan::Entity::find()
        .filter(annual_plan::Column::InstitutionId.eq(institution.id))
        .filter(annual_plan::Column::Year.eq(year))
        .one(conn)
        .await?
        .is_some();
    Ok(InstitutionFacts {
        kind: stored("institution kind", &institution.kind)?,
        region: stored("region", &institution.region)?,
        filed,
        annual_plan_on_file,
    })
}

/// A snapshot of plan fields alone (creation and edits), before any step has run.
pub fn plan_snapshot(
    fields: &PlanFields,
    institution: &InstitutionFacts,
    steps: Vec<StepFacts>,
) -> BatchSnapshot {
    BatchSnapshot {
        kind: institution.kind,
        module: fields.module,
        method: fields.method,
        year: fields.year,
        exam_start: fields.exam_start,
        exam_end: fields.exam_end,
        venue: fields.venue.clone(),
        venue_region: fields.venue_region,
        institution_region: institution.region,
        annual_plan_on_file: institution.annual_plan_on_file,
        filed: institution.filed.clone(),
        occupations: fields
            .occupations
            .iter()
            .map(|(code, level, planned)| OccupationLine {
                occupation_code: code.clone(),
                level: *level,
                planned_count: *planned,
                // Plan fields alone (creation, edits): `Loaded::snapshot` counts the candidates.
                registered_count: 0,
            })
            .collect(),
        candidates: Vec::new(),
        materials: Vec::new(),
        warnings: Vec::new(),
        steps,
        approved_plan: None,
        sessions: Vec::new(),
        completion_extended_to: None,
    }
}

impl Loaded {
    pub fn plan_fields(&self) -> Result<PlanFields, ApiError> {
        let occupations = self
            .occupations
            .iter()
            .map(|row| {
                Ok((
                    stored::<OccupationCode>("occupation", &row.occupation_code)?,
                    Level::try_from(u8::try_from(row.level).unwrap_or(0))
                        .map_err(|e| ApiError::Internal(e.to_string()))?,
                    u32::try_from(row.planned_count).unwrap_or(0),
                ))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(PlanFields {
            module: self.module()?,
            method: stored("method", &self.batch.method)?,
            year: self.batch.year,
            exam_start: self.batch.exam_start,
            exam_end: self.batch.exam_end,
            venue: self.batch.venue.clone(),
            venue_region: stored("venue region", &self.batch.venue_region)?,
            occupations,
        })
    }

    pub fn step_facts(&self) -> Result<Vec<StepFacts>, ApiError> {
        self.steps
            .iter()
            .map(|row| {
                Ok(StepFacts {
                    step: stored("step", &row.step)?,
                    state: stored("state", &row.state)?,
                    submitted_at: row.submitted_at,
                    first_submitted_at: row.first_submitted_at,
                })
            })
            .collect()
    }

    /// What a batch's view reads — its plan, steps, deadlines and registered counts per line —
    /// without the queries only the rules need (filings, annual plan, materials, candidates,
    /// warnings, sessions). `registered` is [`registered_counts`]'s map.
    pub fn view_snapshot(
        &self,
        registered: &BTreeMap<(Uuid, String, i16), u32>,
    ) -> Result<BatchSnapshot, ApiError> {
        let facts = InstitutionFacts {
            kind: stored("institution kind", &self.institution.kind)?,
            region: stored("region", &self.institution.region)?,
            filed: Vec::new(),
            annual_plan_on_file: false,
        };
        let mut snapshot = plan_snapshot(&self.plan_fields()?, &facts, self.step_facts()?);
        snapshot.completion_extended_to = self.batch.completion_extended_to;
        for line in &mut snapshot.occupations {
            line.registered_count = registered
                .get(&(
                    self.batch.id,
                    line.occupation_code.as_str().to_owned(),
                    i16::from(line.level.number()),
                ))
                .copied()
                .unwrap_or(0);
        }
        Ok(snapshot)
    }

    /// Everything the rules read, from the database.
    pub async fn snapshot<C: ConnectionTrait>(&self, conn: &C) -> Result<BatchSnapshot, ApiError> {
        let fields = self.plan_fields()?;
        let facts = institution_facts(conn, &self.institution, self.batch.year).await?;
        let mut snapshot = plan_snapshot(&fields, &facts, self.step_facts()?);
        snapshot.materials = current_material_kinds(conn, self.batch.id).await?;
        snapshot.approved_plan = self
            .batch
            .approved_plan
            .clone()
            .and_then(|value| serde_json::from_value::<StoredPlan>(value).ok())
            .map(StoredPlan::into_domain);
        snapshot.completion_extended_to = self.batch.completion_extended_to;
        self.candidate_facts(conn, &mut snapshot).await?;
        snapshot.sessions = arrangement_session::Entity::find()
            .filter(arrangement_session::Column::BatchId.eq(self.batch.id))
            .order_by_asc(arrangement_session::Column::Position)
            .all(conn)
            .await?
            .into_iter()
            .map(|row| {
                Ok(SessionFacts {
                    occupation_code: stored("occupation", &row.occupation_code)?,
                    level: Level::try_from(u8::try_from(row.level).unwrap_or(0))
                        .map_err(|e| ApiError::Internal(e.to_string()))?,
                    subject: row.subject,
                    date: china_date(row.starts_at),
                    venue: row.venue,
                    capacity: u32::try_from(row.capacity).unwrap_or(0),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(snapshot)
    }
}

impl Loaded {
    /// The registered candidates, the lines' registered counts and the candidates' warnings.
    ///
    /// Registered means not withdrawn and not found ineligible: a candidate whose eligibility is
    /// still `pending` counts, because the institution has not rejected them (资格审核 is the
    /// institution's own check, and an unreviewed candidate is still on the roster it submits).
    async fn candidate_facts<C: ConnectionTrait>(
        &self,
        conn: &C,
        snapshot: &mut BatchSnapshot,
    ) -> Result<(), ApiError> {
        let rows: Vec<(Uuid, String, i16, Option<i32>)> = candidate::Entity::find()
            .select_only()
            .column(candidate::Column::Id)
            .column(candidate::Column::OccupationCode)
            .column(candidate::Column::Level)
            .column(candidate::Column::GraduationYear)
            .filter(candidate::Column::BatchId.eq(self.batch.id))
            .filter(candidate::Column::WithdrawnAt.is_null())
            .filter(candidate::Column::Eligibility.ne("ineligible"))
            .order_by_asc(candidate::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        let passed: BTreeMap<Uuid, Option<bool>> = candidate_result::Entity::find()
            .select_only()
            .column(candidate_result::Column::CandidateId)
            .column(candidate_result::Column::Passed)
            .filter(candidate_result::Column::BatchId.eq(self.batch.id))
            .into_tuple::<(Uuid, Option<bool>)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let mut counts: BTreeMap<(String, i16), u32> = BTreeMap::new();
        let mut candidates = Vec::with_capacity(rows.len());
        for (id, code, level, graduation_year) in rows {
            *counts.entry((code.clone(), level)).or_default() += 1;
            candidates.push(CandidateFacts {
                id: id.to_string(),
                occupation_code: stored("occupation", &code)?,
                level: Level::try_from(u8::try_from(level).unwrap_or(0))
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                graduation_year,
                passed: passed.get(&id).copied().flatten(),
            });
        }
        for line in &mut snapshot.occupations {
            line.registered_count = counts
                .get(&(
                    line.occupation_code.as_str().to_owned(),
                    i16::from(line.level.number()),
                ))
                .copied()
                .unwrap_or(0);
        }
        let registered: BTreeSet<String> = candidates.iter().map(|c| c.id.clone()).collect();
        snapshot.candidates = candidates;
        // Through the batch's candidates: the warnings are indexed by (candidate_id, code).
        snapshot.warnings = candidate_warning::Entity::find()
            .filter(
                candidate_warning::Column::CandidateId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(candidate::Column::Id)
                        .from(candidate::Entity)
                        .and_where(candidate::Column::BatchId.eq(self.batch.id))
                        .to_owned(),
                ),
            )
            .order_by_asc(candidate_warning::Column::CandidateId)
            .order_by_asc(candidate_warning::Column::Code)
            .all(conn)
            .await?
            .into_iter()
            .filter(|w| registered.contains(&w.candidate_id.to_string()))
            .filter_map(|w| {
                let code = WarningCode::ALL
                    .iter()
                    .copied()
                    .find(|c| c.code() == w.code)?;
                let decision = match w.disposition.as_deref() {
                    Some("confirmed") => Some(DispositionDecision::Confirmed),
                    Some("dismissed") => Some(DispositionDecision::Dismissed),
                    _ => None,
                };
                Some(WarningFacts {
                    candidate_id: w.candidate_id.to_string(),
                    code,
                    disposition: decision.map(|decision| Disposition {
                        decision,
                        has_explanation: w
                            .explanation
                            .as_deref()
                            .is_some_and(|e| !e.trim().is_empty()),
                        has_evidence: w.evidence_material_id.is_some(),
                    }),
                })
            })
            .collect();
        Ok(())
    }
}

async fn current_material_kinds<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
) -> Result<Vec<MaterialKind>, ApiError> {
    let kinds: BTreeSet<MaterialKind> = material::Entity::find()
        .filter(material::Column::BatchId.eq(batch_id))
        .filter(material::Column::SupersededAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|row| row.kind.parse().ok())
        .collect();
    Ok(kinds.into_iter().collect())
}

/// The plan as approved, kept on the batch (SPEC §4 ARRANGEMENT_MISMATCH compares with it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPlan {
    #[serde(with = "iso_date")]
    pub exam_start: Date,
    #[serde(with = "iso_date")]
    pub exam_end: Date,
    pub venue: String,
    pub occupations: Vec<(String, u8)>,
}

impl StoredPlan {
    pub fn from_fields(fields: &PlanFields) -> Self {
        StoredPlan {
            exam_start: fields.exam_start,
            exam_end: fields.exam_end,
            venue: fields.venue.clone(),
            occupations: fields
                .occupations
                .iter()
                .map(|(code, level, _)| (code.as_str().to_owned(), level.number()))
                .collect(),
        }
    }

    fn into_domain(self) -> ApprovedPlan {
        ApprovedPlan {
            exam_start: self.exam_start,
            exam_end: self.exam_end,
            venue: self.venue,
            occupations: self
                .occupations
                .into_iter()
                .filter_map(|(code, level)| {
                    Some((
                        OccupationCode::parse(&code).ok()?,
                        Level::try_from(level).ok()?,
                    ))
                })
                .collect(),
        }
    }
}

/// Writes the planned step changes with conditional updates: a row changed by someone else in
/// the meantime (its version moved) makes the whole action a 409, so of two simultaneous
/// decisions exactly one wins. Answers the batch's step rows as they now stand (`now` should
/// be microseconds, as stored), so the caller need not read them back.
pub async fn apply_changes<C: ConnectionTrait>(
    conn: &C,
    loaded: &Loaded,
    changes: &[StepChange],
    now: OffsetDateTime,
) -> Result<Vec<batch_step::Model>, ApiError> {
    let mut rows = loaded.steps.clone();
    for change in changes {
        let code = change.step.code();
        let Some(row) = rows.iter_mut().find(|row| row.step == code) else {
            return Err(ApiError::Internal(format!("step row {code} missing")));
        };
        let version = row.version;
        let mut update = batch_step::Entity::update_many()
            .col_expr(batch_step::Column::State, Expr::value(change.to.code()))
            .col_expr(batch_step::Column::Version, Expr::value(version + 1))
            .filter(batch_step::Column::BatchId.eq(loaded.batch.id))
            .filter(batch_step::Column::Step.eq(code))
            .filter(batch_step::Column::Version.eq(version))
            .filter(batch_step::Column::State.eq(change.from.code()));
        match change.event {
            StepEvent::Submit => {
                update = update.col_expr(batch_step::Column::SubmittedAt, Expr::value(now));
                row.submitted_at = Some(now);
                if row.first_submitted_at.is_none() {
                    update =
                        update.col_expr(batch_step::Column::FirstSubmittedAt, Expr::value(now));
                    row.first_submitted_at = Some(now);
                }
            }
            StepEvent::Approve | StepEvent::Return | StepEvent::Close => {
                update = update.col_expr(batch_step::Column::DecidedAt, Expr::value(now));
                row.decided_at = Some(now);
            }
            StepEvent::Reset => {
                update = update
                    .col_expr(
                        batch_step::Column::SubmittedAt,
                        Expr::value(Option::<OffsetDateTime>::None),
                    )
                    .col_expr(
                        batch_step::Column::DecidedAt,
                        Expr::value(Option::<OffsetDateTime>::None),
                    );
                row.submitted_at = None;
                row.decided_at = None;
            }
            StepEvent::Open | StepEvent::Edit | StepEvent::Reopen => {}
        }
        let result = update.exec(conn).await?;
        if result.rows_affected != 1 {
            return Err(ApiError::Conflict {
                code: "INVALID_STATE",
                detail: format!("“{}”环节已被他人处理，请刷新后重试", change.step.name_zh()),
            });
        }
        row.state = change.to.code().to_owned();
        row.version = version + 1;
    }
    Ok(rows)
}

/// Writes the outbox events of a batch's step changes (docs/events.md): `step.submitted`,
/// `step.approved` and `step.returned` (a return, or an approved step reopened by a later
/// step's return), in the caller's transaction and in the order of the changes. `decision` is
/// the recorded decision, attached to the change of its step.
pub async fn step_events<C: ConnectionTrait>(
    conn: &C,
    loaded: &Loaded,
    changes: &[StepChange],
    decision: Option<&DecisionRecord<'_>>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    for change in changes {
        let event_type = match change.event {
            StepEvent::Submit => crate::notices::STEP_SUBMITTED,
            StepEvent::Approve => crate::notices::STEP_APPROVED,
            StepEvent::Return | StepEvent::Reopen => crate::notices::STEP_RETURNED,
            StepEvent::Open | StepEvent::Edit | StepEvent::Reset | StepEvent::Close => continue,
        };
        let mut payload = json!({
            "batch": crate::notices::batch_payload(&loaded.batch, &loaded.institution.name),
            "step": {
                "code": change.step,
                "name": change.step.name_zh(),
                "from": change.from,
                "to": change.to,
            },
        });
        let decided = decision.filter(|d| {
            d.step == change.step && matches!(change.event, StepEvent::Approve | StepEvent::Return)
        });
        if let (Some(d), Some(object)) = (decided, payload.as_object_mut()) {
            object.insert(
                "decision".to_owned(),
                json!({
                    "decision": d.decision,
                    "comment": d.comment,
                    "reasons": d.reasons,
                    "decided_by": d.decided_by,
                    "audit_method": d.audit_method,
                }),
            );
        }
        crate::notices::insert_event(conn, event_type, payload, None, now).await?;
    }
    Ok(())
}

/// A review decision to keep (a person's, or the platform's auto-approval).
pub struct DecisionRecord<'a> {
    pub batch_id: Uuid,
    pub step: Step,
    /// `approve` or `return`.
    pub decision: &'a str,
    pub comment: &'a str,
    pub reasons: serde_json::Value,
    /// None for the platform.
    pub decided_by: Option<Uuid>,
    /// For `data_audit`: `document_review` or `on_site_check`.
    pub audit_method: Option<&'a str>,
}

pub async fn record_decision<C: ConnectionTrait>(
    conn: &C,
    record: &DecisionRecord<'_>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    step_decision::Entity::insert(step_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        batch_id: Set(record.batch_id),
        step: Set(record.step.code().to_owned()),
        decision: Set(record.decision.to_owned()),
        comment: Set(record.comment.to_owned()),
        reasons: Set(record.reasons.clone()),
        decided_by: Set(record.decided_by),
        decided_at: Set(now),
        audit_method: Set(record.audit_method.map(str::to_owned)),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The steps a reviewer of `role` decides.
pub fn reviewer_for(process: &Process, step: Step) -> Option<Reviewer> {
    process.step(step).map(|def| def.reviewer)
}

/// The date a pending review is due: before the exam for the steps that lead to it, by the
/// completion deadline for those after it.
pub fn review_due(
    snapshot: &BatchSnapshot,
    step: Step,
    calendar: &WorkCalendar,
    now: OffsetDateTime,
) -> Date {
    match step {
        Step::Plan | Step::Registration | Step::Arrangement => snapshot.exam_start,
        Step::Supervision
        | Step::Certificate
        | Step::Materials
        | Step::DataAudit
        | Step::Issuance => rules::deadlines(snapshot, calendar, now).completion_deadline,
    }
}

/// Audit summary of a list of changes.
pub fn changes_summary(changes: &[StepChange]) -> serde_json::Value {
    json!(
        changes
            .iter()
            .map(|c| json!({ "step": c.step, "event": c.event, "from": c.from, "to": c.to }))
            .collect::<Vec<_>>()
    )
}

/// Whether `state` is one the institution can still work on.
pub fn open_for_work(state: StepState) -> bool {
    match state {
        StepState::Draft | StepState::Returned => true,
        StepState::NotStarted | StepState::Submitted | StepState::Approved => false,
    }
}
