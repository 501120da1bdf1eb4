//! A roster import cut short by a crash (SPEC §5): the real binary is killed with SIGKILL a
//! moment into a 20,000-row import, started again on the same data, and the job must end
//! `failed` with `failure_reason` `interrupted` within a few seconds of the restart (its lease,
//! `jobs.import_lease_seconds`, lapses), with nothing imported; the same file then imports
//! whole, and importing it once more registers nobody twice (`already_registered`). On SQLite
//! and, with `TEST_DATABASE_URL`, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use skillcert_e2e::scenario::{batch_body, create, id_of};
use skillcert_e2e::{Api, Body, Site, backends, id_number};

const ROWS: u32 = 20_000;

/// A .csv roster of `ROWS` distinct people, 电工 五级.
fn roster_csv() -> Vec<u8> {
    let mut csv = String::from(
        "姓名,证件类型,证件号码,手机号码,职业编码,等级,文化程度,工作年限,学籍号,毕业年份\n",
    );
    for n in 0..ROWS {
        let id = id_number(&format!("410105199001{:02}{:03}", 1 + n / 1000, n % 1000));
        csv.push_str(&format!(
            "考生{n},居民身份证,{id},13800138000,6-31-01-03,5,高中,3,,\n"
        ));
    }
    csv.into_bytes()
}

async fn import(api: &Api, token: &str, batch: &str, csv: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv)
            .file_name("roster.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let answer = api
        .call(
            Method::POST,
            &format!("/api/v1/batches/{batch}/candidates/import"),
            Some(token),
            Body::Multipart(form),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.json);
    answer.json
}

/// Polls the job until it is no longer `running`.
async fn finished(api: &Api, token: &str, job: &str, within: Duration) -> Value {
    let started = Instant::now();
    loop {
        let answer = api.get(token, &format!("/api/v1/import-jobs/{job}")).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        if answer.json["status"] != "running" {
            return answer.json;
        }
        assert!(
            started.elapsed() < within,
            "job still running after {within:?}: {}",
            answer.json
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn candidates_in(api: &Api, token: &str, batch: &str) -> u64 {
    let answer = api
        .get(
            token,
            &format!("/api/v1/batches/{batch}/candidates?page_size=1"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_crash_mid_import_ends_the_job_interrupted_and_the_file_imports_again_once() {
    let csv = roster_csv();
    for backend in backends() {
        // -- Setup: a batch open for registration.
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        let emp = server.api.login("emp1").await;
        let batch = id_of(&create(&server.api, &emp, batch_body("self", "exam", 20, "4101")).await);

        // -- Exec: the import starts; SIGKILL 0.2 s into it; serve again on the same data.
        let accepted = import(&server.api, &emp, &batch, csv.clone()).await;
        let job = accepted["job_id"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.kill();
        let killed = Instant::now();
        let server = site.serve().await;
        let restarted = Instant::now();
        let emp = server.api.login("emp1").await;

        // -- Check: failed, interrupted, nothing imported — seconds after the restart.
        let ended = finished(&server.api, &emp, &job, Duration::from_secs(60)).await;
        let (after_restart, after_kill) = (restarted.elapsed(), killed.elapsed());
        assert_eq!(ended["status"], "failed", "{ended}");
        assert_eq!(ended["failure_reason"], "interrupted", "{ended}");
        assert_eq!(ended["errors"][0]["reason"], "interrupted", "{ended}");
        assert_eq!(ended["imported_rows"], 0);
        assert_eq!(candidates_in(&server.api, &emp, &batch).await, 0);
        println!(
            "{backend:?}: job failed/interrupted {:.1} s after the restart ({:.1} s after SIGKILL)",
            after_restart.as_secs_f64(),
            after_kill.as_secs_f64(),
        );
        assert!(
            after_restart < Duration::from_secs(20),
            "interrupted only after {after_restart:?}"
        );

        // The same file again lands whole.
        let again = import(&server.api, &emp, &batch, csv.clone()).await;
        let done = finished(
            &server.api,
            &emp,
            again["job_id"].as_str().unwrap(),
            Duration::from_secs(600),
        )
        .await;
        assert_eq!(done["status"], "done", "{done}");
        assert_eq!(done["imported_rows"], ROWS);
        assert_eq!(
            candidates_in(&server.api, &emp, &batch).await,
            u64::from(ROWS)
        );

        // And once more: everyone is registered already, nobody twice.
        let twice = import(&server.api, &emp, &batch, csv.clone()).await;
        let refused = finished(
            &server.api,
            &emp,
            twice["job_id"].as_str().unwrap(),
            Duration::from_secs(600),
        )
        .await;
        assert_eq!(refused["status"], "failed", "{refused}");
        assert_eq!(refused["failure_reason"], "bad_rows", "{refused}");
        let errors = refused["errors"].as_array().unwrap();
        assert_eq!(errors.len(), ROWS as usize);
        assert!(errors.iter().all(|e| e["reason"] == "already_registered"));
        assert_eq!(
            candidates_in(&server.api, &emp, &batch).await,
            u64::from(ROWS)
        );

        drop(server);
        site.finish().await;
    }
}
