//! The working-day calendar through HTTP (SPEC §4, §8 core paths): a shipped year with its
//! gov.cn notice, the EXAM_LEAD_TIME example, CALENDAR_YEAR_MISSING, and an admin loading a year.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{each_backend, problem};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use skillcert_server::entities::audit_event;

/// A 2027 arrangement for the tests: 元旦 Fri 1 – Sun 3 January, 春节 with one make-up Saturday.
fn year_2027() -> Value {
    json!({
        "year": 2027,
        "source": {
            "title": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
            "document_no": "测试〔2026〕1号",
            "url": "https://www.gov.cn/zhengce/content/test-2027.htm",
            "published_on": "2026-11-01"
        },
        "holidays": [
            { "name": "元旦", "start": "2027-01-01", "end": "2027-01-03" },
            { "name": "春节", "start": "2027-02-05", "end": "2027-02-11" }
        ],
        "makeup_workdays": [
            { "date": "2027-02-13", "holiday": "春节" }
        ]
    })
}

#[actix_web::test]
async fn a_shipped_year_shows_its_notice_and_the_days_it_changes() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let token = app.login("emp1").await;

        // -- Exec
        let response = app.get(&token, "/api/v1/calendar/2026").await;

        // -- Check
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["year"], 2026);
        assert_eq!(body["origin"], "builtin");
        assert_eq!(
            body["source"]["url"],
            "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"
        );
        assert_eq!(body["source"]["document_no"], "国办发明电〔2025〕7号");
        assert!(body["source"]["title"].as_str().unwrap().contains("2026"));
        let makeups = body["makeup_working_days"].as_array().unwrap();
        assert!(makeups.contains(&json!("2026-02-14")), "{body}");
        let days_off = body["non_working_weekdays"].as_array().unwrap();
        assert!(days_off.contains(&json!("2026-02-16")), "Monday of 春节");
        assert!(
            !days_off.contains(&json!("2026-02-15")),
            "a Sunday is not listed"
        );
        assert!(
            body["holidays"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["name"] == "春节" && h["start"] == "2026-02-15")
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn earliest_exam_date_follows_the_spec_example() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let token = app.login("train1").await;

        // -- Exec
        let response = app
            .get(
                &token,
                "/api/v1/calendar/earliest-exam-date?submitted_on=2026-02-12",
            )
            .await;

        // -- Check
        // SPEC §4 EXAM_LEAD_TIME: 2/13 (1), Sat 2/14 make-up day (2), 2/24 (3) → 2/25.
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({
                "submitted_on": "2026-02-12",
                "working_days": ["2026-02-13", "2026-02-14", "2026-02-24"],
                "earliest_exam_date": "2026-02-25"
            })
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn bad_or_missing_dates_are_422_and_login_is_required() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let token = app.login("train1").await;

        // -- Exec
        let bad = app
            .get(
                &token,
                "/api/v1/calendar/earliest-exam-date?submitted_on=2026-02-30",
            )
            .await;
        let missing = app.get(&token, "/api/v1/calendar/earliest-exam-date").await;
        let anonymous = app
            .client
            .get(app.url("/api/v1/calendar/2026"))
            .send()
            .await
            .unwrap();

        // -- Check
        let bad = problem(bad, 422, "VALIDATION").await;
        assert_eq!(bad["violations"][0]["field"], "submitted_on");
        problem(missing, 422, "VALIDATION").await;
        problem(anonymous, 401, "UNAUTHORIZED").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_year_without_data_is_calendar_year_missing_until_the_admin_loads_it() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let token = app.login("train1").await;
        let query = "/api/v1/calendar/earliest-exam-date?submitted_on=2026-12-30";

        // -- Exec
        let year_before = app.get(&token, "/api/v1/calendar/2027").await;
        let lead_before = app.get(&token, query).await;
        let loaded = app.put(&admin, "/api/v1/calendar/2027", year_2027()).await;
        let year_after = app.get(&token, "/api/v1/calendar/2027").await;
        let lead_after = app.get(&token, query).await;

        // -- Check
        let missing = problem(year_before, 404, "CALENDAR_YEAR_MISSING").await;
        assert!(missing["detail"].as_str().unwrap().contains("2027"));
        let missing = problem(lead_before, 422, "CALENDAR_YEAR_MISSING").await;
        assert_eq!(missing["violations"][0]["code"], "CALENDAR_YEAR_MISSING");
        assert_eq!(missing["violations"][0]["details"]["year"], 2027);
        assert_eq!(loaded.status(), 200);
        let loaded: Value = loaded.json().await.unwrap();
        assert_eq!(loaded["origin"], "loaded");
        assert_eq!(
            loaded["non_working_weekdays"],
            json!([
                "2027-01-01",
                "2027-02-05",
                "2027-02-08",
                "2027-02-09",
                "2027-02-10",
                "2027-02-11"
            ])
        );
        assert_eq!(year_after.status(), 200);
        let year_after: Value = year_after.json().await.unwrap();
        assert_eq!(year_after, loaded);
        assert_eq!(lead_after.status(), 200);
        let lead_after: Value = lead_after.json().await.unwrap();
        assert_eq!(
            lead_after,
            json!({
                "submitted_on": "2026-12-30",
                "working_days": ["2026-12-31", "2027-01-04", "2027-01-05"],
                "earliest_exam_date": "2027-01-06"
            })
        );
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("calendar.put"))
            .filter(audit_event::Column::EntityId.eq("2027"))
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(audited, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_loaded_year_replaces_the_shipped_one() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let mut replaced: Value = app
            .get(&admin, "/api/v1/calendar/2026")
            .await
            .json()
            .await
            .unwrap();
        // Drop the 2/14 make-up day: 2/14 becomes an ordinary Saturday.
        let makeups: Vec<Value> = replaced["makeup_workdays"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["date"] != "2026-02-14")
            .cloned()
            .collect();
        let body = json!({
            "year": 2026,
            "source": replaced["source"].take(),
            "holidays": replaced["holidays"].take(),
            "makeup_workdays": makeups,
        });

        // -- Exec
        let put = app.put(&admin, "/api/v1/calendar/2026", body).await;
        let lead: Value = app
            .get(
                &admin,
                "/api/v1/calendar/earliest-exam-date?submitted_on=2026-02-12",
            )
            .await
            .json()
            .await
            .unwrap();

        // -- Check
        assert_eq!(put.status(), 200);
        assert_eq!(
            lead["working_days"],
            json!(["2026-02-13", "2026-02-24", "2026-02-25"])
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn invalid_calendars_are_422_and_only_the_admin_loads_them() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let supervisor = app.login("supervisor").await;
        let mut weekday_makeup = year_2027();
        weekday_makeup["makeup_workdays"][0]["date"] = json!("2027-02-12");
        let mut not_gov_cn = year_2027();
        not_gov_cn["source"]["url"] = json!("https://example.com/notice");
        let mut unknown_field = year_2027();
        unknown_field["holidays"][0]["days"] = json!(3);
        let mut bad_date = year_2027();
        bad_date["holidays"][0]["end"] = json!("2027-02-30");

        // -- Exec
        let weekday = app
            .put(&admin, "/api/v1/calendar/2027", weekday_makeup)
            .await;
        let url = app.put(&admin, "/api/v1/calendar/2027", not_gov_cn).await;
        let unknown = app
            .put(&admin, "/api/v1/calendar/2027", unknown_field)
            .await;
        let date = app.put(&admin, "/api/v1/calendar/2027", bad_date).await;
        let mismatch = app.put(&admin, "/api/v1/calendar/2028", year_2027()).await;
        let not_object = app
            .put(&admin, "/api/v1/calendar/2027", json!([1, 2]))
            .await;
        let forbidden = app
            .put(&supervisor, "/api/v1/calendar/2027", year_2027())
            .await;
        let still_missing = app.get(&admin, "/api/v1/calendar/2027").await;

        // -- Check
        let weekday = problem(weekday, 422, "VALIDATION").await;
        assert_eq!(weekday["violations"][0]["field"], "makeup_workdays[0].date");
        let url = problem(url, 422, "VALIDATION").await;
        assert_eq!(url["violations"][0]["field"], "source.url");
        problem(unknown, 422, "VALIDATION").await;
        problem(date, 422, "VALIDATION").await;
        let mismatch = problem(mismatch, 422, "VALIDATION").await;
        assert_eq!(mismatch["violations"][0]["field"], "year");
        problem(not_object, 422, "VALIDATION").await;
        problem(forbidden, 403, "FORBIDDEN").await;
        problem(still_missing, 404, "CALENDAR_YEAR_MISSING").await;
        app
    })
    .await;
}
