//! 双随机、一公开 (SPEC §7): taking the pools, committing to a seed, running the domain's
//! deterministic draw, assigning inspections, and recomputing a published draw. The routes
//! (`routes/draws.rs`) and `skillcert verify-draw` call in here; the procedure itself is
//! `skillcert_domain::draw`, whose documentation a member of the public can follow by hand.
//!
//! Lifecycle of a draw:
//! 1. **committed** — a supervisor defines the pools. The platform snapshots them at once (the
//!    batches that match the filter and are under supervision, the inspectors with their
//!    affiliations, and the previous draw's inspector–institution pairs), writes the canonical
//!    pool JSON and its digest, draws a 32-byte seed from the operating system's CSPRNG, keeps
//!    it sealed (XChaCha20-Poly1305 under the field key) and publishes its commitment
//!    SHA-256(seed) together with the pool digest.
//! 2. **drawn** — a supervisor runs it: the seed is unsealed, checked against the commitment,
//!    the draw runs on the stored snapshot, the seed and the result are published and one
//!    inspection is assigned per picked batch and inspector.
//!
//! Touches `draws`, `inspections`; reads `batches`, `batch_steps`, `institutions`, `users`,
//! `inspector_affiliations`. Every change is audited in its transaction.

use std::collections::{BTreeMap, BTreeSet};

use rand::TryRngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::iso_date;
use skillcert_domain::catalogue;
use skillcert_domain::codecs::Region;
use skillcert_domain::draw::{
    self, DrawInput, DrawResult, PoolBatch, PoolInspector, PreviousAssignment, Seed, Verification,
};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::state::StepStates;
use skillcert_domain::supervision::{self, Drawable};
use skillcert_domain::{InspectionMode, InstitutionKind, Module, Role, Step, StepState};
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::entities::{batch, batch_step, draw as draw_entity, institution, user};
use crate::error::ApiError;
use crate::state::AppState;

pub const COMMITTED: &str = "committed";
pub const DRAWN: &str = "drawn";

/// The Chinese name of a draw status.
pub fn status_name(status: &str) -> &'static str {
    match status {
        COMMITTED => "已公布种子承诺，待抽取",
        DRAWN => "已抽取并公开",
        _ => "未知",
    }
}

/// Most batches one draw may pick and inspectors one batch may get: a sanity bound, not a rule.
pub const MAX_BATCH_COUNT: i64 = 500;
pub const MAX_INSPECTORS_PER_BATCH: i64 = 10;
const MAX_TITLE_CHARS: usize = 200;

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// Which batches go into the pool. Every batch under external supervision — plan approved
/// (self-assessed batches: created) and certificate decision not yet made — that matches every
/// given field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchPoolFilter {
    /// Institution kind: `employer`, `social_training` or `tech_school`.
    pub kind: Option<String>,
    /// The exam venue's 地市 code, e.g. `4103` (洛阳).
    pub region: Option<String>,
    /// With `exam_to`: batches whose exam period overlaps [exam_from, exam_to].
    #[schema(value_type = Option<String>, format = Date)]
    pub exam_from: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub exam_to: Option<String>,
    /// Only batches whose step is open (draft, submitted or returned): e.g. `supervision`
    /// (social training) or `data_audit` (self-assessed batches awaiting the 证书数据审核).
    pub step: Option<String>,
}

/// A new draw (SPEC §7).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraw {
    pub title: String,
    /// `on_site` (现场督导), `remote_video` (远程视频督导) or `spot_check` (抽查).
    pub mode: String,
    #[serde(default)]
    pub batch_filter: BatchPoolFilter,
    /// The inspector pool; default every active inspector account.
    #[serde(default)]
    pub inspector_ids: Option<Vec<Uuid>>,
    /// k: how many batches to pick (at most the pool).
    pub batch_count: i64,
    /// m: how many inspectors each picked batch gets.
    pub inspectors_per_batch: i64,
}

struct ParsedFilter {
    kind: Option<InstitutionKind>,
    region: Option<Region>,
    exam_from: Option<Date>,
    exam_to: Option<Date>,
    step: Option<Step>,
}

fn invalid(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn parse_filter(filter: &BatchPoolFilter, violations: &mut Vec<Violation>) -> ParsedFilter {
    let mut parsed = ParsedFilter {
        kind: None,
        region: None,
        exam_from: None,
        exam_to: None,
        step: None,
    };
    if let Some(kind) = &filter.kind {
        match kind.parse() {
            Ok(kind) => parsed.kind = Some(kind),
            Err(_) => violations.push(invalid(
                "batch_filter.kind",
                format!("机构类型“{kind}”不存在"),
            )),
        }
    }
    if let Some(region) = &filter.region {
        match region.parse() {
            Ok(region) => parsed.region = Some(region),
            Err(_) => violations.push(invalid(
                "batch_filter.region",
                format!("地市代码“{region}”不是河南省的地市"),
            )),
        }
    }
    for (field, text, slot) in [
        (
            "batch_filter.exam_from",
            &filter.exam_from,
            &mut parsed.exam_from,
        ),
        ("batch_filter.exam_to", &filter.exam_to, &mut parsed.exam_to),
    ] {
        if let Some(text) = text {
            match iso_date::parse(text) {
                Ok(date) => *slot = Some(date),
                Err(_) => violations.push(invalid(field, format!("日期“{text}”应为 YYYY-MM-DD"))),
            }
        }
    }
    if let (Some(from), Some(to)) = (parsed.exam_from, parsed.exam_to)
        && from > to
    {
        violations.push(invalid(
            "batch_filter.exam_to",
            "考试日期范围的结束日不能早于开始日",
        ));
    }
    if let Some(step) = &filter.step {
        match step.parse::<Step>() {
            Ok(Step::Issuance) => violations.push(invalid(
                "batch_filter.step",
                "证书发放环节不在外部质量督导范围内",
            )),
            Ok(step) => parsed.step = Some(step),
            Err(_) => violations.push(invalid("batch_filter.step", format!("环节“{step}”不存在"))),
        }
    }
    parsed
}

impl ParsedFilter {
    /// The filter as stored with the draw (normalised codes and dates).
    fn stored(&self) -> serde_json::Value {
        json!({
            "kind": self.kind.map(InstitutionKind::code),
            "region": self.region.map(|r| r.code()),
            "exam_from": self.exam_from.map(|d| d.to_string()),
            "exam_to": self.exam_to.map(|d| d.to_string()),
            "step": self.step.map(Step::code),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Pools
// ---------------------------------------------------------------------------------------------

/// Display data captured with the pool, so published results keep the names of the day.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PoolLabels {
    pub batches: BTreeMap<String, BatchLabel>,
    pub inspectors: BTreeMap<String, InspectorLabel>,
    #[serde(default)]
    pub institutions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchLabel {
    pub institution_name: String,
    pub kind: String,
    pub module: String,
    pub exam_start: String,
    pub exam_end: String,
    pub venue_region: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InspectorLabel {
    pub display_name: String,
}

/// Both pools and the carried-over conflicts, ready to commit.
pub struct Pool {
    pub input: DrawInput,
    pub labels: PoolLabels,
    pub previous_draw_id: Option<Uuid>,
    pub filter: serde_json::Value,
}

/// The batches matching `filter` that are under supervision now.
async fn batch_pool<C: ConnectionTrait>(
    conn: &C,
    filter: &ParsedFilter,
    labels: &mut PoolLabels,
) -> Result<Vec<PoolBatch>, ApiError> {
    let mut query = batch::Entity::find();
    if let Some(kind) = filter.kind {
        query = query.filter(batch::Column::Kind.eq(kind.code()));
    }
    if let Some(region) = filter.region {
        query = query.filter(batch::Column::VenueRegion.eq(region.code()));
    }
    if let Some(from) = filter.exam_from {
        query = query.filter(batch::Column::ExamEnd.gte(from));
    }
    if let Some(to) = filter.exam_to {
        query = query.filter(batch::Column::ExamStart.lte(to));
    }
    let rows = query.order_by_asc(batch::Column::Id).all(conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|b| b.id).collect();
    let mut steps: BTreeMap<Uuid, Vec<(Step, StepState)>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for row in batch_step::Entity::find()
            .filter(batch_step::Column::BatchId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            if let (Ok(step), Ok(state)) = (row.step.parse(), row.state.parse()) {
                steps.entry(row.batch_id).or_default().push((step, state));
            }
        }
    }
    let institution_ids: BTreeSet<Uuid> = rows.iter().map(|b| b.institution_id).collect();
    let names: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(institution_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let mut pool = Vec::new();
    for row in rows {
        let (Ok(kind), Ok(module)) = (
            row.kind.parse::<InstitutionKind>(),
            row.module.parse::<Module>(),
        ) else {
            continue;
        };
        let Some(process) = catalogue::process(kind, module) else {
            continue;
        };
        let states = StepStates::from_rows(process, steps.remove(&row.id).unwrap_or_default());
        if supervision::drawable(process, &states, filter.step) != Drawable::Yes {
            continue;
        }
        let institution_name = names.get(&row.institution_id).cloned().unwrap_or_default();
        labels
            .institutions
            .insert(row.institution_id.to_string(), institution_name.clone());
        labels.batches.insert(
            row.id.to_string(),
            BatchLabel {
                institution_name,
                kind: row.kind.clone(),
                module: row.module.clone(),
                exam_start: row.exam_start.to_string(),
                exam_end: row.exam_end.to_string(),
                venue_region: row.venue_region.clone(),
            },
        );
        pool.push(PoolBatch {
            batch_id: row.id.to_string(),
            institution_id: row.institution_id.to_string(),
        });
    }
    Ok(pool)
}

/// The given inspectors (each must be an active inspector account), or every active one.
async fn inspector_pool<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[Uuid]>,
    labels: &mut PoolLabels,
    violations: &mut Vec<Violation>,
) -> Result<Vec<PoolInspector>, ApiError> {
    let rows = match ids {
        None => {
            user::Entity::find()
                .filter(user::Column::Role.eq(Role::Inspector.code()))
                .filter(user::Column::Disabled.eq(false))
                .all(conn)
                .await?
        }
        Some(ids) => {
            let found = user::Entity::find()
                .filter(user::Column::Id.is_in(ids.to_vec()))
                .all(conn)
                .await?;
            let mut seen = BTreeSet::new();
            for (index, id) in ids.iter().enumerate() {
                let field = format!("inspector_ids[{index}]");
                if !seen.insert(*id) {
                    violations.push(invalid(&field, format!("督导人员 {id} 重复")));
                    continue;
                }
                match found.iter().find(|u| u.id == *id) {
                    None => violations.push(
                        invalid(&field, format!("督导人员 {id} 不存在"))
                            .details(json!({ "inspector_id": id })),
                    ),
                    Some(u) if u.role != Role::Inspector.code() => violations.push(
                        invalid(&field, format!("用户“{}”不是质量督导员", u.display_name))
                            .details(json!({ "inspector_id": id })),
                    ),
                    Some(u) if u.disabled => violations.push(
                        invalid(
                            &field,
                            format!("质量督导员“{}”的账号已停用", u.display_name),
                        )
                        .details(json!({ "inspector_id": id })),
                    ),
                    Some(_) => {}
                }
            }
            found
                .into_iter()
                .filter(|u| u.role == Role::Inspector.code() && !u.disabled)
                .collect()
        }
    };
    let user_ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let mut affiliations = crate::users::affiliations_of(conn, &user_ids).await?;
    let mut pool = Vec::with_capacity(rows.len());
    for u in rows {
        labels.inspectors.insert(
            u.id.to_string(),
            InspectorLabel {
                display_name: u.display_name.clone(),
            },
        );
        pool.push(PoolInspector {
            inspector_id: u.id.to_string(),
            affiliated_institution_ids: affiliations
                .remove(&u.id)
                .unwrap_or_default()
                .iter()
                .map(Uuid::to_string)
                .collect(),
        });
    }
    Ok(pool)
}

/// The most recent drawn draw and its inspector–institution pairs (SPEC §7: the same inspector
/// does not inspect the same institution in two consecutive draws).
async fn previous_assignments<C: ConnectionTrait>(
    conn: &C,
) -> Result<(Option<Uuid>, Vec<PreviousAssignment>), ApiError> {
    let Some(last) = draw_entity::Entity::find()
        .filter(draw_entity::Column::Status.eq(DRAWN))
        .order_by_desc(draw_entity::Column::DrawnAt)
        .order_by_desc(draw_entity::Column::Id)
        .one(conn)
        .await?
    else {
        return Ok((None, Vec::new()));
    };
    let result = stored_result(&last)?;
    let pairs = result
        .picks
        .iter()
        .flat_map(|pick| {
            pick.inspector_ids
                .iter()
                .map(|inspector| PreviousAssignment {
                    inspector_id: inspector.clone(),
                    institution_id: pick.institution_id.clone(),
                })
        })
        .collect();
    Ok((Some(last.id), pairs))
}

/// Checks `new` (every violation at once, 422) and snapshots both pools now.
pub async fn prepare<C: ConnectionTrait>(
    conn: &C,
    new: &NewDraw,
) -> Result<(String, InspectionMode, Pool), ApiError> {
    let mut violations = Vec::new();
    let title = new.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        violations.push(invalid(
            "title",
            format!("抽查名称应为 1–{MAX_TITLE_CHARS} 个字符"),
        ));
    }
    let mode = match new.mode.parse::<InspectionMode>() {
        Ok(mode) => Some(mode),
        Err(_) => {
            violations.push(invalid(
                "mode",
                "督导方式应为 on_site（现场督导）、remote_video（远程视频督导）或 spot_check（抽查）",
            ));
            None
        }
    };
    if !(1..=MAX_BATCH_COUNT).contains(&new.batch_count) {
        violations.push(invalid(
            "batch_count",
            format!("抽取批次数应为 1–{MAX_BATCH_COUNT}"),
        ));
    }
    if !(1..=MAX_INSPECTORS_PER_BATCH).contains(&new.inspectors_per_batch) {
        violations.push(invalid(
            "inspectors_per_batch",
            format!("每个批次的督导人员数应为 1–{MAX_INSPECTORS_PER_BATCH}"),
        ));
    }
    let filter = parse_filter(&new.batch_filter, &mut violations);
    let mut labels = PoolLabels::default();
    let batches = batch_pool(conn, &filter, &mut labels).await?;
    if batches.is_empty() {
        violations.push(invalid(
            "batch_filter",
            "没有符合条件、正处于外部质量督导期间的认定批次（计划已通过、证书环节尚未审核通过）",
        ));
    }
    let before = violations.len();
    let inspectors = inspector_pool(
        conn,
        new.inspector_ids.as_deref(),
        &mut labels,
        &mut violations,
    )
    .await?;
    if inspectors.is_empty() && violations.len() == before {
        violations.push(invalid(
            "inspector_ids",
            "督导人员库为空：没有可用的质量督导员账号",
        ));
    }
    let (Some(mode), true) = (mode, violations.is_empty()) else {
        return Err(ApiError::Unprocessable(violations));
    };
    let (previous_draw_id, previous_assignments) = previous_assignments(conn).await?;
    let input = DrawInput {
        batches,
        inspectors,
        previous_assignments,
        batch_count: u32::try_from(new.batch_count).unwrap_or(0),
        inspectors_per_batch: u32::try_from(new.inspectors_per_batch).unwrap_or(0),
    };
    // The domain's own refusals (duplicates cannot happen here; kept as the last word).
    draw::check(&input).map_err(|e| {
        ApiError::Unprocessable(vec![Violation::new(RuleCode::Validation, e.to_string())])
    })?;
    Ok((
        title,
        mode,
        Pool {
            input,
            labels,
            previous_draw_id,
            filter: filter.stored(),
        },
    ))
}

/// 32 bytes from the operating system's CSPRNG.
pub fn fresh_seed() -> Result<Seed, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("random seed: {e}")))?;
    Ok(Seed::from_bytes(bytes))
}

/// The committed draw's seed, unsealed and checked against its commitment.
pub fn unseal(state: &AppState, row: &draw_entity::Model) -> Result<Seed, ApiError> {
    let sealed = row
        .seed_sealed
        .as_deref()
        .ok_or_else(|| ApiError::Internal(format!("draw {} has no sealed seed", row.id)))?;
    let text = state
        .pii
        .decrypt(sealed)
        .map_err(|e| ApiError::Internal(format!("draw {} seed: {e}", row.id)))?;
    let seed = Seed::parse(&text)
        .map_err(|_| ApiError::Internal(format!("draw {} seed is malformed", row.id)))?;
    if !draw::verify_commitment(&seed, &row.commitment) {
        return Err(ApiError::Internal(format!(
            "draw {} seed does not match its commitment",
            row.id
        )));
    }
    Ok(seed)
}

pub fn stored_result(row: &draw_entity::Model) -> Result<DrawResult, ApiError> {
    let value = row
        .result
        .clone()
        .ok_or_else(|| ApiError::Internal(format!("drawn draw {} has no result", row.id)))?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::Internal(format!("draw {} result: {e}", row.id)))
}

pub fn stored_labels(row: &draw_entity::Model) -> PoolLabels {
    serde_json::from_value(row.pool_labels.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Verification (the public endpoint and `skillcert verify-draw`)
// ---------------------------------------------------------------------------------------------

/// Recomputes a drawn draw from its stored published data; `None` while it is only committed.
pub fn verify(row: &draw_entity::Model) -> Option<Verification> {
    let seed = row.seed.as_deref()?;
    let result = row
        .result
        .clone()
        .and_then(|value| serde_json::from_value::<DrawResult>(value).ok());
    Some(match result {
        Some(result) => draw::verify_published(
            &row.pool_snapshot,
            seed,
            &row.commitment,
            &row.pool_digest,
            &result,
        ),
        None => Verification {
            commitment_ok: Seed::parse(seed)
                .is_ok_and(|s| draw::verify_commitment(&s, &row.commitment)),
            pool_digest_ok: false,
            result_ok: false,
            matches: false,
        },
    })
}

/// What `skillcert verify-draw` reports.
pub enum StoredVerification {
    Missing,
    NotDrawn,
    Checked(Verification),
}

/// Loads draw `id` and recomputes it: the function behind `skillcert verify-draw`.
pub async fn verify_stored<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<StoredVerification, ApiError> {
    let Some(row) = draw_entity::Entity::find_by_id(id).one(conn).await? else {
        return Ok(StoredVerification::Missing);
    };
    Ok(match verify(&row) {
        None => StoredVerification::NotDrawn,
        Some(v) => StoredVerification::Checked(v),
    })
}
