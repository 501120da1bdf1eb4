//! The benchmark world (BENCHMARKS.md): 1,000 institutions, 10,000 batches, 500,000 candidates
//! and 1,000,000 certificates, written with multi-row inserts straight into a migrated database
//! (seeding is set-up, not a measurement). Half the batches are open (issuance not approved),
//! half finished; people are numbered (see `people`) so the rosters can hit them on purpose.
//! The certificates are real: canonical content signed with the server's key and published,
//! so the public lookup (S7) verifies them.

use std::time::{Duration, Instant};

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use skillcert_domain::catalogue;
use skillcert_domain::certificate::CertificateContent;
use skillcert_domain::codecs::{CertificateNumber, certificate_number::CertificateParts};
use skillcert_domain::state::StepStates;
use skillcert_domain::{InstitutionKind, Level, Module, StepState};
use skillcert_server::candidates::parse_id;
use skillcert_server::entities::{
    batch, batch_occupation, batch_step, candidate, certificate, institution, occupation,
};
use skillcert_server::state::AppState;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

use crate::people;
use crate::{BenchResult, err};

/// The two (occupation, level) pairs of every seeded batch — the same as the demo batch the
/// rosters are imported into, so concurrent registrations and certificates can match.
pub const OCCUPATIONS: [(&str, i16); 2] = [("6-31-01-03", 5), ("4-10-01-05", 4)];

#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub institutions: usize,
    pub batches_per_institution: usize,
    pub candidates: usize,
    pub certificates: usize,
}

impl Size {
    pub const FULL: Size = Size {
        institutions: 1_000,
        batches_per_institution: 10,
        candidates: 500_000,
        certificates: 1_000_000,
    };

    pub fn batches(&self) -> usize {
        self.institutions * self.batches_per_institution
    }

    /// Candidates per batch (the last batch takes the remainder).
    pub fn per_batch(&self) -> usize {
        self.candidates.div_ceil(self.batches().max(1)).max(1)
    }

    /// Distinct people among the candidates: the last tenth are second registrations of the
    /// first people (same occupation and level, both in open batches: concurrent registrations).
    pub fn candidate_people(&self) -> usize {
        self.candidates - self.candidates / 10
    }
}

/// The venue of every seeded batch (which tells them from the demo's).
pub const VENUE: &str = "基准测试考点";

/// The first person number of certificate holders (disjoint from candidates).
pub const CERTIFICATE_PEOPLE: u64 = 10_000_000;

/// Batch `b` is open (issuance not approved) when even.
pub fn batch_is_open(b: usize) -> bool {
    b.is_multiple_of(2)
}

/// The batch of candidate `i`.
pub fn candidate_batch(size: &Size, i: usize) -> usize {
    (i / size.per_batch()).min(size.batches() - 1)
}

/// The person behind candidate `i`.
pub fn candidate_person(size: &Size, i: usize) -> u64 {
    (i % size.candidate_people()) as u64
}

const KINDS: [InstitutionKind; 3] = [
    InstitutionKind::Employer,
    InstitutionKind::SocialTraining,
    InstitutionKind::TechSchool,
];

fn institution_name(i: usize) -> String {
    format!("基准测试评价机构{i:04}")
}

fn site_code(i: usize) -> String {
    format!("42{:04}", i % 10_000)
}

/// Rows per multi-row insert: within SQLite's 32,766 bound variables for 23 columns.
const CHUNK: usize = 1_000;
/// Rows per transaction.
const TXN_ROWS: usize = 50_000;
/// Certificate rows per transaction: 1,000,000 certificates go in four.
const CERTIFICATE_TXN_ROWS: usize = 250_000;
/// Certificate rows generated (and signed, on every core) between inserts.
const CERTIFICATE_BLOCK: usize = 10_000;

async fn insert_chunks<E, A>(state: &AppState, rows: Vec<A>) -> BenchResult<()>
where
    E: EntityTrait,
    E::Model: sea_orm::IntoActiveModel<A>,
    A: sea_orm::ActiveModelTrait<Entity = E> + Clone + Send,
{
    for txn_rows in rows.chunks(TXN_ROWS) {
        let txn = state.db.begin_write().await.map_err(err)?;
        for chunk in txn_rows.chunks(CHUNK) {
            E::insert_many(chunk.to_vec())
                .exec_without_returning(&*txn)
                .await
                .map_err(err)?;
        }
        txn.commit().await.map_err(err)?;
    }
    Ok(())
}

/// How long seeding took.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub total: Duration,
    /// Generating, signing and inserting the certificates.
    pub certificates: Duration,
}

/// Writes the world.
pub async fn seed(state: &AppState, size: Size, created_by: Uuid) -> BenchResult<Seeded> {
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    let year = 2026;
    let exam = Date::from_calendar_date(year, Month::December, 18).map_err(err)?;

    // Institutions.
    let institutions: Vec<(Uuid, InstitutionKind)> = (0..size.institutions)
        .map(|i| (Uuid::now_v7(), KINDS[i % KINDS.len()]))
        .collect();
    let rows = institutions
        .iter()
        .enumerate()
        .map(|(i, (id, kind))| {
            let first17 = format!("91410100{:09}", 100_000 + i);
            let check = skillcert_domain::codecs::uscc::check_char(&first17).unwrap_or('0');
            institution::ActiveModel {
                id: Set(*id),
                kind: Set(kind.code().to_owned()),
                name: Set(institution_name(i)),
                uscc: Set(format!("{first17}{check}")),
                region: Set("4101".to_owned()),
                filing_code: Set("0000".to_owned()),
                site_code: Set(site_code(i)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_chunks(state, rows).await?;

    // Batches with their occupations and steps.
    let mut batches = Vec::with_capacity(size.batches());
    let mut occupations = Vec::with_capacity(size.batches() * 2);
    let mut steps = Vec::new();
    let mut batch_ids = Vec::with_capacity(size.batches());
    for b in 0..size.batches() {
        let (institution_id, kind) = institutions[b / size.batches_per_institution];
        let process = catalogue::process(kind, Module::Supervised).ok_or("no process")?;
        let id = Uuid::now_v7();
        batch_ids.push((id, institution_id));
        batches.push(batch::ActiveModel {
            id: Set(id),
            institution_id: Set(institution_id),
            kind: Set(kind.code().to_owned()),
            module: Set(Module::Supervised.code().to_owned()),
            method: Set("exam".to_owned()),
            year: Set(year),
            exam_start: Set(exam),
            exam_end: Set(exam),
            venue: Set(VENUE.to_owned()),
            venue_region: Set("4101".to_owned()),
            exam_notice_ids: Set(serde_json::json!([])),
            approved_plan: Set(None),
            completion_extended_to: Set(None),
            archived_at: Set(None),
            version: Set(1),
            created_by: Set(created_by),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for (code, level) in OCCUPATIONS {
            occupations.push(batch_occupation::ActiveModel {
                batch_id: Set(id),
                occupation_code: Set(code.to_owned()),
                level: Set(level),
                planned_count: Set((size.per_batch() / 2) as i32),
            });
        }
        for (step, initial) in StepStates::initial(process).iter(process) {
            let state = if batch_is_open(b) {
                initial
            } else {
                StepState::Approved
            };
            let done = state == StepState::Approved;
            steps.push(batch_step::ActiveModel {
                batch_id: Set(id),
                step: Set(step.code().to_owned()),
                state: Set(state.code().to_owned()),
                submitted_at: Set(done.then_some(now)),
                first_submitted_at: Set(done.then_some(now)),
                decided_at: Set(done.then_some(now)),
                version: Set(1),
            });
        }
    }
    insert_chunks(state, batches).await?;
    insert_chunks(state, occupations).await?;
    insert_chunks(state, steps).await?;
    eprintln!(
        "  seeded {} institutions, {} batches in {:.1} s",
        size.institutions,
        size.batches(),
        started.elapsed().as_secs_f64()
    );

    // Candidates, with real ciphertext and blind indexes.
    let mut rows = Vec::with_capacity(TXN_ROWS);
    for i in 0..size.candidates {
        let (batch_id, institution_id) = batch_ids[candidate_batch(&size, i)];
        let person = candidate_person(&size, i);
        let (code, level) = OCCUPATIONS[i % 2];
        let id = parse_id("resident_id", &people::id_number(person), "id_number")
            .map_err(|v| format!("generated ID refused: {}", v.message))?;
        rows.push(candidate::ActiveModel {
            id: Set(Uuid::now_v7()),
            batch_id: Set(batch_id),
            institution_id: Set(institution_id),
            name: Set(format!("考生{person}")),
            id_type: Set("resident_id".to_owned()),
            id_number_enc: Set(id.encrypt(state).map_err(|e| format!("{e:?}"))?),
            id_blind: Set(id.blind(state)),
            id_masked: Set(id.masked.clone()),
            birth_date: Set(id.birth_date),
            phone_enc: Set(None),
            phone_masked: Set(None),
            occupation_code: Set(code.to_owned()),
            level: Set(level),
            education: Set(Some("高中".to_owned())),
            work_years: Set(Some(3)),
            student_no: Set(None),
            graduation_year: Set(None),
            eligibility: Set("eligible".to_owned()),
            eligibility_reason: Set(None),
            withdrawn_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        if rows.len() == TXN_ROWS {
            insert_chunks(state, std::mem::take(&mut rows)).await?;
        }
    }
    insert_chunks(state, rows).await?;
    eprintln!(
        "  seeded {} candidates in {:.1} s",
        size.candidates,
        started.elapsed().as_secs_f64()
    );

    // Certificates: real ones (signed, published), in a few large transactions.
    let certificates_started = Instant::now();
    seed_certificates(state, size, &institutions, now).await?;
    let certificates = certificates_started.elapsed();
    eprintln!(
        "  seeded {} certificates in {:.1} s",
        size.certificates,
        certificates.as_secs_f64()
    );
    // Fresh statistics for the planner, as `skillcert migrate` leaves them.
    state.db.refresh_statistics().await.map_err(err)?;
    Ok(Seeded {
        total: started.elapsed(),
        certificates,
    })
}

/// The issue date of every seeded certificate.
fn certificate_issue_date() -> BenchResult<Date> {
    Date::from_calendar_date(2025, Month::June, 30).map_err(err)
}

/// The institution that holds certificate `i` (1,000 per institution, on its own site code).
fn certificate_owner(size: &Size, i: usize) -> usize {
    i % size.institutions
}

/// The number of certificate `i` (SPEC §6): the owner's kind letter, filing code 0000, province
/// 41, the owner's site code, 2025, the level of its occupation, serial `i / institutions + 1`.
pub fn certificate_number(size: &Size, i: usize) -> BenchResult<String> {
    let owner = certificate_owner(size, i);
    let (_, level) = OCCUPATIONS[i % 2];
    let number = CertificateNumber::build(&CertificateParts {
        kind_letter: skillcert_domain::codecs::certificate_number::default_kind_letter(
            KINDS[owner % KINDS.len()],
        ),
        filing_code: "0000".to_owned(),
        site_code: site_code(owner),
        issue_year: 2025,
        level: Level::try_from(level as u8).map_err(|e| format!("{e:?}"))?,
        serial: (i / size.institutions + 1) as u32,
    })
    .map_err(err)?;
    Ok(number.as_str().to_owned())
}

/// Certificates `range`, as 信息部 issuance writes them: content in canonical JSON, signed with
/// the server's key, published.
fn certificate_rows(
    state: &AppState,
    size: &Size,
    institutions: &[(Uuid, InstitutionKind)],
    occupation_names: &[String; 2],
    range: std::ops::Range<usize>,
    now: OffsetDateTime,
) -> BenchResult<Vec<certificate::ActiveModel>> {
    let issue_date = certificate_issue_date()?;
    let key_id = state.signer.key_id();
    let mut rows = Vec::with_capacity(range.len());
    for i in range {
        let owner = certificate_owner(size, i);
        let (institution_id, _) = institutions[owner];
        let (code, level) = OCCUPATIONS[i % 2];
        let person = CERTIFICATE_PEOPLE + i as u64;
        let id = parse_id("resident_id", &people::id_number(person), "id_number")
            .map_err(|v| format!("generated ID refused: {}", v.message))?;
        let content = CertificateContent {
            number: certificate_number(size, i)?,
            name: format!("持证人{person}"),
            id_type: "resident_id".to_owned(),
            id_number_masked: id.masked.clone(),
            occupation_code: code.to_owned(),
            occupation_name: occupation_names[i % 2].clone(),
            work_type: None,
            level: level as u8,
            institution_name: institution_name(owner),
            issue_date,
        };
        let signature = state.signer.sign(&content);
        rows.push(certificate::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(content.number.clone()),
            batch_id: Set(None),
            candidate_id: Set(None),
            institution_id: Set(Some(institution_id)),
            id_blind: Set(id.blind(state)),
            name: Set(content.name.clone()),
            occupation_code: Set(code.to_owned()),
            level: Set(level),
            issued_on: Set(issue_date),
            status: Set("published".to_owned()),
            created_at: Set(now),
            id_type: Set(Some(content.id_type.clone())),
            id_masked: Set(Some(content.id_number_masked.clone())),
            content: Set(Some(content.canonical_json())),
            signature: Set(Some(signature)),
            key_id: Set(Some(key_id.clone())),
            published_at: Set(Some(now)),
            revoked_at: Set(None),
            revoke_reason: Set(None),
        });
    }
    Ok(rows)
}

/// Writes `size.certificates` certificates: generated and signed in blocks on every core,
/// inserted with multi-row INSERTs, committed every [`CERTIFICATE_TXN_ROWS`] rows.
async fn seed_certificates(
    state: &AppState,
    size: Size,
    institutions: &[(Uuid, InstitutionKind)],
    now: OffsetDateTime,
) -> BenchResult<()> {
    let names: std::collections::HashMap<String, String> = occupation::Entity::find()
        .all(&state.db.conn)
        .await
        .map_err(err)?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let occupation_names =
        OCCUPATIONS.map(|(code, _)| names.get(code).cloned().unwrap_or_default());
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut txn = state.db.begin_write().await.map_err(err)?;
    // SQLite's default page cache (2 MiB) makes the random inserts into the unique number and
    // blind-index b-trees read pages back from the OS over and over; give the seeding
    // connection 256 MiB (it is per connection and ends with it).
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -262144")
            .await
            .map_err(err)?;
    }
    let mut in_txn = 0;
    let mut start = 0;
    let (mut generating, mut inserting) = (Duration::ZERO, Duration::ZERO);
    while start < size.certificates {
        let block_started = Instant::now();
        let end = (start + CERTIFICATE_BLOCK).min(size.certificates);
        let per_thread = (end - start).div_ceil(threads);
        let parts: Vec<BenchResult<Vec<certificate::ActiveModel>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (start..end)
                .step_by(per_thread)
                .map(|from| {
                    let to = (from + per_thread).min(end);
                    let occupation_names = &occupation_names;
                    let size = &size;
                    scope.spawn(move || {
                        certificate_rows(state, size, institutions, occupation_names, from..to, now)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a signing thread panicked".into()))
                })
                .collect()
        });
        let generated = Instant::now();
        generating += generated - block_started;
        for part in parts {
            for chunk in part?.chunks(CHUNK) {
                certificate::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&*txn)
                    .await
                    .map_err(err)?;
            }
        }
        in_txn += end - start;
        start = end;
        inserting += generated.elapsed();
        if in_txn >= CERTIFICATE_TXN_ROWS && start < size.certificates {
            txn.commit().await.map_err(err)?;
            txn = state.db.begin_write().await.map_err(err)?;
            in_txn = 0;
        }
    }
    txn.commit().await.map_err(err)?;
    eprintln!(
        "  certificates: generating and signing {:.1} s, inserting {:.1} s",
        generating.as_secs_f64(),
        inserting.as_secs_f64()
    );
    Ok(())
}
