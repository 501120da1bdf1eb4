//! The deadline clock (issue 6): notices and outbox events on the right China dates, once each,
//! a supervisor's extension, the notices' tenancy and read marks, and the job running once per
//! tick with two server processes on one database — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::fixtures::{audit_count, token};
use common::jobs::{all_notices, events, get_json, notice_keys, notices_of, runs, social_batch};
use common::{TestApp, backends, each_backend, each_backend_with, problem};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use skillcert_server::entities::job_lease;
use skillcert_server::jobs;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn keys(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// The notices of a list whose `deadline_kind` is `kind`.
fn of_kind(list: &Value, kind: &str) -> Vec<(String, String, String)> {
    notice_keys(list)
        .into_iter()
        .filter(|(_, k, _)| k == kind)
        .collect()
}

#[actix_web::test]
async fn deadline_notices_appear_on_the_right_china_dates_once() {
    each_backend(|app| async move {
        // -- Setup: a social-training batch, exams 03-10 and 11: arrangement due 03-08,
        // completion window to 04-10.
        app.cast().await;
        let batch = social_batch(&app, "train1").await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let mut ran = 0;

        // -- 23:59 China time on 03-05: the arrangement is three days away — nothing yet.
        app.set_now("2026-03-05T23:59:00+08:00");
        let outcome = app.tick().await;
        ran += 1;
        assert!(outcome.ran);
        assert_eq!((outcome.notices, outcome.events), (0, 0));
        assert_eq!(notices_of(&app, "train1").await["total"], 0);

        // -- 00:00 on 03-06: two days ahead, approaching: one notice for the institution, one
        // for the supervisors, one event.
        app.set_now("2026-03-06T00:00:00+08:00");
        let outcome = app.tick().await;
        ran += 1;
        assert_eq!((outcome.ran, outcome.notices, outcome.events), (true, 2, 1));
        let own = notices_of(&app, "train1").await;
        assert_eq!(own["total"], 1);
        assert_eq!(own["unread_count"], 1);
        let notice = &own["items"][0];
        assert_eq!(notice["kind"], "deadline.approaching");
        assert_eq!(notice["deadline_kind"], "arrangement");
        assert_eq!(notice["deadline"], "2026-03-08");
        assert_eq!(notice["title"], "考务安排截止即将到期");
        assert_eq!(notice["batch_id"], id.as_str());
        assert_eq!(notice["read"], false);
        assert!(
            notice["body"].as_str().unwrap().contains("还剩 2 天"),
            "{notice}"
        );
        let sup = notices_of(&app, "supervisor").await;
        assert_eq!(sup["total"], 1);
        assert!(
            sup["items"][0]["body"]
                .as_str()
                .unwrap()
                .starts_with("洛阳示范培训评价组织的认定批次")
        );
        assert_eq!(notices_of(&app, "train2").await["total"], 0);

        // The batch carries the badge, in its view and in the list.
        let view = get_json(&app, "train1", &format!("/api/v1/batches/{id}")).await;
        assert_eq!(
            view["deadlines"]["alerts"],
            json!([{
                "kind": "arrangement", "kind_name": "考务安排截止",
                "state": "approaching", "state_name": "即将到期",
                "rule": "ARRANGEMENT_DEADLINE", "deadline": "2026-03-08", "days_left": 2,
            }])
        );
        let list = get_json(&app, "supervisor", "/api/v1/batches").await;
        assert_eq!(
            list["items"][0]["deadlines"]["alerts"][0]["state"],
            "approaching"
        );

        // -- The same slot again: this tick was run. A minute later: runs, writes nothing; the
        // pass without the lease writes nothing either.
        assert!(!app.tick().await.ran);
        app.set_now("2026-03-06T00:01:00+08:00");
        let outcome = app.tick().await;
        ran += 1;
        assert_eq!((outcome.ran, outcome.notices, outcome.events), (true, 0, 0));
        assert_eq!(jobs::deadlines_pass(&app.state).await.unwrap(), (0, 0));

        // -- 23:59 on 03-08: due today, still the same approaching deadline. 00:00 on 03-09:
        // passed.
        app.set_now("2026-03-08T23:59:00+08:00");
        assert_eq!(app.tick().await.notices, 0);
        ran += 1;
        app.set_now("2026-03-09T00:00:00+08:00");
        let outcome = app.tick().await;
        ran += 1;
        assert_eq!((outcome.notices, outcome.events), (2, 1));
        let view = get_json(&app, "train1", &format!("/api/v1/batches/{id}")).await;
        assert_eq!(view["deadlines"]["alerts"][0]["state"], "passed");
        assert_eq!(view["deadlines"]["alerts"][0]["days_left"], -1);

        // -- The completion window (04-10): approaching from 00:00 on 04-05, passed on 04-11.
        app.set_now("2026-04-04T23:59:00+08:00");
        assert_eq!(app.tick().await.notices, 0);
        ran += 1;
        app.set_now("2026-04-05T00:00:00+08:00");
        assert_eq!(app.tick().await.notices, 2);
        ran += 1;
        app.set_now("2026-04-10T23:59:00+08:00");
        assert_eq!(app.tick().await.notices, 0);
        ran += 1;
        app.set_now("2026-04-11T00:00:00+08:00");
        assert_eq!(app.tick().await.notices, 2);
        ran += 1;
        for minute in 1..4 {
            app.set_now(&format!("2026-04-11T00:0{minute}:00+08:00"));
            let outcome = app.tick().await;
            ran += 1;
            assert_eq!((outcome.ran, outcome.notices), (true, 0));
        }

        // -- A clock moved back (a demo) takes the lease over instead of stalling, and repeats
        // nothing.
        app.set_now("2026-04-10T12:00:00+08:00");
        let outcome = app.tick().await;
        ran += 1;
        assert_eq!((outcome.ran, outcome.notices), (true, 0));

        // -- Each notice once, newest first, for both audiences; one event per deadline.
        let expected = keys(&[
            ("deadline.passed", "completion", "2026-04-10"),
            ("deadline.approaching", "completion", "2026-04-10"),
            ("deadline.passed", "arrangement", "2026-03-08"),
            ("deadline.approaching", "arrangement", "2026-03-08"),
        ]);
        let own = notices_of(&app, "train1").await;
        assert_eq!(notice_keys(&own), expected);
        assert_eq!(own["unread_count"], 4);
        assert_eq!(notice_keys(&notices_of(&app, "supervisor").await), expected);
        let events = events(&app).await;
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "deadline.approaching",
                "deadline.passed",
                "deadline.approaching",
                "deadline.passed"
            ]
        );
        let last = &events[3].payload;
        assert_eq!(last["event_type"], "deadline.passed");
        assert_eq!(last["event_id"], events[3].id.to_string());
        assert_eq!(last["batch"]["id"], id.as_str());
        assert_eq!(last["batch"]["institution_name"], "洛阳示范培训评价组织");
        assert_eq!(last["deadline"]["kind"], "completion");
        assert_eq!(last["deadline"]["rule"], "COMPLETION_WINDOW");
        assert_eq!(last["deadline"]["date"], "2026-04-10");
        assert_eq!(last["deadline"]["today"], "2026-04-11");
        assert_eq!(last["deadline"]["days_left"], -1);
        assert!(events.iter().all(|e| e.delivered_at.is_none()));

        // -- One run row per tick that ran, all by this process; one audit event per tick that
        // wrote something.
        let runs = runs(&app).await;
        assert_eq!(runs.len(), ran);
        assert!(runs.iter().all(|r| *r.holder == *app.state.instance));
        assert_eq!(runs.iter().map(|r| r.notices).sum::<i32>(), 8);
        assert_eq!(audit_count(&app, "notices.deadlines").await, 4);
        app
    })
    .await;
}

#[actix_web::test]
async fn an_extension_moves_the_deadline_stops_the_passed_notice_and_tells_the_institution() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_batch(&app, "train1").await;
        let id = batch["id"].as_str().unwrap().to_owned();
        app.set_now("2026-04-05T09:00:00+08:00");
        app.tick().await;
        assert_eq!(
            of_kind(&notices_of(&app, "train1").await, "completion"),
            keys(&[("deadline.approaching", "completion", "2026-04-10")])
        );

        // -- Only a supervisor, and only with a reason.
        let path = format!("/api/v1/batches/{id}/completion-extension");
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let body = json!({ "extended_to": "2026-04-30", "reason": "考点所在地突发停电" });
        problem(app.put(&train, &path, body.clone()).await, 403, "FORBIDDEN").await;
        let refused = problem(
            app.put(
                &sup,
                &path,
                json!({ "extended_to": "2026-04-30", "reason": "  " }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(refused["violations"][0]["field"], "reason");
        let response = app.put(&sup, &path, body).await;
        assert_eq!(response.status(), 200);
        let view: Value = response.json().await.unwrap();
        assert_eq!(view["deadlines"]["completion_deadline"], "2026-04-30");
        assert_eq!(view["deadlines"]["completion_extended_to"], "2026-04-30");
        assert!(
            view["deadlines"]["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["kind"] != "completion"),
            "{view}"
        );

        // The institution is told, with the reason; the supervisors' list is unchanged.
        let own = notices_of(&app, "train1").await;
        let told = &own["items"][0];
        assert_eq!(told["kind"], "deadline.extended");
        assert_eq!(told["title"], "认定完成期限已延期");
        assert_eq!(told["deadline"], "2026-04-30");
        let text = told["body"].as_str().unwrap();
        assert!(
            text.contains("2026-04-10") && text.contains("2026-04-30"),
            "{text}"
        );
        assert!(text.contains("考点所在地突发停电"), "{text}");
        assert!(
            notice_keys(&notices_of(&app, "supervisor").await)
                .iter()
                .all(|(kind, _, _)| kind != "deadline.extended")
        );
        let extended = events(&app)
            .await
            .into_iter()
            .find(|e| e.event_type == "deadline.extended")
            .unwrap();
        assert_eq!(extended.payload["reason"], "考点所在地突发停电");
        assert_eq!(extended.payload["deadline"]["before"], "2026-04-10");
        assert_eq!(extended.payload["deadline"]["date"], "2026-04-30");

        // -- 04-11: the old deadline has gone by, but no "passed" notice.
        app.set_now("2026-04-11T00:00:00+08:00");
        app.tick().await;
        assert_eq!(
            of_kind(&notices_of(&app, "supervisor").await, "completion"),
            keys(&[("deadline.approaching", "completion", "2026-04-10")])
        );

        // -- The new deadline is announced afresh: approaching on 04-25, passed on 05-01.
        app.set_now("2026-04-24T23:59:00+08:00");
        app.tick().await;
        app.set_now("2026-04-25T00:00:00+08:00");
        app.tick().await;
        app.set_now("2026-05-01T00:00:00+08:00");
        app.tick().await;
        app.set_now("2026-05-01T00:05:00+08:00");
        app.tick().await;
        assert_eq!(
            of_kind(&notices_of(&app, "supervisor").await, "completion"),
            keys(&[
                ("deadline.passed", "completion", "2026-04-30"),
                ("deadline.approaching", "completion", "2026-04-30"),
                ("deadline.approaching", "completion", "2026-04-10"),
            ])
        );
        let passed = events(&app)
            .await
            .into_iter()
            .filter(|e| e.payload["deadline"]["kind"] == "completion")
            .map(|e| (e.event_type, e.payload["deadline"]["date"].clone()))
            .collect::<Vec<_>>();
        assert_eq!(
            passed,
            [
                ("deadline.approaching".to_owned(), json!("2026-04-10")),
                ("deadline.extended".to_owned(), json!("2026-04-30")),
                ("deadline.approaching".to_owned(), json!("2026-04-30")),
                ("deadline.passed".to_owned(), json!("2026-04-30")),
            ]
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn year_end_is_announced_for_unfinished_batches() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        common::fixtures::annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        common::batches::create(
            &app,
            &emp,
            common::batches::batch_body("supervised", "exam", 20, "4101"),
        )
        .await;
        app.set_now("2026-12-15T12:00:00+08:00");
        app.tick().await;
        assert_eq!(notices_of(&app, "emp1").await["total"], 0);
        app.set_now("2026-12-16T00:00:00+08:00");
        app.tick().await;
        app.set_now("2027-01-01T00:00:00+08:00");
        app.tick().await;
        let own = notices_of(&app, "emp1").await;
        assert_eq!(
            notice_keys(&own),
            keys(&[
                ("deadline.passed", "year_end", "2026-12-31"),
                ("deadline.approaching", "year_end", "2026-12-31"),
            ])
        );
        assert_eq!(own["items"][0]["title"], "年度截止已逾期");
        // The dashboard counts the same batch overdue under CROSS_YEAR.
        let stats = get_json(&app, "supervisor", "/api/v1/stats/overview?year=2026").await;
        assert_eq!(stats["overdue"][0]["code"], "CROSS_YEAR");
        assert_eq!(stats["overdue"][0]["deadline"], "2026-12-31");
        app
    })
    .await;
}

#[actix_web::test]
async fn notices_are_tenant_scoped_and_read_per_user() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        app.user("train1b", "institution", Some(cast.train1)).await;
        let mine = social_batch(&app, "train1").await;
        social_batch(&app, "train2").await;
        app.set_now("2026-03-06T08:00:00+08:00");
        app.tick().await;
        app.set_now("2026-03-09T08:00:00+08:00");
        app.tick().await;

        // -- Each institution sees its own two; supervisors all four; other roles none.
        let own = notices_of(&app, "train1").await;
        assert_eq!(own["total"], 2);
        assert!(
            own["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["batch_id"] == mine["id"])
        );
        let theirs = notices_of(&app, "train2").await;
        assert_eq!(theirs["total"], 2);
        assert_eq!(notices_of(&app, "supervisor").await["total"], 4);
        for role in ["admin", "info", "inspector1"] {
            let t = token(&app, role).await;
            problem(app.get(&t, "/api/v1/notices").await, 403, "FORBIDDEN").await;
        }
        let anonymous = app
            .client
            .get(app.url("/api/v1/notices"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);

        // -- Another institution's notice, or the supervisors' one, is 404 like a missing one.
        let t1 = token(&app, "train1").await;
        let foreign = theirs["items"][0]["id"].as_str().unwrap();
        problem(
            app.post(&t1, &format!("/api/v1/notices/{foreign}/read"), json!({}))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;
        let sup_list = notices_of(&app, "supervisor").await;
        let sup_notice = sup_list["items"][0]["id"].as_str().unwrap();
        problem(
            app.post(
                &t1,
                &format!("/api/v1/notices/{sup_notice}/read"),
                json!({}),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.post(
                &t1,
                &format!("/api/v1/notices/{}/read", uuid::Uuid::now_v7()),
                json!({}),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        // Nor may a supervisor mark an institution's notice.
        let sup = token(&app, "supervisor").await;
        let own_id = own["items"][0]["id"].as_str().unwrap();
        problem(
            app.post(&sup, &format!("/api/v1/notices/{own_id}/read"), json!({}))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;

        // -- Read marks are per user: train1 reads one, train1b (same institution) has not.
        let response = app
            .post(&t1, &format!("/api/v1/notices/{own_id}/read"), json!({}))
            .await;
        assert_eq!(response.status(), 200);
        let read: Value = response.json().await.unwrap();
        assert_eq!(read["read"], true);
        assert!(read["read_at"].is_string());
        // Again: idempotent.
        let again = app
            .post(&t1, &format!("/api/v1/notices/{own_id}/read"), json!({}))
            .await;
        assert_eq!(again.status(), 200);
        let count = get_json(&app, "train1", "/api/v1/notices/unread-count").await;
        assert_eq!(count, json!({ "unread_count": 1 }));
        let unread = get_json(&app, "train1", "/api/v1/notices?unread=true").await;
        assert_eq!(unread["total"], 1);
        assert_ne!(unread["items"][0]["id"], own_id);
        let other = notices_of(&app, "train1b").await;
        assert_eq!(other["unread_count"], 2);
        assert!(
            other["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["read"] == false)
        );

        // -- Read-all marks the rest, for this user only.
        let response = app.post(&sup, "/api/v1/notices/read-all", json!({})).await;
        assert_eq!(response.status(), 200);
        let done: Value = response.json().await.unwrap();
        assert_eq!(done, json!({ "marked": 4, "unread_count": 0 }));
        let done: Value = app
            .post(&sup, "/api/v1/notices/read-all", json!({}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(done, json!({ "marked": 0, "unread_count": 0 }));
        let t2 = token(&app, "train2").await;
        let done: Value = app
            .post(&t2, "/api/v1/notices/read-all", json!({}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(done["marked"], 2);
        assert_eq!(notices_of(&app, "train1b").await["unread_count"], 2);
        assert_eq!(notices_of(&app, "train1").await["unread_count"], 1);

        // -- Pages: newest first, no notice on two pages.
        let first = get_json(&app, "supervisor", "/api/v1/notices?page=1&page_size=3").await;
        let second = get_json(&app, "supervisor", "/api/v1/notices?page=2&page_size=3").await;
        assert_eq!(
            (first["total"].clone(), second["total"].clone()),
            (json!(4), json!(4))
        );
        assert_eq!(first["items"].as_array().unwrap().len(), 3);
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert_eq!(first["items"][0]["kind"], "deadline.passed");
        assert_eq!(second["items"][0]["kind"], "deadline.approaching");
        let ids: BTreeSet<String> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["items"].as_array().unwrap())
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 4);
        problem(
            app.get(&sup, "/api/v1/notices?page_size=201").await,
            422,
            "VALIDATION",
        )
        .await;
        app
    })
    .await;
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap()
}

#[actix_web::test]
async fn the_clock_runs_once_per_tick_with_two_servers_on_one_database() {
    for backend in backends() {
        // -- Setup: two server processes on one database (PostgreSQL; on SQLite one file).
        let one = TestApp::spawn(backend, |_| {}).await;
        let two = one.spawn_sharing().await;
        one.cast().await;
        for username in ["train1", "train2", "train1"] {
            social_batch(&one, username).await;
        }
        // The second server serves the same data.
        let listed = two
            .get(&token(&two, "supervisor").await, "/api/v1/batches")
            .await;
        assert_eq!(listed.json::<Value>().await.unwrap()["total"], 3);

        // -- 24 ticks two China days apart from 03-03 (through both deadlines of every batch),
        // each tried three times by each server at once.
        let start = datetime!(2026-03-03 09:00 +08:00);
        let mut winners = Vec::new();
        for round in 0..24i64 {
            let at = rfc3339(start + Duration::days(2 * round));
            one.set_now(&at);
            two.set_now(&at);
            let outcomes = futures_util::future::join_all([
                one.tick(),
                two.tick(),
                one.tick(),
                two.tick(),
                one.tick(),
                two.tick(),
            ])
            .await;
            let ran: Vec<usize> = outcomes
                .iter()
                .enumerate()
                .filter(|(_, o)| o.ran)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(ran.len(), 1, "round {round} ({backend:?}): {outcomes:?}");
            let holder = if ran[0].is_multiple_of(2) {
                one.state.instance.to_string()
            } else {
                two.state.instance.to_string()
            };
            // The lease row names the winner and its slot.
            let lease = job_lease::Entity::find_by_id(jobs::DEADLINES.to_owned())
                .one(&one.state.db.conn)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (lease.slot, &lease.holder),
                (outcomes[ran[0]].slot, &holder)
            );
            winners.push((outcomes[ran[0]].slot, holder));
        }

        // -- One run per tick, by the process that won it; every notice and event once.
        let runs = runs(&one).await;
        let recorded: Vec<(i64, String)> =
            runs.iter().map(|r| (r.slot, r.holder.clone())).collect();
        assert_eq!(recorded, winners, "{backend:?}");
        let notices = all_notices(&one).await;
        // 3 batches × (arrangement, completion) × (approaching, passed) × 2 audiences.
        assert_eq!(notices.len(), 24, "{backend:?}");
        let distinct: BTreeSet<&str> = notices.iter().map(|n| n.dedupe_key.as_str()).collect();
        assert_eq!(distinct.len(), 24);
        assert_eq!(
            runs.iter().map(|r| r.notices).sum::<i32>(),
            24,
            "notices counted once, by the runs that wrote them"
        );
        let events = events(&one).await;
        assert_eq!(events.len(), 12);
        // Both servers answer the same lists.
        assert_eq!(
            notices_of(&one, "supervisor").await["items"],
            notices_of(&two, "supervisor").await["items"]
        );

        // -- Without the lease (two passes at once) the dedupe keys still write each once.
        social_batch(&one, "train2").await;
        let at = rfc3339(datetime!(2026-04-20 09:00 +08:00));
        one.set_now(&at);
        two.set_now(&at);
        let (a, b) = futures_util::future::join(
            jobs::deadlines_pass(&one.state),
            jobs::deadlines_pass(&two.state),
        )
        .await;
        let (a, b) = (a.unwrap(), b.unwrap());
        // The new batch's arrangement (03-08) and completion (04-10) have both passed.
        assert_eq!((a.0 + b.0, a.1 + b.1), (4, 2), "{backend:?}: {a:?} {b:?}");
        assert_eq!(all_notices(&one).await.len(), 28);

        two.finish().await;
        one.finish().await;
    }
}

fn fast_clock(config: &mut skillcert_server::config::Config) {
    config.jobs.enabled = true;
    config.jobs.tick_seconds = 1;
}

#[actix_web::test]
async fn serve_runs_the_clock_by_itself_when_enabled() {
    each_backend_with(fast_clock, |app| async move {
        app.cast().await;
        social_batch(&app, "train1").await;
        app.set_now("2026-03-06T09:00:00+08:00");
        let mut seen = 0;
        for _ in 0..40 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
            seen = all_notices(&app).await.len();
            if seen > 0 {
                break;
            }
        }
        assert_eq!(seen, 2);
        let runs = runs(&app).await;
        assert!(!runs.is_empty());
        assert!(runs.iter().all(|r| *r.holder == *app.state.instance));
        app
    })
    .await;
}
