//! Candidates (SPEC §5): validation of one candidate against its batch, set-based insertion, and
//! the warnings engine (预警信息). Personal data is encrypted, blind-indexed and masked here,
//! before anything reaches the database; nothing in this module logs a value.
//!
//! The warnings of a batch are recomputed as a whole after every change, with one query per
//! warning kind against the `id_blind` indexes — never one query per candidate — and the stored
//! set is brought in line: warnings that still apply keep their disposition, new ones are
//! inserted in multi-row statements, and those that no longer apply are deleted.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Statement, sea_query::Expr,
};
use serde::Deserialize;
use serde_json::{Value, json};
use skillcert_domain::codecs::{IdNumber, OccupationCode};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::warnings::{self, WarningCode};
use skillcert_domain::{InstitutionKind, Level, Module, Step, StepState};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::batches::Loaded;
use crate::entities::candidate_warning;
use crate::error::ApiError;
use crate::pii;
use crate::state::AppState;

fn resident() -> String {
    "resident_id".to_owned()
}

/// The ID document types a candidate may register with (SPEC §5: 居民身份证 checked per
/// GB 11643-1999, the others without a checksum).
pub const ID_TYPES: &[(&str, &str)] = &[
    ("resident_id", "居民身份证"),
    ("passport", "护照"),
    ("hk_macao_permit", "港澳居民来往内地通行证"),
    ("taiwan_permit", "台湾居民来往大陆通行证"),
    ("foreigner_permit", "外国人永久居留身份证"),
];

/// One candidate as parsed from JSON or a roster row (strings as given).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    pub name: String,
    /// `resident_id` (居民身份证, default), `passport`, `hk_macao_permit`, `taiwan_permit` or
    /// `foreigner_permit`.
    #[serde(default = "resident")]
    pub id_type: String,
    /// Write only: every read shows `id_number_masked`. A string: a number has lost digits.
    #[serde(deserialize_with = "secret_text")]
    pub id_number: String,
    #[serde(default, deserialize_with = "optional_secret_text")]
    pub phone: Option<String>,
    /// 国家职业分类大典 code; with `level`, one of the batch's planned lines.
    pub occupation_code: String,
    /// 1 (一级/高级技师) … 5 (五级/初级工).
    pub level: u8,
    pub education: Option<String>,
    pub work_years: Option<i32>,
    /// 学籍号 (schools).
    pub student_no: Option<String>,
    /// 毕业年份 (schools).
    pub graduation_year: Option<i32>,
}

/// A personal number as a JSON string. Any other JSON type is refused with a message that does
/// not repeat the value (serde's default error would echo a numeric ID number into the answer).
pub fn secret_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<String, E> {
            Err(E::custom(
                "证件号码和电话应为字符串（以数字存储会丢失位数或末位 X）",
            ))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<String, E> {
            Err(E::custom(
                "证件号码和电话应为字符串（以数字存储会丢失位数或末位 X）",
            ))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<String, E> {
            Err(E::custom(
                "证件号码和电话应为字符串（以数字存储会丢失位数或末位 X）",
            ))
        }
    }
    deserializer.deserialize_any(Text)
}

/// [`secret_text`] for an optional field (`null` is `None`).
pub fn optional_secret_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "secret_text")] String);
    Option::<Wrapped>::deserialize(deserializer).map(|w| w.map(|Wrapped(s)| s))
}

/// Validated and ready to store (ID already encrypted/blinded/masked).
#[derive(Clone)]
pub struct NewCandidate {
    pub name: String,
    pub id_type: String,
    pub id_number_enc: String,
    pub id_blind: String,
    pub id_masked: String,
    pub birth_date: Option<Date>,
    pub phone_enc: Option<String>,
    pub phone_masked: Option<String>,
    pub occupation_code: String,
    pub level: i16,
    pub education: Option<String>,
    pub work_years: Option<i32>,
    pub student_no: Option<String>,
    pub graduation_year: Option<i32>,
}

impl std::fmt::Debug for NewCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCandidate")
            .field("id_masked", &self.id_masked)
            .field("occupation_code", &self.occupation_code)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

/// An ID number parsed and normalised; the full number never leaves this value except into the
/// cipher and the blind index.
pub struct ParsedId {
    normalised: String,
    pub masked: String,
    pub birth_date: Option<Date>,
}

impl std::fmt::Debug for ParsedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ParsedId").field(&self.masked).finish()
    }
}

impl ParsedId {
    /// The keyed blind index of the number (duplicate and blacklist look-ups).
    pub fn blind(&self, state: &AppState) -> String {
        state.pii.blind(&self.normalised)
    }

    /// The AEAD ciphertext of the number.
    pub fn encrypt(&self, state: &AppState) -> Result<String, ApiError> {
        state
            .pii
            .encrypt(&self.normalised)
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// A non-resident document number with the first 2 and last 2 characters visible.
fn mask_other(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}

/// Parses an ID number of `id_type`. The error is a violation on `field` that never repeats the
/// number.
pub fn parse_id(id_type: &str, number: &str, field: &str) -> Result<ParsedId, Violation> {
    if !ID_TYPES.iter().any(|(code, _)| *code == id_type) {
        return Err(Violation::new(
            RuleCode::Validation,
            format!(
                "证件类型应为 {} 之一",
                ID_TYPES
                    .iter()
                    .map(|(code, name)| format!("{code}（{name}）"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )
        .field("id_type"));
    }
    if id_type == "resident_id" {
        return match IdNumber::parse(number) {
            Ok(id) => Ok(ParsedId {
                normalised: id.expose().to_owned(),
                masked: id.masked(),
                birth_date: Some(id.birth_date()),
            }),
            Err(e) => Err(Violation::new(RuleCode::Validation, e.to_string())
                .field(field)
                .details(json!({ "reason": e.reason() }))),
        };
    }
    let normalised: String = number
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = (5..=32).contains(&normalised.chars().count())
        && normalised
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(
            Violation::new(RuleCode::Validation, "证件号码应为 5–32 位字母或数字")
                .field(field)
                .details(json!({ "reason": "invalid_document_number" })),
        );
    }
    Ok(ParsedId {
        masked: mask_other(&normalised),
        normalised,
        birth_date: None,
    })
}

/// A phone number normalised to its digits (a leading `+` kept), or a violation.
fn normalise_phone(phone: &str) -> Result<Option<String>, Violation> {
    let trimmed = phone.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' => {}
            _ => {
                return Err(Violation::new(
                    RuleCode::Validation,
                    "联系电话只能包含数字、空格和“-”",
                )
                .field("phone"));
            }
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if !(7..=20).contains(&digits) {
        return Err(
            Violation::new(RuleCode::Validation, "联系电话应为 7–20 位数字").field("phone"),
        );
    }
    Ok(Some(out))
}

fn optional_text(
    value: &Option<String>,
    field: &str,
    max: usize,
    violations: &mut Vec<Violation>,
) -> Option<String> {
    let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > max {
        violations.push(
            Violation::new(
                RuleCode::Validation,
                format!("{field} 不能超过 {max} 个字符"),
            )
            .field(field),
        );
        return None;
    }
    Some(text.to_owned())
}

/// Field-level validation against the batch (occupation/level must be a line of the batch;
/// 15-digit legacy IDs, bad checksums etc. → VALIDATION violations with field names like
/// "id_number"). Every problem of the input at once.
pub fn validate(
    state: &AppState,
    batch: &Loaded,
    input: &CandidateInput,
) -> Result<NewCandidate, Vec<Violation>> {
    let mut violations = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        violations.push(Violation::new(RuleCode::Validation, "姓名不能为空").field("name"));
    } else if name.chars().count() > 100 {
        violations
            .push(Violation::new(RuleCode::Validation, "姓名不能超过 100 个字符").field("name"));
    }
    let id_type = input.id_type.trim();
    let id = match parse_id(id_type, &input.id_number, "id_number") {
        Ok(id) => Some(id),
        Err(v) => {
            violations.push(v);
            None
        }
    };
    let phone = match input.phone.as_deref().map(normalise_phone).transpose() {
        Ok(phone) => phone.flatten(),
        Err(v) => {
            violations.push(v);
            None
        }
    };
    let code = match OccupationCode::parse(&input.occupation_code) {
        Ok(code) => Some(code),
        Err(e) => {
            violations
                .push(Violation::new(RuleCode::Validation, e.to_string()).field("occupation_code"));
            None
        }
    };
    let level = match Level::try_from(input.level) {
        Ok(level) => Some(level),
        Err(_) => {
            violations.push(
                Violation::new(RuleCode::Validation, "等级应为 1–5（1 为一级/高级技师）")
                    .field("level"),
            );
            None
        }
    };
    if let (Some(code), Some(level)) = (&code, level)
        && !batch.occupations.iter().any(|line| {
            line.occupation_code == code.as_str() && line.level == i16::from(level.number())
        })
    {
        violations.push(
            Violation::new(
                RuleCode::Validation,
                format!(
                    "职业 {code} {} 不在本批次计划内",
                    level.name_zh()
                ),
            )
            .field("occupation_code")
            .details(json!({ "reason": "not_in_batch", "occupation_code": code.as_str(), "level": level.number() })),
        );
    }
    let education = optional_text(&input.education, "education", 32, &mut violations);
    let student_no = optional_text(&input.student_no, "student_no", 64, &mut violations);
    if input.work_years.is_some_and(|y| !(0..=70).contains(&y)) {
        violations
            .push(Violation::new(RuleCode::Validation, "工作年限应为 0–70").field("work_years"));
    }
    if input
        .graduation_year
        .is_some_and(|y| !(1950..=2100).contains(&y))
    {
        violations.push(
            Violation::new(RuleCode::Validation, "毕业年份应为 1950–2100").field("graduation_year"),
        );
    }
    let (Some(id), Some(code), Some(level)) = (id, code, level) else {
        return Err(violations);
    };
    if !violations.is_empty() {
        return Err(violations);
    }
    let internal = |e: pii::PiiError| {
        vec![
            Violation::new(RuleCode::Validation, format!("个人信息无法加密：{e}"))
                .field("id_number"),
        ]
    };
    let id_number_enc = state.pii.encrypt(&id.normalised).map_err(internal)?;
    let phone_enc = phone
        .as_deref()
        .map(|p| state.pii.encrypt(p))
        .transpose()
        .map_err(internal)?;
    Ok(NewCandidate {
        name: name.to_owned(),
        id_type: id_type.to_owned(),
        id_number_enc,
        id_blind: id.blind(state),
        id_masked: id.masked.clone(),
        birth_date: id.birth_date,
        phone_masked: phone.as_deref().map(pii::mask_phone),
        phone_enc,
        occupation_code: code.as_str().to_owned(),
        level: i16::from(level.number()),
        education,
        work_years: input.work_years,
        student_no,
        graduation_year: input.graduation_year,
    })
}

/// Rows per multi-row INSERT of `columns` columns: within the backend's bind limit (SQLite
/// 32,766 variables, PostgreSQL 65,535 parameters) and at most 500 — larger statements measured
/// no faster.
fn insert_chunk(backend: DbBackend, columns: usize) -> usize {
    let limit = match backend {
        DbBackend::Postgres => 60_000,
        DbBackend::Sqlite | DbBackend::MySql => 30_000,
    };
    (limit / columns).clamp(1, 500)
}

/// The columns of `candidates`, in the order `insert_many` binds them.
const CANDIDATE_COLUMN_LIST: &str = "id, batch_id, institution_id, name, id_type, id_number_enc, \
     id_blind, id_masked, birth_date, phone_enc, phone_masked, occupation_code, level, education, \
     work_years, student_no, graduation_year, eligibility, eligibility_reason, withdrawn_at, \
     version, created_at, updated_at";
const CANDIDATE_COLUMNS: usize = 23;
const WARNING_COLUMNS: usize = 11;
/// Blind indexes per `IN (…)` list.
const BLIND_CHUNK: usize = 2000;
/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 1000;

/// Inserts many candidates in chunks of multi-row INSERTs (set-based: never one query per row),
/// inside the caller's transaction, then recomputes the batch's warnings set-based. Returns the
/// new ids. `created_by` is the caller's, for the audit event the caller writes.
pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    batch: &Loaded,
    rows: Vec<NewCandidate>,
    _created_by: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<Uuid>, ApiError> {
    let backend = conn.get_database_backend();
    let chunk = insert_chunk(backend, CANDIDATE_COLUMNS);
    let mut ids = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    // One prepared statement text per chunk size: every full chunk reuses the cached statement.
    while rows.peek().is_some() {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk * CANDIDATE_COLUMNS);
        let mut count = 0;
        for row in rows.by_ref().take(chunk) {
            let id = Uuid::now_v7();
            ids.push(id);
            count += 1;
            values.extend([
                id.into(),
                batch.batch.id.into(),
                batch.batch.institution_id.into(),
                row.name.into(),
                row.id_type.into(),
                row.id_number_enc.into(),
                row.id_blind.into(),
                row.id_masked.into(),
                row.birth_date.into(),
                row.phone_enc.into(),
                row.phone_masked.into(),
                row.occupation_code.into(),
                row.level.into(),
                row.education.into(),
                row.work_years.into(),
                row.student_no.into(),
                row.graduation_year.into(),
                "pending".into(),
                Option::<String>::None.into(),
                Option::<OffsetDateTime>::None.into(),
                1i32.into(),
                now.into(),
                now.into(),
            ]);
        }
        let tuple = format!("({})", placeholders(CANDIDATE_COLUMNS));
        let sql = format!(
            "INSERT INTO candidates ({CANDIDATE_COLUMN_LIST}) VALUES {}",
            vec![tuple; count].join(", ")
        );
        conn.execute(crate::db::statement(backend, &sql, values))
            .await?;
    }
    recompute_warnings(conn, state, batch, now).await?;
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// The warnings engine
// ---------------------------------------------------------------------------------------------

/// `?, ?, ?` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A batch whose issuance is not approved yet is open (SPEC §5 CONCURRENT_BATCH).
const OPEN_BATCH: &str = "EXISTS (SELECT 1 FROM batch_steps s WHERE s.batch_id = {b} \
     AND s.step = 'issuance' AND s.state <> 'approved')";

fn open_batch(column: &str) -> String {
    OPEN_BATCH.replace("{b}", column)
}

#[derive(Debug, FromQueryResult)]
struct BatchRow {
    id: Uuid,
    id_blind: String,
    birth_date: Option<Date>,
    graduation_year: Option<i32>,
}

#[derive(Debug, FromQueryResult)]
struct BlindRow {
    id_blind: String,
}

#[derive(Debug, FromQueryResult)]
struct CertificateHit {
    candidate_id: Uuid,
    level: i16,
    issued_on: Date,
    number: String,
    same_institution: bool,
}

#[derive(Debug, FromQueryResult)]
struct BlacklistHit {
    candidate_id: Uuid,
    entry_id: Uuid,
    reason: String,
    ban_from: Date,
    ban_until: Date,
}

#[derive(Debug, FromQueryResult)]
struct ConcurrentHit {
    candidate_id: Uuid,
    batch_id: Uuid,
    institution_id: Uuid,
    other_batch_id: Uuid,
    other_institution_id: Uuid,
}

#[derive(Debug, FromQueryResult)]
struct ExistingWarning {
    id: Uuid,
    candidate_id: Uuid,
    code: String,
    evidence: Value,
}

type Key = (Uuid, &'static str);

/// PostgreSQL advisory lock serialising warning recomputations ("skwarn").
const WARNINGS_LOCK_KEY: i64 = 0x736b_7761_726e;

/// A candidate's concurrent registrations elsewhere.
struct Concurrent {
    own_batch: Uuid,
    /// Another batch of the same institution by id; `None` for any other institution's.
    others: BTreeSet<Option<Uuid>>,
}

/// The warnings that should exist: (candidate, code) → (batch, evidence).
#[derive(Default)]
struct Desired(BTreeMap<Key, (Uuid, Value)>);

impl Desired {
    fn put(&mut self, candidate: Uuid, code: WarningCode, batch: Uuid, evidence: Value) {
        self.0.insert((candidate, code.code()), (batch, evidence));
    }
}

/// A birth date before which nobody is under age on `first_day`: 16 years and a few days back
/// (the exact test, with its 29 February rule, is the domain's).
fn under_age_bound(first_day: Date) -> Date {
    let years_back = first_day.year() - warnings::MINIMUM_AGE;
    let same_day = first_day
        .replace_year(years_back)
        .or_else(|_| {
            first_day
                .replace_day(28)
                .and_then(|d| d.replace_year(years_back))
        })
        .unwrap_or(first_day);
    same_day.saturating_sub(time::Duration::days(3))
}

fn code_of(text: &str) -> Option<&'static str> {
    WarningCode::ALL
        .iter()
        .map(|c| c.code())
        .find(|code| *code == text)
}

/// Recomputes every warning of a batch with set-based queries against indexes
/// (DUPLICATE_IN_BATCH, DUPLICATE_CERTIFICATE, CONCURRENT_BATCH, UNDER_AGE, BLACKLISTED, and
/// for tech_school/self NOT_GRADUATING_YEAR), keeping the disposition of warnings that still
/// apply and deleting those that no longer do. CONCURRENT_BATCH is symmetric: the same person
/// in other open batches gets (or loses) the warning there too.
pub async fn recompute_warnings<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    batch: &Loaded,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    recompute_with(conn, state, batch, &[], now).await
}

/// The same, also re-examining the people behind `extra_blinds` in other batches (a candidate
/// whose ID number changed: the old number's concurrent warnings elsewhere may lapse).
pub async fn recompute_with<C: ConnectionTrait>(
    conn: &C,
    _state: &AppState,
    batch: &Loaded,
    extra_blinds: &[String],
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        // Recomputations are serialised (SQLite's single writer does it there): the later of two
        // concurrent ones runs after the earlier committed, so it sees both transactions'
        // candidates and its result — duplicates and concurrent batches included — is complete.
        // Held to the end of the transaction; take it before `audit::record`'s lock.
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [WARNINGS_LOCK_KEY.into()],
        ))
        .await?;
    }
    let batch_id = batch.batch.id;
    let first_day = batch.batch.exam_start;
    let mut desired = Desired::default();

    // 1. DUPLICATE_IN_BATCH: the same person registered more than once in this batch.
    const OWN: &str = "SELECT c.id AS id, c.id_blind AS id_blind, c.birth_date AS birth_date, \
         c.graduation_year AS graduation_year FROM candidates c \
         WHERE c.batch_id = ? AND c.withdrawn_at IS NULL";
    let rows = BatchRow::find_by_statement(crate::db::statement(
        backend,
        &format!(
            "{OWN} AND c.id_blind IN (SELECT d.id_blind FROM candidates d \
             WHERE d.batch_id = ? AND d.withdrawn_at IS NULL \
             GROUP BY d.id_blind HAVING COUNT(*) > 1)"
        ),
        vec![batch_id.into(), batch_id.into()],
    ))
    .all(conn)
    .await?;
    let mut by_blind: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for row in &rows {
        by_blind.entry(&row.id_blind).or_default().push(row.id);
    }
    for ids in by_blind.values().filter(|ids| ids.len() > 1) {
        for id in ids {
            let others: Vec<String> = ids
                .iter()
                .filter(|o| *o != id)
                .map(Uuid::to_string)
                .collect();
            desired.put(
                *id,
                WarningCode::DuplicateInBatch,
                batch_id,
                json!({
                    "message": format!("同一证件号码在本批次报名 {} 次", ids.len()),
                    "count": ids.len(),
                    "other_candidate_ids": others,
                }),
            );
        }
    }

    // UNDER_AGE: born after (about) the first exam day 16 years back — a loose bound in SQL,
    // the exact test (29 February birthdays) by the domain.
    let rows = BatchRow::find_by_statement(crate::db::statement(
        backend,
        &format!("{OWN} AND c.birth_date > ?"),
        vec![batch_id.into(), under_age_bound(first_day).into()],
    ))
    .all(conn)
    .await?;
    for row in rows {
        if let Some(birth) = row.birth_date
            && warnings::is_under_age(birth, first_day)
        {
            desired.put(
                row.id,
                WarningCode::UnderAge,
                batch_id,
                json!({
                    "message": format!("首个考试日 {first_day} 未满 {} 周岁", warnings::MINIMUM_AGE),
                    "first_exam_day": first_day.to_string(),
                    "age_on_first_exam_day": warnings::age_on(birth, first_day),
                    "minimum_age": warnings::MINIMUM_AGE,
                }),
            );
        }
    }

    // NOT_GRADUATING_YEAR (tech schools, self module): no graduation year, or not the one whose
    // graduating school year holds the first exam day.
    let graduating_only =
        batch.kind()? == InstitutionKind::TechSchool && batch.module()? == Module::SelfAssessed;
    let graduating = (first_day.year() - 1..=first_day.year() + 1)
        .find(|year| warnings::is_graduating_year(*year, first_day));
    if graduating_only {
        let rows = BatchRow::find_by_statement(crate::db::statement(
            backend,
            &format!("{OWN} AND (c.graduation_year IS NULL OR c.graduation_year <> ?)"),
            vec![batch_id.into(), graduating.unwrap_or(0).into()],
        ))
        .all(conn)
        .await?;
        for row in rows {
            if row
                .graduation_year
                .is_some_and(|year| warnings::is_graduating_year(year, first_day))
            {
                continue;
            }
            desired.put(
                row.id,
                WarningCode::NotGraduatingYear,
                batch_id,
                json!({
                    "message": match row.graduation_year {
                        Some(year) => format!("毕业年份 {year} 不是首个考试日 {first_day} 所在的毕业学年"),
                        None => "未填写毕业年份，无法确认是毕业学年学生".to_owned(),
                    },
                    "graduation_year": row.graduation_year,
                    "first_exam_day": first_day.to_string(),
                }),
            );
        }
    }

    // 2. DUPLICATE_CERTIFICATE: a certificate of the same person and occupation at this or a
    //    higher level (a lower or equal level number), not revoked.
    let hits = CertificateHit::find_by_statement(crate::db::statement(
        backend,
        "SELECT c.id AS candidate_id, t.level AS level, t.issued_on AS issued_on, \
         t.number AS number, \
         CASE WHEN t.institution_id = c.institution_id THEN 1 = 1 ELSE 1 = 0 END AS same_institution \
         FROM candidates c JOIN certificates t ON t.id_blind = c.id_blind \
         AND t.occupation_code = c.occupation_code AND t.level <= c.level \
         AND t.status <> 'revoked' AND (t.candidate_id IS NULL OR t.candidate_id <> c.id) \
         WHERE c.batch_id = ? AND c.withdrawn_at IS NULL \
         ORDER BY c.id, t.level, t.issued_on",
        vec![batch_id.into()],
    ))
    .all(conn)
    .await?;
    let mut certificates: BTreeMap<Uuid, Vec<Value>> = BTreeMap::new();
    for hit in hits {
        let level = u8::try_from(hit.level)
            .ok()
            .and_then(|l| Level::try_from(l).ok());
        let mut entry = json!({
            "level": hit.level,
            "level_name": level.map(Level::name_zh),
            "issued_on": hit.issued_on.to_string(),
            "issuer": if hit.same_institution { "本机构" } else { "另一评价机构" },
        });
        if hit.same_institution {
            entry["certificate_number"] = json!(hit.number);
        }
        certificates
            .entry(hit.candidate_id)
            .or_default()
            .push(entry);
    }
    for (id, held) in certificates {
        desired.put(
            id,
            WarningCode::DuplicateCertificate,
            batch_id,
            json!({
                "message": "已持有本职业（工种）同级或更高等级的证书",
                "certificates": held,
            }),
        );
    }

    // 3. BLACKLISTED: a blacklist entry whose ban period covers the first exam day.
    let hits = BlacklistHit::find_by_statement(crate::db::statement(
        backend,
        "SELECT c.id AS candidate_id, b.id AS entry_id, b.reason AS reason, \
         b.ban_from AS ban_from, b.ban_until AS ban_until \
         FROM candidates c JOIN blacklist_entries b ON b.id_blind = c.id_blind \
         AND b.ban_from <= ? AND b.ban_until >= ? \
         WHERE c.batch_id = ? AND c.withdrawn_at IS NULL ORDER BY c.id, b.ban_until",
        vec![first_day.into(), first_day.into(), batch_id.into()],
    ))
    .all(conn)
    .await?;
    let mut banned: BTreeMap<Uuid, Vec<Value>> = BTreeMap::new();
    for hit in hits {
        banned.entry(hit.candidate_id).or_default().push(json!({
            "entry_id": hit.entry_id,
            "reason": hit.reason,
            "ban_from": hit.ban_from.to_string(),
            "ban_until": hit.ban_until.to_string(),
        }));
    }
    for (id, entries) in banned {
        desired.put(
            id,
            WarningCode::Blacklisted,
            batch_id,
            json!({
                "message": format!("列入禁考名单，禁考期覆盖首个考试日 {first_day}"),
                "entries": entries,
            }),
        );
    }

    // 4. CONCURRENT_BATCH, both ways. First the people this batch shares with any other batch
    //    (one probe of the blind index per candidate; usually nobody), then, for those people
    //    only, every not-withdrawn registration of theirs in an open batch matched against the
    //    same person, occupation and level in another open batch (withdrawn and ineligible
    //    registrations do not count). `extra_blinds` adds people who just left this batch.
    let mut shared: BTreeSet<String> = BlindRow::find_by_statement(crate::db::statement(
        backend,
        "SELECT DISTINCT x.id_blind AS id_blind FROM candidates x WHERE x.batch_id = ? \
         AND EXISTS (SELECT 1 FROM candidates y WHERE y.id_blind = x.id_blind \
         AND y.batch_id <> x.batch_id)",
        vec![batch_id.into()],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|row| row.id_blind)
    .collect();
    shared.extend(extra_blinds.iter().cloned());
    let shared: Vec<String> = shared.into_iter().collect();
    let mut hits: Vec<ConcurrentHit> = Vec::new();
    let mut others_existing: Vec<ExistingWarning> = Vec::new();
    for people in shared.chunks(BLIND_CHUNK) {
        let list = placeholders(people.len());
        let values: Vec<sea_orm::Value> = people.iter().map(|b| b.clone().into()).collect();
        hits.extend(
            ConcurrentHit::find_by_statement(crate::db::statement(
                backend,
                &format!(
                    "SELECT o.id AS candidate_id, o.batch_id AS batch_id, \
                     o.institution_id AS institution_id, m.batch_id AS other_batch_id, \
                     m.institution_id AS other_institution_id \
                     FROM candidates o JOIN candidates m ON m.id_blind = o.id_blind \
                     AND m.occupation_code = o.occupation_code AND m.level = o.level \
                     AND m.batch_id <> o.batch_id AND m.withdrawn_at IS NULL \
                     AND m.eligibility <> 'ineligible' \
                     WHERE o.id_blind IN ({list}) AND o.withdrawn_at IS NULL AND {} AND {}",
                    open_batch("o.batch_id"),
                    open_batch("m.batch_id"),
                ),
                values.clone(),
            ))
            .all(conn)
            .await?,
        );
        // Their stored concurrent-batch warnings in other open batches (this batch's own are
        // read below with all its warnings).
        let mut values = values;
        values.push(batch_id.into());
        others_existing.extend(
            ExistingWarning::find_by_statement(crate::db::statement(
                backend,
                &format!(
                    "SELECT w.id AS id, w.candidate_id AS candidate_id, w.code AS code, \
                     w.evidence AS evidence FROM candidates o \
                     JOIN candidate_warnings w ON w.candidate_id = o.id \
                     AND w.code = 'CONCURRENT_BATCH' \
                     WHERE o.id_blind IN ({list}) AND o.batch_id <> ? AND {}",
                    open_batch("o.batch_id"),
                ),
                values,
            ))
            .all(conn)
            .await?,
        );
    }
    // Per candidate: their own batch, and the other batches — named (`Some`) only when they
    // belong to the same institution; every other institution's batch is one anonymous `None`.
    let mut concurrent: BTreeMap<Uuid, Concurrent> = BTreeMap::new();
    for hit in hits {
        let same = hit.institution_id == hit.other_institution_id;
        concurrent
            .entry(hit.candidate_id)
            .or_insert_with(|| Concurrent {
                own_batch: hit.batch_id,
                others: BTreeSet::new(),
            })
            .others
            .insert(same.then_some(hit.other_batch_id));
    }
    for (id, found) in concurrent {
        let listed: Vec<Value> = found
            .others
            .iter()
            .map(|other| match other {
                Some(batch) => json!({ "institution": "本机构", "batch_id": batch }),
                None => json!({ "institution": "另一评价机构" }),
            })
            .collect();
        desired.put(
            id,
            WarningCode::ConcurrentBatch,
            found.own_batch,
            json!({
                "message": if found.others.contains(&None) {
                    "同时报名另一评价机构尚未结束的同职业同等级认定批次"
                } else {
                    "同时报名本机构另一尚未结束的同职业同等级认定批次"
                },
                "other_batches": listed,
            }),
        );
    }

    // The stored warnings in scope: all of this batch's, and the concurrent-batch warnings of
    // the same people in other open batches.
    let mut existing = ExistingWarning::find_by_statement(crate::db::statement(
        backend,
        "SELECT w.id AS id, w.candidate_id AS candidate_id, w.code AS code, \
         w.evidence AS evidence FROM candidates c \
         JOIN candidate_warnings w ON w.candidate_id = c.id WHERE c.batch_id = ?",
        vec![batch_id.into()],
    ))
    .all(conn)
    .await?;
    existing.extend(others_existing);

    // Bring the stored set in line.
    let mut stale: Vec<Uuid> = Vec::new();
    let mut changed: Vec<(Uuid, Value)> = Vec::new();
    let mut kept: BTreeSet<Key> = BTreeSet::new();
    for row in existing {
        let key = code_of(&row.code).map(|code| (row.candidate_id, code));
        match key.and_then(|key| desired.0.get(&key).map(|d| (key, d))) {
            Some((key, (_, evidence))) => {
                if kept.insert(key) && *evidence != row.evidence {
                    changed.push((row.id, evidence.clone()));
                }
            }
            None => stale.push(row.id),
        }
    }
    for chunk in stale.chunks(ID_CHUNK) {
        candidate_warning::Entity::delete_many()
            .filter(candidate_warning::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    for (id, evidence) in changed {
        candidate_warning::Entity::update_many()
            .col_expr(candidate_warning::Column::Evidence, Expr::value(evidence))
            .filter(candidate_warning::Column::Id.eq(id))
            .exec(conn)
            .await?;
    }
    let mut fresh = Vec::new();
    for ((candidate_id, code), (batch, evidence)) in desired.0 {
        if kept.contains(&(candidate_id, code)) {
            continue;
        }
        fresh.push(candidate_warning::ActiveModel {
            id: Set(Uuid::now_v7()),
            candidate_id: Set(candidate_id),
            batch_id: Set(batch),
            code: Set(code.to_owned()),
            evidence: Set(evidence),
            disposition: Set(None),
            explanation: Set(None),
            evidence_material_id: Set(None),
            disposed_by: Set(None),
            disposed_at: Set(None),
            created_at: Set(now),
        });
    }
    for chunk in fresh.chunks(insert_chunk(backend, WARNING_COLUMNS)) {
        candidate_warning::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The open batches with a candidate behind `blind` (a blacklist change re-examines them).
pub async fn open_batches_with<C: ConnectionTrait>(
    conn: &C,
    blind: &str,
) -> Result<Vec<Uuid>, ApiError> {
    #[derive(FromQueryResult)]
    struct Row {
        batch_id: Uuid,
    }
    let rows = Row::find_by_statement(crate::db::statement(
        conn.get_database_backend(),
        &format!(
            "SELECT DISTINCT o.batch_id AS batch_id FROM candidates o \
             WHERE o.id_blind = ? AND {}",
            open_batch("o.batch_id")
        ),
        vec![blind.to_owned().into()],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.batch_id).collect())
}

// ---------------------------------------------------------------------------------------------
// When candidates can change
// ---------------------------------------------------------------------------------------------

/// Serialises registrations into one batch for the rest of the caller's write transaction, so
/// that "is this person registered here already?" and the insert cannot interleave with another
/// registration: PostgreSQL locks the batch row (later statements of a READ COMMITTED
/// transaction then see what the previous holder committed); SQLite's single writer, taken by
/// `begin_write`, does it already. FOR NO KEY UPDATE, not FOR UPDATE: the warnings written for
/// candidates of other batches (CONCURRENT_BATCH) take FOR KEY SHARE on those batches' rows
/// through their foreign keys, which FOR UPDATE would block — two registrations of one person
/// into two batches would deadlock.
pub async fn lock_batch<C: ConnectionTrait>(conn: &C, batch_id: Uuid) -> Result<(), ApiError> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    crate::entities::batch::Entity::find_by_id(batch_id)
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(())
}

/// Whether the person of `new` is registered in the batch already for the same occupation and
/// level (SPEC §5 `already_registered`; another occupation or level is the DUPLICATE_IN_BATCH
/// warning instead). Withdrawn candidates do not count: a withdrawal (退报) ended that
/// registration, so the person may register again. Call it after [`lock_batch`].
pub async fn already_registered<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
    new: &NewCandidate,
) -> Result<bool, ApiError> {
    use crate::entities::candidate;
    let found = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::Id)
        .filter(candidate::Column::BatchId.eq(batch_id))
        .filter(candidate::Column::IdBlind.eq(new.id_blind.clone()))
        .filter(candidate::Column::OccupationCode.eq(new.occupation_code.clone()))
        .filter(candidate::Column::Level.eq(new.level))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// The 422 of a registration whose person is registered already for this occupation and level.
pub fn already_registered_error() -> ApiError {
    ApiError::Unprocessable(vec![
        Violation::new(
            RuleCode::Validation,
            "此人已在本批次报名同一职业（工种）等级，不能重复报名",
        )
        .field("id_number")
        .details(json!({ "reason": "already_registered" })),
    ])
}

/// Candidates are added and edited only while the registration step is in draft or returned.
pub fn registration_open(batch: &Loaded) -> Result<(), ApiError> {
    let state = batch
        .step_states()?
        .get(Step::Registration)
        .unwrap_or(StepState::NotStarted);
    if crate::batches::open_for_work(state) {
        Ok(())
    } else {
        Err(ApiError::invalid_state(format!(
            "报名环节当前为“{}”，只有草稿或退回状态下可以增加或修改考生",
            state.name_zh()
        )))
    }
}

/// Withdrawals, eligibility decisions and warning dispositions: while a step that checks the
/// warnings (registration, and again the certificate or materials step) is in draft or
/// returned — SPEC §5: the warnings are re-checked at the certificate step, and a warning
/// confirmed there is resolved by withdrawing the candidate or finding them ineligible.
pub fn warnings_step_open(batch: &Loaded) -> Result<(), ApiError> {
    let process = batch.process()?;
    let states = batch.step_states()?;
    let open = process.steps.iter().any(|def| {
        def.rules.contains(&RuleCode::WarningsUnresolved)
            && states
                .get(def.step)
                .is_some_and(crate::batches::open_for_work)
    });
    if open {
        Ok(())
    } else {
        Err(ApiError::invalid_state(
            "当前没有处于草稿或退回状态的报名或证书环节，不能变更考生资格或预警处理",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_documents_are_masked_and_never_echoed() {
        let id = parse_id("passport", " e1234 5678 ", "id_number").unwrap();
        assert_eq!(id.masked, "E1*****78");
        assert!(!format!("{id:?}").contains("12345"));
        let err = parse_id("passport", "12", "id_number").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id_number"));
        let err = parse_id("resident_id", "110105491231002", "id_number").unwrap_err();
        assert_eq!(err.details["reason"], "legacy_15_digit");
        assert!(!err.message.contains("110105491231002"));
        assert_eq!(
            parse_id("card", "x", "id_number")
                .unwrap_err()
                .field
                .as_deref(),
            Some("id_type")
        );
    }

    #[test]
    fn the_under_age_bound_never_misses_anyone() {
        // Every first exam day of 2024–2028 (leap days included) against births around the bound.
        let mut day = time::macros::date!(2024 - 01 - 01);
        while day.year() < 2029 {
            let bound = under_age_bound(day);
            let mut birth = bound.saturating_sub(time::Duration::days(10));
            for _ in 0..30 {
                if warnings::is_under_age(birth, day) {
                    assert!(birth > bound, "{birth} on {day}");
                }
                birth = birth.saturating_add(time::Duration::days(1));
            }
            day = day.saturating_add(time::Duration::days(1));
        }
    }

    #[test]
    fn the_insert_binds_every_column() {
        assert_eq!(CANDIDATE_COLUMN_LIST.split(',').count(), CANDIDATE_COLUMNS);
        assert_eq!(
            <crate::entities::candidate::Column as sea_orm::Iterable>::iter().count(),
            CANDIDATE_COLUMNS
        );
        assert_eq!(
            <candidate_warning::Column as sea_orm::Iterable>::iter().count(),
            WARNING_COLUMNS
        );
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            normalise_phone(" 138-1234-5678 ").unwrap().as_deref(),
            Some("13812345678")
        );
        assert_eq!(normalise_phone("").unwrap(), None);
        assert!(normalise_phone("12a").is_err());
        assert!(normalise_phone("123").is_err());
    }

    #[test]
    fn postgres_placeholders_are_numbered() {
        let s = crate::db::statement(
            DbBackend::Postgres,
            "a = ? AND b IN (?, ?)",
            vec![1.into(), 2.into(), 3.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b IN ($2, $3)");
    }
}
