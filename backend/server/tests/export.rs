//! The national export through HTTP (issue 7, docs/national-export.md): published certificates
//! only, in the documented columns with the full ID number, revoked ones flagged, CSV and .xlsx;
//! the range limit and bad parameters answered 422; 信息部 only; every export audited; and the
//! client IP behind trusted proxies for the public lookup's rate limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use calamine::{Data, Reader, Xlsx};
use common::certificates::{AFTER_EXAMS, at_certificate, to_issuance};
use common::fixtures::{annual_plan, audit_count, token};
use common::ids::person;
use common::{TestApp, each_backend, each_backend_with, problem, violation_fields};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use skillcert_server::entities::audit_event;

// -- Setup & Fixtures

const COLUMNS: [&str; 16] = [
    "证书编号",
    "姓名",
    "证件类型",
    "证件号码",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "等级名称",
    "评价机构",
    "统一社会信用代码",
    "发证日期",
    "上网公布日期",
    "状态",
    "撤销日期",
    "撤销原因",
];

fn id_of(batch: &Value) -> &str {
    batch["id"].as_str().unwrap()
}

async fn export(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.get(token, &format!("/api/v1/certificates/export?{query}"))
        .await
}

/// The CSV's rows after the header, as cells (no field in these tests needs quoting).
async fn csv_rows(response: reqwest::Response) -> Vec<Vec<String>> {
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    assert!(text.ends_with("\r\n"));
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header, COLUMNS);
    lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// emp1's batch with 考生1 and 考生2 passed and issued on 2026-03-12, not yet published.
async fn issued_batch(app: &TestApp) -> Value {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    let (batch, ids) = at_certificate(app, 1, 3).await;
    app.set_now(AFTER_EXAMS);
    let batch = to_issuance(app, &batch, &ids[..2], &ids[2..]).await;
    let info = token(app, "info").await;
    let response = app
        .post(
            &info,
            &format!("/api/v1/batches/{}/certificates/issue", id_of(&batch)),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 201);
    batch
}

async fn publish(app: &TestApp, batch: &Value) {
    let info = token(app, "info").await;
    let response = app
        .post(
            &info,
            &format!("/api/v1/batches/{}/certificates/publish", id_of(batch)),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

// -- Tests

#[actix_web::test]
async fn the_export_lists_published_certificates_in_the_documented_columns() {
    each_backend(|app| async move {
        // -- Setup
        let batch = issued_batch(&app).await;
        let info = token(&app, "info").await;
        let range = "from=2026-01-01&to=2026-12-31";

        // -- Exec & Check: issued but not published yet: nothing to report
        assert!(csv_rows(export(&app, &info, range).await).await.is_empty());
        publish(&app, &batch).await;
        let rows = csv_rows(export(&app, &info, range).await).await;
        assert_eq!(rows.len(), 2);
        let expected_first = [
            "Y000041410001265000001",
            "考生1",
            "居民身份证",
            &person(1),
            "6-31-01-03",
            "电工",
            "",
            "5",
            "五级/初级工",
            "河南示范用人单位",
            "91410000000000001M",
            "2026-03-12",
            "2026-03-12",
            "有效",
            "",
            "",
        ];
        assert_eq!(rows[0], expected_first);
        assert_eq!(rows[1][0], "Y000041410001265000002");
        assert_eq!(rows[1][3], person(2));

        // A revoked certificate stays in the report, flagged.
        let list: Value = app
            .get(
                &info,
                &format!("/api/v1/batches/{}/certificates", id_of(&batch)),
            )
            .await
            .json()
            .await
            .unwrap();
        app.set_now("2026-03-20T02:00:00Z");
        let info = token(&app, "info").await;
        let response = app
            .post(
                &info,
                &format!(
                    "/api/v1/certificates/{}/revoke",
                    list["items"][1]["id"].as_str().unwrap()
                ),
                json!({ "reason": "查实替考" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let rows = csv_rows(export(&app, &info, &format!("{range}&format=csv")).await).await;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][13], "已撤销");
        assert_eq!(rows[1][14], "2026-03-20");
        assert_eq!(rows[1][15], "查实替考");
        assert_eq!(rows[0][13], "有效");

        // The range is on the issue date, both ends included.
        assert_eq!(
            csv_rows(export(&app, &info, "from=2026-03-12&to=2026-03-12").await)
                .await
                .len(),
            2
        );
        assert!(
            csv_rows(export(&app, &info, "from=2026-03-13&to=2026-04-30").await)
                .await
                .is_empty()
        );

        // .xlsx: the same columns; the ID number kept as text.
        let response = export(&app, &info, &format!("{range}&format=xlsx")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = response.bytes().await.unwrap();
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let sheet = workbook.worksheet_range("证书").unwrap();
        let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header, COLUMNS);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][3], Data::String(person(1)));
        assert_eq!(rows[1][7], Data::Float(5.0));
        assert_eq!(rows[2][13], Data::String("已撤销".to_owned()));

        // Every export is audited as a personal-data access.
        assert_eq!(audit_count(&app, "certificates.export").await, 6);
        let last = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("certificates.export"))
            .order_by_desc(audit_event::Column::Seq)
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.actor_role, "info_officer");
        assert_eq!(last.summary["rows"], 2);
        assert_eq!(last.summary["format"], "xlsx");
        assert_eq!(last.summary["fields"], json!(["id_number"]));
        assert!(!last.summary.to_string().contains(&person(1)));
        app
    })
    .await;
}

#[actix_web::test]
async fn bad_ranges_and_formats_are_422_and_only_the_info_office_exports() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let info = token(&app, "info").await;

        // -- Exec & Check
        let body = problem(
            export(&app, &info, "from=2025-01-01&to=2026-01-02").await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["to"]);
        assert_eq!(body["violations"][0]["details"]["reason"], "range_too_long");
        assert_eq!(body["violations"][0]["details"]["max_days"], 366);
        // 366 days exactly is fine (2024 is a leap year).
        assert_eq!(
            export(&app, &info, "from=2024-01-01&to=2024-12-31")
                .await
                .status(),
            200
        );
        let body = problem(
            export(&app, &info, "from=2026-03-02&to=2026-03-01").await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["details"]["reason"], "range_reversed");
        let body = problem(
            export(&app, &info, "from=2026-3-1&to=tomorrow&format=pdf").await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["from", "to", "format"]);
        problem(
            export(&app, &info, "from=2026-03-01").await,
            422,
            "VALIDATION",
        )
        .await;

        for username in ["emp1", "supervisor", "admin", "inspector1"] {
            let token = token(&app, username).await;
            problem(
                export(&app, &token, "from=2026-01-01&to=2026-12-31").await,
                403,
                "FORBIDDEN",
            )
            .await;
        }
        let anonymous = app
            .client
            .get(app.url("/api/v1/certificates/export?from=2026-01-01&to=2026-12-31"))
            .send()
            .await
            .unwrap();
        problem(anonymous, 401, "UNAUTHORIZED").await;
        // Refusals and bad requests reveal nothing and are not audited; the good one is.
        assert_eq!(audit_count(&app, "certificates.export").await, 1);
        app
    })
    .await;
}

/// Public lookups for one number from `forwarded_for`, through a client at 127.0.0.1.
async fn lookup_from(app: &TestApp, forwarded_for: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/public/certificates?number=Y000041410001265000001"))
        .header("X-Forwarded-For", forwarded_for)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn without_trusted_proxies_x_forwarded_for_cannot_dodge_the_lookup_limit() {
    each_backend_with(
        |config| {
            config.certificates.lookup_burst = 2;
            config.certificates.lookup_per_minute = 1;
        },
        |app| async move {
            // Every request claims another address; the peer (127.0.0.1) is what counts.
            assert_eq!(lookup_from(&app, "1.1.1.1").await, 404);
            assert_eq!(lookup_from(&app, "2.2.2.2").await, 404);
            assert_eq!(lookup_from(&app, "3.3.3.3").await, 429);
            app
        },
    )
    .await;
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    each_backend_with(
        |config| {
            config.certificates.lookup_burst = 2;
            config.certificates.lookup_per_minute = 1;
            config.server.trusted_proxies = vec!["127.0.0.0/8".to_owned(), "10.0.0.0/8".to_owned()];
        },
        |app| async move {
            // The rightmost untrusted hop is the client; a forged address left of it is ignored.
            assert_eq!(lookup_from(&app, "9.9.9.9, 1.1.1.1").await, 404);
            assert_eq!(lookup_from(&app, "8.8.8.8, 1.1.1.1, 10.0.0.7").await, 404);
            assert_eq!(lookup_from(&app, "7.7.7.7, 1.1.1.1").await, 429);
            // Another client behind the same proxy is not affected.
            assert_eq!(lookup_from(&app, "2.2.2.2").await, 404);
            // The audit log records the forwarded client too.
            app.cast().await;
            let response = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .header("X-Forwarded-For", "6.6.6.6, 5.5.5.5")
                .json(&json!({ "username": "admin", "password": common::PASSWORD }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let login = audit_event::Entity::find()
                .filter(audit_event::Column::Action.eq("auth.login"))
                .one(&app.state.db.conn)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(login.ip, "5.5.5.5");
            app
        },
    )
    .await;
}
