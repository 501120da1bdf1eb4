//! S4 (BENCHMARKS.md): import a 10,000-row and a 50,000-row roster .xlsx with every warning
//! check against the seeded database, through the running server's real endpoint
//! (`POST /batches/{id}/candidates/import`, then polling the job until it is done).
//!
//! Floor, measured in the same run on the same database: calamine parsing the same file, one
//! prepared multi-row INSERT of the same number of candidate rows (values computed beforehand)
//! and one set-based duplicate query, in one transaction.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::Reader;
use rust_xlsxwriter::Workbook;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
};
use serde_json::Value;
use skillcert_server::candidates::parse_id;
use skillcert_server::entities::{batch, batch_occupation, batch_step, blacklist_entry, user};
use skillcert_server::roster::Field;
use skillcert_server::state::AppState;
use time::{Date, Duration as Days, Month, OffsetDateTime};
use uuid::Uuid;

use crate::people;
use crate::seed::{self, OCCUPATIONS, Size};
use crate::server::Server;
use crate::{BenchResult, err};

/// People never seen before the import.
const FRESH_PEOPLE: u64 = 30_000_000;
/// People on the blacklist (seeded here), banned over the exam day.
const BLACKLIST_PEOPLE: u64 = 20_000_000;
const BLACKLISTED: u64 = 1_000;

/// How many of each planted warning a roster carries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Planted {
    pub concurrent: usize,
    pub certificate: usize,
    pub under_age: usize,
    pub blacklisted: usize,
}

/// A generated roster and the same rows as the floor inserts them.
pub struct Roster {
    pub rows: usize,
    pub xlsx: Vec<u8>,
    pub planted: Planted,
    floor_rows: Vec<FloorRow>,
}

struct FloorRow {
    name: String,
    id_enc: String,
    id_blind: String,
    id_masked: String,
    birth_date: Option<Date>,
    phone_enc: String,
    phone_masked: String,
    occupation: &'static str,
    level: i16,
}

/// Hands out people so that no two rosters (or rows) repeat one by accident.
pub struct PeopleCursor {
    size: Size,
    /// Next seeded candidate index to reuse (a concurrent registration).
    concurrent: usize,
    /// Next certificate index (even: the first occupation).
    certificate: u64,
    under_age: u64,
    blacklisted: u64,
    fresh: u64,
}

impl PeopleCursor {
    pub fn new(size: Size) -> Self {
        PeopleCursor {
            size,
            concurrent: 0,
            certificate: 0,
            under_age: 0,
            blacklisted: 0,
            fresh: 0,
        }
    }

    /// A candidate registered for the first (occupation, level) in an open batch.
    fn next_concurrent(&mut self) -> BenchResult<u64> {
        while self.concurrent < self.size.candidate_people() {
            let i = self.concurrent;
            self.concurrent += 1;
            if i.is_multiple_of(2) && seed::batch_is_open(seed::candidate_batch(&self.size, i)) {
                return Ok(seed::candidate_person(&self.size, i));
            }
        }
        Err("out of seeded candidates to register twice".into())
    }
}

fn exam_day() -> Date {
    Date::from_calendar_date(2026, Month::December, 18).unwrap_or(Date::MIN)
}

/// A roster of `rows` rows: every 50th a concurrent registration, every 50th a certificate
/// holder, every 200th under age, every 500th blacklisted, the rest new people.
pub fn roster(state: &AppState, cursor: &mut PeopleCursor, rows: usize) -> BenchResult<Roster> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, field) in (0u16..).zip(Field::ALL) {
        sheet.write_string(0, col, field.header()).map_err(err)?;
    }
    let mut planted = Planted::default();
    let mut floor_rows = Vec::with_capacity(rows);
    let under_age_from = Date::from_calendar_date(2011, Month::January, 1).map_err(err)?;
    for k in 0..rows {
        let (number, (occupation, level)) = match k % 500 {
            r if r % 50 == 1 => {
                planted.concurrent += 1;
                (people::id_number(cursor.next_concurrent()?), OCCUPATIONS[0])
            }
            r if r % 50 == 2 => {
                planted.certificate += 1;
                let person = seed::CERTIFICATE_PEOPLE + cursor.certificate;
                cursor.certificate += 2;
                (people::id_number(person), OCCUPATIONS[0])
            }
            r if r % 200 == 3 => {
                planted.under_age += 1;
                let n = cursor.under_age;
                cursor.under_age += 1;
                let birth = under_age_from + Days::days((n % 700) as i64);
                (people::id_number_born(birth, n / 700), OCCUPATIONS[0])
            }
            4 => {
                planted.blacklisted += 1;
                let n = cursor.blacklisted % BLACKLISTED;
                cursor.blacklisted += 1;
                (people::id_number(BLACKLIST_PEOPLE + n), OCCUPATIONS[1])
            }
            _ => {
                let person = FRESH_PEOPLE + cursor.fresh;
                cursor.fresh += 1;
                (people::id_number(person), OCCUPATIONS[k % 2])
            }
        };
        let phone = format!("139{:08}", k);
        let r = u32::try_from(k + 1).map_err(err)?;
        sheet.write_string(r, 0, format!("考生{k}")).map_err(err)?;
        sheet.write_string(r, 1, "居民身份证").map_err(err)?;
        sheet.write_string(r, 2, &number).map_err(err)?;
        sheet.write_string(r, 3, &phone).map_err(err)?;
        sheet.write_string(r, 4, occupation).map_err(err)?;
        sheet.write_number(r, 5, f64::from(level)).map_err(err)?;
        sheet.write_string(r, 6, "高中").map_err(err)?;
        sheet.write_number(r, 7, 3.0).map_err(err)?;

        let id = parse_id("resident_id", &number, "id_number")
            .map_err(|v| format!("generated ID refused: {}", v.message))?;
        floor_rows.push(FloorRow {
            name: format!("考生{k}"),
            id_enc: id.encrypt(state).map_err(|e| format!("{e:?}"))?,
            id_blind: id.blind(state),
            id_masked: id.masked.clone(),
            birth_date: id.birth_date,
            phone_enc: state.pii.encrypt(&phone).map_err(err)?,
            phone_masked: skillcert_server::pii::mask_phone(&phone),
            occupation,
            level,
        });
    }
    Ok(Roster {
        rows,
        xlsx: workbook.save_to_buffer().map_err(err)?,
        planted,
        floor_rows,
    })
}

/// The blacklist the rosters hit: ordinary rows, as supervisors would enter them.
pub async fn seed_blacklist(state: &AppState, created_by: Uuid) -> BenchResult<()> {
    let now = OffsetDateTime::now_utc();
    let from = Date::from_calendar_date(2026, Month::January, 1).map_err(err)?;
    let until = Date::from_calendar_date(2027, Month::December, 31).map_err(err)?;
    let mut rows = Vec::new();
    for n in 0..BLACKLISTED {
        let id = parse_id(
            "resident_id",
            &people::id_number(BLACKLIST_PEOPLE + n),
            "id_number",
        )
        .map_err(|v| format!("generated ID refused: {}", v.message))?;
        rows.push(blacklist_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            id_blind: Set(id.blind(state)),
            id_masked: Set(id.masked.clone()),
            name: Set(format!("禁考人员{n}")),
            reason: Set("违纪（基准测试数据）".to_owned()),
            ban_from: Set(from),
            ban_until: Set(until),
            created_by: Set(created_by),
            created_at: Set(now),
        });
    }
    let txn = state.db.begin_write().await.map_err(err)?;
    for chunk in rows.chunks(1_000) {
        blacklist_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&*txn)
            .await
            .map_err(err)?;
    }
    txn.commit().await.map_err(err)?;
    Ok(())
}

/// The demo institution user's registration-open batch, cloned: a fresh target per import
/// (same occupations, same step states, same exam day).
pub async fn clone_demo_batch(state: &AppState, institution_id: Uuid) -> BenchResult<Uuid> {
    let conn = &state.db.conn;
    let template = batch::Entity::find()
        .filter(batch::Column::InstitutionId.eq(institution_id))
        .one(conn)
        .await
        .map_err(err)?
        .ok_or("the demo institution has no batch")?;
    let id = Uuid::now_v7();
    let txn = state.db.begin_write().await.map_err(err)?;
    let mut model: batch::ActiveModel = template.clone().into();
    model.id = Set(id);
    model.exam_start = Set(exam_day());
    model.exam_end = Set(exam_day());
    batch::Entity::insert(model)
        .exec_without_returning(&*txn)
        .await
        .map_err(err)?;
    for occupation in batch_occupation::Entity::find()
        .filter(batch_occupation::Column::BatchId.eq(template.id))
        .all(&*txn)
        .await
        .map_err(err)?
    {
        let mut model: batch_occupation::ActiveModel = occupation.into();
        model.batch_id = Set(id);
        batch_occupation::Entity::insert(model)
            .exec_without_returning(&*txn)
            .await
            .map_err(err)?;
    }
    for step in batch_step::Entity::find()
        .filter(batch_step::Column::BatchId.eq(template.id))
        .all(&*txn)
        .await
        .map_err(err)?
    {
        let mut model: batch_step::ActiveModel = step.into();
        model.batch_id = Set(id);
        batch_step::Entity::insert(model)
            .exec_without_returning(&*txn)
            .await
            .map_err(err)?;
    }
    txn.commit().await.map_err(err)?;
    Ok(id)
}

pub async fn institution_of(state: &AppState, username: &str) -> BenchResult<(Uuid, Uuid)> {
    let user = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&state.db.conn)
        .await
        .map_err(err)?
        .ok_or("demo user missing")?;
    Ok((
        user.id,
        user.institution_id.ok_or("not an institution user")?,
    ))
}

const FLOOR_COLUMNS: &str = "id, batch_id, institution_id, name, id_type, id_number_enc, \
     id_blind, id_masked, birth_date, phone_enc, phone_masked, occupation_code, level, \
     eligibility, version, created_at, updated_at";
const FLOOR_WIDTH: usize = 17;
const FLOOR_CHUNK: usize = 500;

#[derive(FromQueryResult)]
struct Blind {
    #[allow(dead_code)]
    id_blind: String,
}

/// The floor's time and its parts.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub total: Duration,
    pub parse: Duration,
    pub insert: Duration,
    pub query: Duration,
}

/// The floor: parse, one prepared multi-row insert (in chunks of one statement text), one
/// duplicate query, commit. The rows are deleted afterwards, untimed.
pub async fn floor(
    state: &AppState,
    roster: &Roster,
    batch_id: Uuid,
    institution_id: Uuid,
) -> BenchResult<Floor> {
    let started = Instant::now();
    let mut workbook = calamine::Xlsx::new(Cursor::new(roster.xlsx.as_slice())).map_err(err)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or("no sheet")?
        .map_err(err)?;
    let parsed: Vec<Vec<String>> = range
        .rows()
        .skip(1)
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect();
    if parsed.len() != roster.rows {
        return Err(format!("floor parsed {} rows of {}", parsed.len(), roster.rows).into());
    }

    let parse = started.elapsed();
    let now = OffsetDateTime::now_utc();
    let txn = state.db.begin_write().await.map_err(err)?;
    let backend = txn.get_database_backend();
    for chunk in roster.floor_rows.chunks(FLOOR_CHUNK) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * FLOOR_WIDTH);
        for row in chunk {
            values.extend([
                Uuid::now_v7().into(),
                batch_id.into(),
                institution_id.into(),
                row.name.clone().into(),
                "resident_id".into(),
                row.id_enc.clone().into(),
                row.id_blind.clone().into(),
                row.id_masked.clone().into(),
                row.birth_date.into(),
                row.phone_enc.clone().into(),
                row.phone_masked.clone().into(),
                row.occupation.into(),
                row.level.into(),
                "pending".into(),
                1i32.into(),
                now.into(),
                now.into(),
            ]);
        }
        let tuple = format!("({})", vec!["?"; FLOOR_WIDTH].join(", "));
        let sql = format!(
            "INSERT INTO candidates ({FLOOR_COLUMNS}) VALUES {}",
            vec![tuple; chunk.len()].join(", ")
        );
        txn.execute(skillcert_server::db::statement(backend, &sql, values))
            .await
            .map_err(err)?;
    }
    let insert = started.elapsed() - parse;
    let duplicates = Blind::find_by_statement(skillcert_server::db::statement(
        backend,
        "SELECT DISTINCT x.id_blind AS id_blind FROM candidates x WHERE x.batch_id = ? \
         AND EXISTS (SELECT 1 FROM candidates y WHERE y.id_blind = x.id_blind \
         AND y.batch_id <> x.batch_id)",
        vec![batch_id.into()],
    ))
    .all(&*txn)
    .await
    .map_err(err)?;
    txn.commit().await.map_err(err)?;
    let elapsed = started.elapsed();
    let query = elapsed - parse - insert;
    if duplicates.len() < roster.planted.concurrent {
        return Err(format!(
            "floor duplicate query found {} of {} planted",
            duplicates.len(),
            roster.planted.concurrent
        )
        .into());
    }

    let txn = state.db.begin_write().await.map_err(err)?;
    txn.execute(skillcert_server::db::statement(
        backend,
        "DELETE FROM candidates WHERE batch_id = ?",
        vec![batch_id.into()],
    ))
    .await
    .map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(Floor {
        total: elapsed,
        parse,
        insert,
        query,
    })
}

pub async fn login(server: &Server, username: &str, password: &str) -> BenchResult<String> {
    let response: Value = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .map_err(err)?
        .json()
        .await
        .map_err(err)?;
    response["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("login refused: {response}").into())
}

/// One import through the API, timed from the request until the job reports `done`.
pub async fn import(
    server: &Server,
    token: &str,
    batch_id: Uuid,
    roster: &Roster,
) -> BenchResult<Duration> {
    let client = reqwest::Client::new();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(roster.xlsx.clone()).file_name("花名册.xlsx"),
    );
    let started = Instant::now();
    let response = client
        .post(server.url(&format!("/api/v1/batches/{batch_id}/candidates/import")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .map_err(err)?;
    let status = response.status();
    let body: Value = response.json().await.map_err(err)?;
    let job = match status.as_u16() {
        201 => body,
        202 => {
            let job_id = body["job_id"].as_str().ok_or("no job_id")?.to_owned();
            loop {
                let job: Value = client
                    .get(server.url(&format!("/api/v1/import-jobs/{job_id}")))
                    .bearer_auth(token)
                    .send()
                    .await
                    .map_err(err)?
                    .json()
                    .await
                    .map_err(err)?;
                if job["status"] != "running" {
                    break job;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        _ => return Err(format!("import answered {status}: {body}").into()),
    };
    let elapsed = started.elapsed();
    if job["status"] != "done" || job["imported_rows"].as_u64() != Some(roster.rows as u64) {
        return Err(format!("import did not complete: {job}").into());
    }
    Ok(elapsed)
}

#[derive(FromQueryResult)]
struct CodeCount {
    code: String,
    n: i64,
}

/// The warnings the import stored, checked against what the roster planted.
pub async fn check_warnings(state: &AppState, batch_id: Uuid, planted: Planted) -> BenchResult<()> {
    let conn = &state.db.conn;
    let counts = CodeCount::find_by_statement(skillcert_server::db::statement(
        conn.get_database_backend(),
        "SELECT code, COUNT(*) AS n FROM candidate_warnings WHERE batch_id = ? GROUP BY code",
        vec![batch_id.into()],
    ))
    .all(conn)
    .await
    .map_err(err)?;
    let count = |code: &str| {
        counts
            .iter()
            .find(|c| c.code == code)
            .map_or(0, |c| usize::try_from(c.n).unwrap_or(0))
    };
    let found = Planted {
        concurrent: count("CONCURRENT_BATCH"),
        certificate: count("DUPLICATE_CERTIFICATE"),
        under_age: count("UNDER_AGE"),
        blacklisted: count("BLACKLISTED"),
    };
    if found != planted {
        return Err(format!("warnings stored {found:?}, planted {planted:?}").into());
    }
    Ok(())
}
