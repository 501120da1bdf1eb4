//! Roster import and export through HTTP (SPEC §5): the template and its round trip, .xlsx and
//! .csv (UTF-8 and GBK) imports, every bad-row reason, all-or-nothing and `valid_only`, the
//! background job of a large file with its progress endpoint, the masked export, and tenancy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use common::batches::{CARER, ELECTRICIAN, batch_body_lines, create, import_roster, state_of};
use common::fixtures::{annual_plan, token};
use common::ids::{distinct_id, wrong_check};
use common::sheets::{Cell, ROSTER_HEADER, roster_row, s, xlsx};
use common::{TestApp, each_backend, problem};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use skillcert_server::entities::{audit_event, candidate, import_job, user};
use uuid::Uuid;

// -- Setup & Fixtures

/// The cast, emp1's annual plan, and an employer/self batch (registration open) planning
/// 电工 五级 and 养老护理员 四级. Returns (emp1's token, batch id).
async fn setup(app: &TestApp) -> (String, String) {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    let emp = token(app, "emp1").await;
    let batch = new_batch(app, &emp).await;
    (emp, batch)
}

async fn new_batch(app: &TestApp, token: &str) -> String {
    let body = create(
        app,
        token,
        batch_body_lines(
            "self",
            "exam",
            "4101",
            &[(ELECTRICIAN, 5, 20), (CARER, 4, 10)],
        ),
    )
    .await;
    assert_eq!(state_of(&body, "registration"), "draft");
    body["id"].as_str().unwrap().to_owned()
}

/// A clean row: 电工 五级.
fn good_row(n: u32) -> Vec<Cell> {
    roster_row(&format!("考生{n}"), &distinct_id(n), "13800138000")
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn candidates_in(app: &TestApp, batch: &str) -> u64 {
    candidate::Entity::find()
        .filter(candidate::Column::BatchId.eq(batch.parse::<Uuid>().unwrap()))
        .count(&app.state.db.conn)
        .await
        .unwrap()
}

/// (row, column, reason) of every violation.
fn bad_rows(body: &Value) -> BTreeSet<(u64, String, String)> {
    body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let d = &v["details"];
            assert_eq!(
                v["field"],
                format!(
                    "rows[{}].{}",
                    d["row"].as_u64().unwrap(),
                    d["column"].as_str().unwrap()
                )
            );
            (
                d["row"].as_u64().unwrap(),
                d["column"].as_str().unwrap().to_owned(),
                d["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(n: u64, column: &str, reason: &str) -> (u64, String, String) {
    (n, column.to_owned(), reason.to_owned())
}

/// Every cell of the first sheet, as text.
fn sheet_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Polls a job until it finishes; also returns `processed_rows` of each poll that found it
/// still running.
async fn wait_for_job(app: &TestApp, token: &str, location: &str) -> (Value, Vec<i64>) {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut seen = Vec::new();
    loop {
        let response = app.get(token, location).await;
        assert_eq!(response.status(), 200);
        let job: Value = response.json().await.unwrap();
        if job["status"] != "running" {
            return (job, seen);
        }
        seen.push(job["processed_rows"].as_i64().unwrap());
        assert!(Instant::now() < deadline, "job still running: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// -- Template

#[actix_web::test]
async fn template_downloads_and_reimports_once_filled() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;

        // -- Exec
        let response = app
            .get(&emp, &format!("/api/v1/batches/{batch}/roster/template"))
            .await;

        // -- Check
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(
            headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''%E8%80%83%E7%94%9F"),
            "{disposition}"
        );
        let template = response.bytes().await.unwrap().to_vec();
        let cells = sheet_cells(&template);
        assert_eq!(cells[0], ROSTER_HEADER);
        assert_eq!(cells.len(), 2, "header and the sample row");
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(template.clone())).unwrap();
        let styles = workbook.worksheet_style("考生花名册").unwrap();
        let id_format = styles
            .get((1, 2))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone());
        assert_eq!(id_format.as_deref(), Some("@"), "the ID column is text");

        // The template as downloaded holds only the sample, which is skipped.
        let body = problem(
            import_roster(&app, &emp, &batch, template, "模板.xlsx", None).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["details"]["reason"], "no_rows");

        // Filled in below the sample (header and sample kept as downloaded), it imports.
        let mut rows: Vec<Vec<Cell>> = vec![cells[1].iter().map(|c| s(c)).collect()];
        rows.extend((1..=3).map(good_row));
        let filled = xlsx(
            &cells[0].iter().map(String::as_str).collect::<Vec<_>>(),
            &rows,
        );
        let job =
            created(import_roster(&app, &emp, &batch, filled, "花名册.xlsx", None).await).await;
        assert_eq!(job["status"], "done");
        assert_eq!(job["imported_rows"], 3);
        assert_eq!(job["total_rows"], 3);
        assert_eq!(candidates_in(&app, &batch).await, 3);
        app
    })
    .await;
}

// -- Happy path

#[actix_web::test]
async fn xlsx_of_20_rows_imports_with_counts_only_in_the_audit() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=20).map(good_row).collect();
        let file = xlsx(&ROSTER_HEADER, &rows);

        // -- Exec
        let response = app
            .client
            .post(app.url(&format!("/api/v1/batches/{batch}/candidates/import")))
            .bearer_auth(&emp)
            .header("Idempotency-Key", "roster-20")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(file.clone()).file_name("roster.xlsx"),
            ))
            .send()
            .await
            .unwrap();

        // -- Check
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let job = created(response).await;
        assert_eq!(job["status"], "done");
        assert_eq!(job["mode"], "all_or_nothing");
        assert_eq!(job["total_rows"], 20);
        assert_eq!(job["processed_rows"], 20);
        assert_eq!(job["imported_rows"], 20);
        assert_eq!(job["errors"], json!([]));
        assert_eq!(
            location,
            format!("/api/v1/import-jobs/{}", job["id"].as_str().unwrap())
        );
        assert_eq!(candidates_in(&app, &batch).await, 20);

        // The job reads back the same.
        let again: Value = app.get(&emp, &location).await.json().await.unwrap();
        assert_eq!(again, job);

        // A retry with the same key answers the first response and imports nothing more.
        let replay = app
            .client
            .post(app.url(&format!("/api/v1/batches/{batch}/candidates/import")))
            .bearer_auth(&emp)
            .header("Idempotency-Key", "roster-20")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(file).file_name("roster.xlsx"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 201);
        let replayed: Value = replay.json().await.unwrap();
        assert_eq!(replayed["id"], job["id"]);
        assert_eq!(candidates_in(&app, &batch).await, 20);

        // Stored: masked, encrypted and blinded, never the full number outside id_number_enc.
        let stored = candidate::Entity::find()
            .filter(candidate::Column::BatchId.eq(batch.parse::<Uuid>().unwrap()))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        for c in &stored {
            let n: u32 = c.name.trim_start_matches("考生").parse().unwrap();
            let full = distinct_id(n);
            assert_eq!(
                c.id_masked,
                format!("{}********{}", &full[..6], &full[14..])
            );
            assert_eq!(c.occupation_code, "6-31-01-03");
            assert_eq!(c.level, 5);
            assert_eq!(c.work_years, Some(3));
            assert_eq!(c.phone_masked.as_deref(), Some("138****8000"));
            let visible = format!(
                "{}|{}|{}|{:?}|{:?}",
                c.id_blind, c.id_masked, c.name, c.phone_enc, c.phone_masked
            );
            assert!(!visible.contains(&full));
            assert!(!c.id_number_enc.contains(&full));
        }

        // One roster.import event with counts, no personal data.
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("roster.import"))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        let after = &events[0].summary["after"];
        assert_eq!(after["total_rows"], 20);
        assert_eq!(after["imported_rows"], 20);
        assert_eq!(after["rejected_rows"], 0);
        let summary = events[0].summary.to_string();
        assert!(!summary.contains("考生1"));
        assert!(!summary.contains(&distinct_id(1)[..10]));
        app
    })
    .await;
}

// -- Bad rows

/// One row per reason (row numbers as in Excel: header = 1), and the good rows they sit among.
fn file_with_every_bad_reason() -> Vec<u8> {
    let mut rows = vec![good_row(1), good_row(2)]; // rows 2, 3
    let mut checksum = good_row(3);
    checksum[2] = Cell::S(wrong_check(&distinct_id(3)));
    rows.push(checksum); // row 4
    let mut numeric = good_row(4);
    numeric[2] = Cell::N(410105198001010000.0);
    rows.push(numeric); // row 5
    let mut legacy = good_row(5);
    legacy[2] = s("410105800101123");
    rows.push(legacy); // row 6
    let mut unknown = good_row(6);
    unknown[4] = s("6-99-99-99");
    rows.push(unknown); // row 7
    let mut not_in_batch = good_row(7);
    not_in_batch[4] = s("6-31-01-01");
    rows.push(not_in_batch); // row 8
    let mut level_not_in_batch = good_row(8);
    level_not_in_batch[5] = Cell::N(3.0);
    rows.push(level_not_in_batch); // row 9
    rows.push(good_row(1)); // row 10: the same as row 2
    let mut missing = good_row(10);
    missing[0] = Cell::Empty;
    rows.push(missing); // row 11
    rows.push(vec![Cell::Empty; 10]); // row 12: blank, skipped
    rows.push(good_row(11)); // row 13
    xlsx(&ROSTER_HEADER, &rows)
}

fn every_bad_reason() -> BTreeSet<(u64, String, String)> {
    [
        row(4, "证件号码", "bad_checksum"),
        row(5, "证件号码", "id_stored_as_number"),
        row(6, "证件号码", "legacy_15_digit"),
        row(7, "职业编码", "unknown_occupation"),
        row(8, "职业编码", "not_in_batch"),
        row(9, "等级", "not_in_batch"),
        row(10, "证件号码", "duplicate_row"),
        row(11, "姓名", "missing_field"),
    ]
    .into_iter()
    .collect()
}

#[actix_web::test]
async fn every_bad_row_is_reported_and_nothing_imported() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        // In the catalogue, but not planned in this batch.
        app.occupation("6-31-01-01", "变配电运行值班员", &[5, 4, 3])
            .await;

        // -- Exec
        let response = import_roster(
            &app,
            &emp,
            &batch,
            file_with_every_bad_reason(),
            "r.xlsx",
            None,
        )
        .await;

        // -- Check
        let text = {
            let body = problem(response, 422, "VALIDATION").await;
            assert_eq!(bad_rows(&body), every_bad_reason());
            for v in body["violations"].as_array().unwrap() {
                assert!(v["message"].as_str().unwrap().starts_with("第 "), "{v}");
            }
            body.to_string()
        };
        for n in 1..=11 {
            assert!(
                !text.contains(&distinct_id(n)),
                "no full ID number in the answer"
            );
        }
        assert_eq!(candidates_in(&app, &batch).await, 0, "all or nothing");
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("roster.import"))
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events, 0);
        app
    })
    .await;
}

#[actix_web::test]
async fn valid_only_imports_the_clean_rows_and_reports_the_rest() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        app.occupation("6-31-01-01", "变配电运行值班员", &[5, 4, 3])
            .await;

        // -- Exec
        let response = import_roster(
            &app,
            &emp,
            &batch,
            file_with_every_bad_reason(),
            "r.xlsx",
            Some("valid_only"),
        )
        .await;

        // -- Check
        let job = created(response).await;
        assert_eq!(job["status"], "done");
        assert_eq!(job["mode"], "valid_only");
        assert_eq!(job["total_rows"], 11);
        assert_eq!(job["imported_rows"], 3);
        let errors: BTreeSet<(u64, String, String)> = job["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_u64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                    e["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(errors, every_bad_reason());
        assert_eq!(candidates_in(&app, &batch).await, 3);

        // Query parameter works too; a file with no clean row imports nothing (422).
        let mut only_bad = good_row(20);
        only_bad[2] = Cell::S(wrong_check(&distinct_id(20)));
        let response = app
            .client
            .post(app.url(&format!(
                "/api/v1/batches/{batch}/candidates/import?mode=valid_only"
            )))
            .bearer_auth(&emp)
            .multipart(
                reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(xlsx(&ROSTER_HEADER, &[only_bad]))
                        .file_name("r.xlsx"),
                ),
            )
            .send()
            .await
            .unwrap();
        let body = problem(response, 422, "VALIDATION").await;
        assert_eq!(
            bad_rows(&body),
            [row(2, "证件号码", "bad_checksum")].into_iter().collect()
        );
        assert_eq!(candidates_in(&app, &batch).await, 3);
        app
    })
    .await;
}

#[actix_web::test]
async fn bad_files_and_headers_are_refused() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;

        // -- Exec & Check
        // A header without 证件号码.
        let file = xlsx(
            &["姓名", "职业编码", "等级"],
            &[vec![s("张三"), s("6-31-01-03"), s("5")]],
        );
        let body = problem(
            import_roster(&app, &emp, &batch, file, "r.xlsx", None).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "file");
        assert_eq!(
            body["violations"][0]["details"]["reason"],
            "missing_columns"
        );
        assert_eq!(
            body["violations"][0]["details"]["missing"],
            json!(["证件号码"])
        );
        // A header that names no known column at all.
        let file = xlsx(&["name", "id"], &[vec![s("张三"), s("x")]]);
        let body = problem(
            import_roster(&app, &emp, &batch, file, "r.xlsx", None).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(
            body["violations"][0]["details"]["missing"],
            json!(["姓名", "证件号码", "职业编码", "等级"])
        );
        // Not a spreadsheet.
        problem(
            import_roster(&app, &emp, &batch, b"%PDF-1.7\n".to_vec(), "r.pdf", None).await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        )
        .await;
        // A broken .xlsx.
        let body = problem(
            import_roster(
                &app,
                &emp,
                &batch,
                b"PK\x03\x04broken".to_vec(),
                "r.xlsx",
                None,
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(
            body["violations"][0]["details"]["reason"],
            "unreadable_file"
        );
        // No file.
        let response = app
            .client
            .post(app.url(&format!("/api/v1/batches/{batch}/candidates/import")))
            .bearer_auth(&emp)
            .multipart(reqwest::multipart::Form::new().text("mode", "valid_only"))
            .send()
            .await
            .unwrap();
        let body = problem(response, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "file");
        // An unknown mode.
        let file = xlsx(&ROSTER_HEADER, &[good_row(1)]);
        let body = problem(
            import_roster(&app, &emp, &batch, file, "r.xlsx", Some("some")).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "mode");
        assert_eq!(candidates_in(&app, &batch).await, 0);
        app
    })
    .await;
}

// -- CSV

/// A title row above the header, as Chinese rosters often have, then the header and 3 people.
fn csv_text(ids: &[String]) -> String {
    format!(
        "河南示范用人单位考生花名册,,,,,,,,,\r\n{}\r\n张三,居民身份证,{},13800138000,6-31-01-03,5,\"大专,在读\",3,,\r\n\
         李四,,{},,4-10-01-05,四级,,,,\r\n\
         ,,,,,,,,,\r\n\
         王五,身份证,'{},,6-31-01-03,五级/初级工,初中,,,\r\n",
        ROSTER_HEADER.join(","),
        ids[0],
        ids[1],
        ids[2],
    )
}

#[actix_web::test]
async fn csv_imports_in_utf8_with_bom_and_in_gbk() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let utf8 = {
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            bytes.extend_from_slice(
                csv_text(&[distinct_id(1), distinct_id(2), distinct_id(3)]).as_bytes(),
            );
            bytes
        };
        let gbk = {
            let text = csv_text(&[distinct_id(4), distinct_id(5), distinct_id(6)]);
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
            assert!(!unmappable);
            assert!(std::str::from_utf8(&bytes).is_err(), "really GBK");
            bytes.into_owned()
        };

        // -- Exec
        let first =
            created(import_roster(&app, &emp, &batch, utf8, "花名册.csv", None).await).await;
        let second =
            created(import_roster(&app, &emp, &batch, gbk, "花名册.csv", None).await).await;

        // -- Check
        assert_eq!(first["imported_rows"], 3);
        assert_eq!(second["imported_rows"], 3);
        let stored = candidate::Entity::find()
            .filter(candidate::Column::BatchId.eq(batch.parse::<Uuid>().unwrap()))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        let names: Vec<&str> = stored.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names.iter().filter(|n| **n == "张三").count(),
            2,
            "{names:?}"
        );
        assert_eq!(
            names.iter().filter(|n| **n == "李四").count(),
            2,
            "{names:?}"
        );
        assert_eq!(
            names.iter().filter(|n| **n == "王五").count(),
            2,
            "{names:?}"
        );
        let zhang = stored.iter().find(|c| c.name == "张三").unwrap();
        assert_eq!(zhang.education.as_deref(), Some("大专,在读"));
        let li = stored.iter().find(|c| c.name == "李四").unwrap();
        assert_eq!((li.occupation_code.as_str(), li.level), ("4-10-01-05", 4));
        assert_eq!(li.id_type, "resident_id");

        // Excel's scientific notation for a long number is an ID stored as a number.
        let csv = format!(
            "{}\n赵六,居民身份证,4.10105E+17,,6-31-01-03,5,,,,\n",
            ROSTER_HEADER.join(",")
        );
        let body = problem(
            import_roster(&app, &emp, &batch, csv.into_bytes(), "r.csv", None).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(
            bad_rows(&body),
            [row(2, "证件号码", "id_stored_as_number")]
                .into_iter()
                .collect()
        );
        app
    })
    .await;
}

// -- Large files: the background job

#[actix_web::test]
async fn a_5000_row_file_runs_as_a_job_with_progress() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=5000).map(good_row).collect();
        let file = xlsx(&ROSTER_HEADER, &rows);

        // -- Exec
        let response = import_roster(&app, &emp, &batch, file, "big.xlsx", None).await;

        // -- Check
        assert_eq!(response.status(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let accepted: Value = response.json().await.unwrap();
        assert_eq!(accepted["status"], "running");
        assert_eq!(accepted["total_rows"], 5000);
        assert_eq!(
            location,
            format!(
                "/api/v1/import-jobs/{}",
                accepted["job_id"].as_str().unwrap()
            )
        );
        let (job, seen) = wait_for_job(&app, &emp, &location).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["total_rows"], 5000);
        assert_eq!(job["processed_rows"], 5000);
        assert_eq!(job["imported_rows"], 5000);
        assert!(
            seen.windows(2).all(|w| w[0] <= w[1]),
            "progress only grows: {seen:?}"
        );
        assert!(
            seen.iter().any(|n| *n > 0),
            "progress was visible while running: {seen:?}"
        );
        assert_eq!(candidates_in(&app, &batch).await, 5000);

        // The supervisor sees the job too; another institution does not.
        let sup = token(&app, "supervisor").await;
        assert_eq!(app.get(&sup, &location).await.status(), 200);
        let train = token(&app, "train1").await;
        problem(app.get(&train, &location).await, 404, "NOT_FOUND").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_large_file_with_bad_rows_fails_its_job_and_imports_nothing() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let mut rows: Vec<Vec<Cell>> = (1..=2500).map(good_row).collect();
        rows[1999][2] = Cell::N(410105198001010000.0); // row 2001

        // -- Exec
        let response = import_roster(
            &app,
            &emp,
            &batch,
            xlsx(&ROSTER_HEADER, &rows),
            "big.xlsx",
            None,
        )
        .await;

        // -- Check
        assert_eq!(response.status(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (job, _) = wait_for_job(&app, &emp, &location).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["processed_rows"], 2500);
        assert_eq!(job["imported_rows"], 0);
        assert_eq!(
            job["errors"],
            json!([{
                "row": 2001,
                "column": "证件号码",
                "reason": "id_stored_as_number",
                "message": job["errors"][0]["message"],
            }])
        );
        assert_eq!(candidates_in(&app, &batch).await, 0);
        app
    })
    .await;
}

// -- Export

#[actix_web::test]
async fn export_shows_masked_ids_only() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=5).map(good_row).collect();
        created(
            import_roster(
                &app,
                &emp,
                &batch,
                xlsx(&ROSTER_HEADER, &rows),
                "r.xlsx",
                None,
            )
            .await,
        )
        .await;

        // -- Exec
        let response = app
            .get(&emp, &format!("/api/v1/batches/{batch}/candidates/export"))
            .await;

        // -- Check
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''")
        );
        let cells = sheet_cells(&response.bytes().await.unwrap());
        let mut header: Vec<&str> = ROSTER_HEADER.to_vec();
        header.extend(["资格审核", "预警信息"]);
        assert_eq!(cells[0], header);
        assert_eq!(cells.len(), 6);
        let everything = format!("{cells:?}");
        for n in 1..=5 {
            let full = distinct_id(n);
            assert!(!everything.contains(&full), "no full ID number");
            let masked = format!("{}********{}", &full[..6], &full[14..]);
            let exported = cells.iter().find(|r| r[0] == format!("考生{n}")).unwrap();
            assert_eq!(exported[2], masked);
            assert_eq!(exported[1], "居民身份证");
            assert_eq!(exported[3], "138****8000");
            assert_eq!(exported[4], "6-31-01-03");
            assert_eq!(exported[10], "待审核");
        }

        // The supervisor may export; an inspector sees no batch.
        let sup = token(&app, "supervisor").await;
        let response = app
            .get(&sup, &format!("/api/v1/batches/{batch}/candidates/export"))
            .await;
        assert_eq!(response.status(), 200);
        app
    })
    .await;
}

// -- Tenancy and roles

#[actix_web::test]
async fn another_institution_gets_404_and_other_roles_cannot_import() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let job = created(
            import_roster(
                &app,
                &emp,
                &batch,
                xlsx(&ROSTER_HEADER, &[good_row(1)]),
                "r.xlsx",
                None,
            )
            .await,
        )
        .await;
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let inspector = token(&app, "inspector1").await;

        // -- Exec & Check
        for path in [
            format!("/api/v1/batches/{batch}/roster/template"),
            format!("/api/v1/batches/{batch}/candidates/export"),
            format!("/api/v1/import-jobs/{}", job["id"].as_str().unwrap()),
        ] {
            problem(app.get(&train, &path).await, 404, "NOT_FOUND").await;
            problem(app.get(&inspector, &path).await, 404, "NOT_FOUND").await;
        }
        problem(
            import_roster(
                &app,
                &train,
                &batch,
                xlsx(&ROSTER_HEADER, &[good_row(2)]),
                "r.xlsx",
                None,
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            import_roster(
                &app,
                &sup,
                &batch,
                xlsx(&ROSTER_HEADER, &[good_row(2)]),
                "r.xlsx",
                None,
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        problem(
            app.get(&emp, &format!("/api/v1/import-jobs/{}", Uuid::now_v7()))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;
        let unauthenticated = app
            .client
            .get(app.url(&format!("/api/v1/batches/{batch}/roster/template")))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), 401);
        assert_eq!(candidates_in(&app, &batch).await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_job_that_lost_its_server_reads_as_failed() {
    each_backend(|app| async move {
        // -- Setup: a job left running by a server that went away.
        let (emp, batch) = setup(&app).await;
        let creator = user::Entity::find()
            .filter(user::Column::Username.eq("emp1"))
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        let id = Uuid::now_v7();
        import_job::Entity::insert(import_job::ActiveModel {
            id: Set(id),
            batch_id: Set(batch.parse().unwrap()),
            status: Set("running".to_owned()),
            mode: Set("all_or_nothing".to_owned()),
            total_rows: Set(9000),
            processed_rows: Set(4000),
            imported_rows: Set(0),
            errors: Set(json!([])),
            created_by: Set(creator.id),
            created_at: Set(app.state.clock.now()),
            finished_at: Set(None),
            ..Default::default()
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        let path = format!("/api/v1/import-jobs/{id}");
        let job: Value = app.get(&emp, &path).await.json().await.unwrap();
        assert_eq!(job["status"], "running");

        // -- Exec
        app.set_now("2026-02-12T03:00:00Z");
        let emp = token(&app, "emp1").await;
        let job: Value = app.get(&emp, &path).await.json().await.unwrap();

        // -- Check
        assert_eq!(job["status"], "failed");
        assert_eq!(job["imported_rows"], 0);
        assert_eq!(job["errors"][0]["reason"], "interrupted");
        assert_eq!(job["failure_reason"], "interrupted");
        assert!(job["finished_at"].is_string());
        app
    })
    .await;
}

/// An import with an `Idempotency-Key`.
async fn import_with_key(
    app: &TestApp,
    token: &str,
    batch: &str,
    bytes: Vec<u8>,
    key: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("roster.xlsx".to_owned()),
    );
    app.client
        .post(app.url(&format!("/api/v1/batches/{batch}/candidates/import")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn importing_the_same_file_twice_registers_nobody_twice() {
    each_backend(|app| async move {
        // -- Setup: 20 people imported.
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=20).map(good_row).collect();
        let file = xlsx(&ROSTER_HEADER, &rows);
        let first =
            created(import_roster(&app, &emp, &batch, file.clone(), "a.xlsx", None).await).await;
        assert_eq!(first["imported_rows"], 20);

        // -- Exec & Check: all or nothing refuses the file, every row listed.
        let again = import_roster(&app, &emp, &batch, file.clone(), "a.xlsx", None).await;
        let body = problem(again, 422, "VALIDATION").await;
        let expected: BTreeSet<_> = (2..=21)
            .map(|n| row(n, "证件号码", "already_registered"))
            .collect();
        assert_eq!(bad_rows(&body), expected);
        assert_eq!(candidates_in(&app, &batch).await, 20);

        // valid_only: the same 20 plus 3 new people, and person 1 (电工 五级 already) as 养老护理员
        // 四级 — another occupation and level, so not a repeat.
        let mut more = rows.clone();
        more.extend((21..=23).map(good_row));
        let mut carer = good_row(1);
        carer[4] = s(CARER);
        carer[5] = Cell::N(4.0);
        more.push(carer);
        let mixed = created(
            import_roster(
                &app,
                &emp,
                &batch,
                xlsx(&ROSTER_HEADER, &more),
                "b.xlsx",
                Some("valid_only"),
            )
            .await,
        )
        .await;
        assert_eq!(mixed["imported_rows"], 4, "{mixed}");
        let reasons: Vec<(u64, &str)> = mixed["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["row"].as_u64().unwrap(), e["reason"].as_str().unwrap()))
            .collect();
        assert_eq!(
            reasons,
            (2..=21)
                .map(|n| (n, "already_registered"))
                .collect::<Vec<_>>()
        );
        assert_eq!(candidates_in(&app, &batch).await, 24);

        // A withdrawn candidate may register again: the withdrawal ended that registration.
        let person = candidate::Entity::find()
            .filter(candidate::Column::BatchId.eq(batch.parse::<Uuid>().unwrap()))
            .filter(candidate::Column::Name.eq("考生5"))
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        let withdrawn = app
            .post(
                &emp,
                &format!("/api/v1/candidates/{}/withdraw", person.id),
                json!({ "reason": "本人申请撤回" }),
            )
            .await;
        assert_eq!(
            withdrawn.status(),
            200,
            "{}",
            withdrawn.text().await.unwrap()
        );
        let back = created(
            import_roster(
                &app,
                &emp,
                &batch,
                xlsx(&ROSTER_HEADER, &[good_row(5)]),
                "c.xlsx",
                None,
            )
            .await,
        )
        .await;
        assert_eq!(back["imported_rows"], 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn one_person_registers_once_per_occupation_and_level_by_hand_too() {
    each_backend(|app| async move {
        // -- Setup: person 7 imported for 电工 五级.
        let (emp, batch) = setup(&app).await;
        created(import_roster(&app, &emp, &batch, xlsx(&ROSTER_HEADER, &[good_row(7)]), "a.xlsx", None).await).await;
        let path = format!("/api/v1/batches/{batch}/candidates");
        let by_hand = |occupation: &str, level: u8| {
            json!({ "name": "考生7", "id_number": distinct_id(7), "occupation_code": occupation, "level": level })
        };

        // -- Exec & Check: the same line again is refused, another line is a warning only.
        let again = app.post(&emp, &path, by_hand(ELECTRICIAN, 5)).await;
        let body = problem(again, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "id_number");
        assert_eq!(body["violations"][0]["details"]["reason"], "already_registered");
        assert_eq!(candidates_in(&app, &batch).await, 1);
        let other = app.post(&emp, &path, by_hand(CARER, 4)).await;
        assert_eq!(other.status(), 201);
        let other: Value = other.json().await.unwrap();
        let codes: Vec<&str> = other["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["DUPLICATE_IN_BATCH"]);
        assert_eq!(candidates_in(&app, &batch).await, 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_large_file_imported_twice_fails_its_second_job_as_already_registered() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=2100).map(good_row).collect();
        let file = xlsx(&ROSTER_HEADER, &rows);
        let response = import_roster(&app, &emp, &batch, file.clone(), "big.xlsx", None).await;
        assert_eq!(response.status(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (job, _) = wait_for_job(&app, &emp, &location).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["failure_reason"], Value::Null);

        // -- Exec
        let response =
            import_roster(&app, &emp, &batch, file, "big.xlsx", Some("valid_only")).await;

        // -- Check
        assert_eq!(response.status(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (job, _) = wait_for_job(&app, &emp, &location).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["failure_reason"], "bad_rows");
        assert_eq!(job["imported_rows"], 0);
        let errors = job["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2100);
        assert!(errors.iter().all(|e| e["reason"] == "already_registered"));
        assert_eq!(candidates_in(&app, &batch).await, 2100);
        app
    })
    .await;
}

#[actix_web::test]
async fn two_imports_of_one_file_at_once_register_everyone_once() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let rows: Vec<Vec<Cell>> = (1..=400).map(good_row).collect();
        let file = xlsx(&ROSTER_HEADER, &rows);

        for mode in [None, Some("valid_only")] {
            let batch = if mode.is_none() {
                batch.clone()
            } else {
                new_batch(&app, &emp).await
            };
            // -- Exec
            let (a, b) = futures_util::join!(
                import_roster(&app, &emp, &batch, file.clone(), "a.xlsx", mode),
                import_roster(&app, &emp, &batch, file.clone(), "a.xlsx", mode),
            );

            // -- Check: one imported everyone, the other found them all registered.
            let mut statuses = [a.status().as_u16(), b.status().as_u16()];
            statuses.sort_unstable();
            assert_eq!(statuses, [201, 422], "{mode:?}");
            let refused = if a.status() == 422 { a } else { b };
            let body = problem(refused, 422, "VALIDATION").await;
            assert_eq!(bad_rows(&body).len(), 400);
            assert!(
                bad_rows(&body)
                    .iter()
                    .all(|(_, _, r)| r == "already_registered")
            );
            assert_eq!(candidates_in(&app, &batch).await, 400, "{mode:?}");
        }
        app
    })
    .await;
}

#[actix_web::test]
async fn an_import_retried_with_its_idempotency_key_returns_the_first_job() {
    each_backend(|app| async move {
        // -- Setup
        let (emp, batch) = setup(&app).await;
        let small = xlsx(&ROSTER_HEADER, &(1..=30).map(good_row).collect::<Vec<_>>());

        // -- Exec: a retry after the first answer, and two sent at once.
        let first = import_with_key(&app, &emp, &batch, small.clone(), "roster-a").await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let retry = import_with_key(&app, &emp, &batch, small.clone(), "roster-a").await;
        assert_eq!(retry.status(), 201);
        assert_eq!(retry.headers()["idempotent-replay"], "true");
        let retry: Value = retry.json().await.unwrap();

        let other = new_batch(&app, &emp).await;
        let big = xlsx(
            &ROSTER_HEADER,
            &(1..=2100).map(good_row).collect::<Vec<_>>(),
        );
        let (x, y) = futures_util::join!(
            import_with_key(&app, &emp, &other, big.clone(), "roster-b"),
            import_with_key(&app, &emp, &other, big.clone(), "roster-b"),
        );

        // -- Check
        assert_eq!(retry, first);
        assert_eq!(candidates_in(&app, &batch).await, 30);
        assert_eq!(
            (x.status(), y.status()),
            (202.try_into().unwrap(), 202.try_into().unwrap())
        );
        let (x, y): (Value, Value) = (x.json().await.unwrap(), y.json().await.unwrap());
        assert_eq!(x["job_id"], y["job_id"], "one job for both: {x} {y}");
        let location = format!("/api/v1/import-jobs/{}", x["job_id"].as_str().unwrap());
        let (job, _) = wait_for_job(&app, &emp, &location).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(candidates_in(&app, &other).await, 2100);
        let jobs = import_job::Entity::find()
            .filter(import_job::Column::BatchId.eq(other.parse::<Uuid>().unwrap()))
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(jobs, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_job_whose_lease_lapsed_ends_interrupted_and_a_live_one_is_left_alone() {
    each_backend(|app| async move {
        // -- Setup: one job of a process that died (lease lapsed a second ago), one of a live
        // process (lease ahead).
        let (emp, batch) = setup(&app).await;
        let creator = user::Entity::find()
            .filter(user::Column::Username.eq("emp1"))
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        let now = time::OffsetDateTime::now_utc();
        let job = |lease: time::Duration| import_job::ActiveModel {
            id: Set(Uuid::now_v7()),
            batch_id: Set(batch.parse().unwrap()),
            status: Set("running".to_owned()),
            mode: Set("all_or_nothing".to_owned()),
            total_rows: Set(20000),
            processed_rows: Set(0),
            imported_rows: Set(0),
            errors: Set(json!([])),
            created_by: Set(creator.id),
            created_at: Set(app.state.clock.now()),
            finished_at: Set(None),
            lease_owner: Set(Some("pid-1-gone".to_owned())),
            lease_expires_at: Set(Some(now + lease)),
            failure_reason: Set(None),
        };
        let dead = job(time::Duration::seconds(-1));
        let live = job(time::Duration::seconds(60));
        let (dead_id, live_id) = (dead.id.clone().unwrap(), live.id.clone().unwrap());
        import_job::Entity::insert_many([dead, live])
            .exec(&app.state.db.conn)
            .await
            .unwrap();

        // -- Exec
        let ended = skillcert_server::jobs::sweep_import_jobs(&app.state)
            .await
            .unwrap();

        // -- Check
        assert_eq!(ended, 1);
        let dead: Value = app
            .get(&emp, &format!("/api/v1/import-jobs/{dead_id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(dead["status"], "failed");
        assert_eq!(dead["failure_reason"], "interrupted");
        assert_eq!(dead["errors"][0]["reason"], "interrupted");
        assert_eq!(dead["imported_rows"], 0);
        let live: Value = app
            .get(&emp, &format!("/api/v1/import-jobs/{live_id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(live["status"], "running");
        assert_eq!(live["failure_reason"], Value::Null);
        assert_eq!(
            skillcert_server::jobs::sweep_import_jobs(&app.state)
                .await
                .unwrap(),
            0
        );
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.eq(dead_id.to_string()))
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(audited, 1);
        app
    })
    .await;
}

// -- Measurement (not a test of speed): `cargo test --test roster -- --ignored --nocapture`

#[actix_web::test]
#[ignore = "a measurement, run by hand"]
async fn measure_10000_rows_on_sqlite() {
    let app = TestApp::spawn(common::Backend::Sqlite, |_| {}).await;
    let (emp, batch) = setup(&app).await;
    let rows: Vec<Vec<Cell>> = (1..=10_000).map(good_row).collect();
    let file = xlsx(&ROSTER_HEADER, &rows);
    let started = Instant::now();
    let response = import_roster(&app, &emp, &batch, file, "big.xlsx", None).await;
    assert_eq!(response.status(), 202);
    let accepted = started.elapsed();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let mut all_read = None;
    let job = loop {
        let job: Value = app.get(&emp, &location).await.json().await.unwrap();
        if all_read.is_none() && job["processed_rows"] == 10_000 {
            all_read = Some(started.elapsed());
        }
        if job["status"] != "running" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elapsed = started.elapsed();
    assert_eq!(job["imported_rows"], 10_000, "{job}");
    println!(
        "10,000-row .xlsx import on SQLite (debug build): {:.2} s in all \
         (202 after {:.2} s, all rows read and checked after ~{:.2} s, then one transaction)",
        elapsed.as_secs_f64(),
        accepted.as_secs_f64(),
        all_read.unwrap_or(elapsed).as_secs_f64(),
    );
    app.finish().await;
}
