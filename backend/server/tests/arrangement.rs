//! 考务安排 through HTTP (issue 6): seats for every registered candidate, one person never in two
//! overlapping sessions across all batches, and changes of exam time or venue after the plan's
//! approval by a change request with a reason that a supervisor re-reviews.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{ELECTRICIAN, add_candidate, approve, state_of, submit, submit_ok};
use common::fixtures::token;
use common::ids::person;
use common::social::{
    arrangement, arrangement_in, social_at_arrangement, social_at_arrangement_as,
    social_with_plan_approved,
};
use common::{TestApp, each_backend, problem, violation_codes};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

fn id(batch: &Value) -> String {
    batch["id"].as_str().unwrap().to_owned()
}

async fn put_arrangement(
    app: &TestApp,
    token: &str,
    batch: &Value,
    body: Value,
) -> reqwest::Response {
    app.put(
        token,
        &format!("/api/v1/batches/{}/arrangement", id(batch)),
        body,
    )
    .await
}

async fn get_batch(app: &TestApp, token: &str, batch: &Value) -> Value {
    app.get(token, &format!("/api/v1/batches/{}", id(batch)))
        .await
        .json()
        .await
        .unwrap()
}

#[actix_web::test]
async fn capacity_must_seat_every_registered_candidate_of_each_subject() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_with_plan_approved(&app, "train1", "4103").await;
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        for n in 1..=3 {
            let response = add_candidate(
                &app,
                &train,
                &batch,
                json!({ "name": format!("考生{n}"), "id_number": person(n), "occupation_code": ELECTRICIAN, "level": 5 }),
            )
            .await;
            assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        }
        submit_ok(&app, &train, &batch, "registration").await;
        let batch = approve(&app, &sup, &batch, "registration").await;

        // Malformed capacities are refused when saved.
        let mut zero = arrangement("洛阳职业技能实训基地", "2026-03-10");
        zero["sessions"][0]["capacity"] = json!(0);
        let body = problem(put_arrangement(&app, &train, &batch, zero).await, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "sessions[0].capacity");

        // 3 registered at 五级, 2 seats: saved, but the submission is refused.
        let mut short = arrangement("洛阳职业技能实训基地", "2026-03-10");
        short["sessions"][0]["capacity"] = json!(2);
        assert_eq!(put_arrangement(&app, &train, &batch, short).await.status(), 200);
        let body = problem(submit(&app, &train, &batch, "arrangement").await, 422, "ARRANGEMENT_CAPACITY").await;
        assert_eq!(violation_codes(&body), vec!["ARRANGEMENT_CAPACITY"]);
        let details = &body["violations"][0]["details"];
        assert_eq!((details["capacity"].as_u64(), details["registered"].as_u64()), (Some(2), Some(3)));
        assert_eq!(details["level"], 5);

        // The checklist shows the same failure before any submission.
        let checklist: Value = app
            .get(&train, &format!("/api/v1/batches/{}/checklist", id(&batch)))
            .await
            .json()
            .await
            .unwrap();
        assert!(checklist.to_string().contains("ARRANGEMENT_CAPACITY"), "{checklist}");

        let mut enough = arrangement("洛阳职业技能实训基地", "2026-03-10");
        enough["sessions"][0]["capacity"] = json!(3);
        assert_eq!(put_arrangement(&app, &train, &batch, enough).await.status(), 200);
        let batch = submit_ok(&app, &train, &batch, "arrangement").await;
        assert_eq!(state_of(&batch, "arrangement"), "submitted");
        app
    })
    .await;
}

#[actix_web::test]
async fn one_person_cannot_work_overlapping_sessions_in_any_two_batches() {
    each_backend(|app| async move {
        app.cast().await;
        let luoyang = social_at_arrangement(&app).await;
        let zhengzhou = social_at_arrangement_as(&app, "train2", "4101").await;
        let (train1, train2) = (token(&app, "train1").await, token(&app, "train2").await);

        // train1 books 考评员甲 (KPY-2024-0001) 09:00–10:30 and 14:00–15:30 on 03-10.
        let first = arrangement("洛阳职业技能实训基地", "2026-03-10");
        assert_eq!(
            put_arrangement(&app, &train1, &luoyang, first.clone())
                .await
                .status(),
            200
        );
        // Saving the same arrangement again does not clash with itself.
        assert_eq!(
            put_arrangement(&app, &train1, &luoyang, first)
                .await
                .status(),
            200
        );

        // train2 books the same person (number written in lower case, with spaces) 10:00–11:00.
        let mut clash = arrangement_in("郑州考点", "4101", "2026-03-10");
        clash["sessions"][0]["starts_at"] = json!("2026-03-10T10:00:00+08:00");
        clash["sessions"][0]["ends_at"] = json!("2026-03-10T11:00:00+08:00");
        clash["staff"][0]["certificate_no"] = json!(" kpy-2024-0001 ");
        clash["staff"][1]["certificate_no"] = json!("JK-ZZ-0009");
        let body = problem(
            put_arrangement(&app, &train2, &zhengzhou, clash.clone()).await,
            422,
            "STAFF_DOUBLE_BOOKED",
        )
        .await;
        assert_eq!(violation_codes(&body), vec!["STAFF_DOUBLE_BOOKED"]);
        assert_eq!(body["violations"][0]["field"], "staff[0].sessions");
        let message = body["violations"][0]["message"].as_str().unwrap();
        assert!(message.contains("2026-03-10 09:00"), "{message}");
        // The other batch is described by its time only: not whose it is or where.
        assert!(!message.contains("洛阳"), "{message}");
        // Nothing was saved.
        let saved: Value = app
            .get(
                &train2,
                &format!("/api/v1/batches/{}/arrangement", id(&zhengzhou)),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(saved["sessions"], json!([]));

        // Back to back (10:30–11:30 after 09:00–10:30) is allowed; so is another person.
        clash["sessions"][0]["starts_at"] = json!("2026-03-10T10:30:00+08:00");
        clash["sessions"][0]["ends_at"] = json!("2026-03-10T11:30:00+08:00");
        clash["sessions"][1]["starts_at"] = json!("2026-03-10T16:00:00+08:00");
        clash["sessions"][1]["ends_at"] = json!("2026-03-10T17:00:00+08:00");
        assert_eq!(
            put_arrangement(&app, &train2, &zhengzhou, clash)
                .await
                .status(),
            200
        );

        // Inside one arrangement: the same person in two sessions that overlap.
        let mut twice = arrangement("洛阳职业技能实训基地", "2026-03-10");
        twice["sessions"][1]["starts_at"] = json!("2026-03-10T09:30:00+08:00");
        twice["sessions"][1]["ends_at"] = json!("2026-03-10T10:15:00+08:00");
        let body = problem(
            put_arrangement(&app, &train1, &luoyang, twice).await,
            422,
            "STAFF_DOUBLE_BOOKED",
        )
        .await;
        // 考评员甲 and 监考乙 are each in both sessions: one violation each.
        assert_eq!(body["violations"].as_array().unwrap().len(), 2, "{body}");
        app
    })
    .await;
}

async fn request_change(
    app: &TestApp,
    token: &str,
    batch: &Value,
    body: Value,
) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/batches/{}/change-requests", id(batch)),
        body,
    )
    .await
}

async fn decide_change(
    app: &TestApp,
    token: &str,
    request: &Value,
    body: Value,
) -> reqwest::Response {
    app.post(
        token,
        &format!(
            "/api/v1/change-requests/{}/decision",
            request["id"].as_str().unwrap()
        ),
        body,
    )
    .await
}

#[actix_web::test]
async fn a_change_of_exam_time_after_approval_is_a_reviewed_change_request() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_at_arrangement(&app).await;
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        assert_eq!(
            put_arrangement(&app, &train, &batch, arrangement("洛阳职业技能实训基地", "2026-03-10")).await.status(),
            200
        );
        let batch = submit_ok(&app, &train, &batch, "arrangement").await;
        let batch = approve(&app, &sup, &batch, "arrangement").await;
        assert_eq!(state_of(&batch, "certificate"), "draft");

        // Editing the batch directly stays refused.
        let body = problem(
            app.patch(
                &train,
                &format!("/api/v1/batches/{}", id(&batch)),
                json!({ "version": batch["version"], "exam_start": "2026-03-17", "exam_end": "2026-03-18" }),
            )
            .await,
            422,
            "ARRANGEMENT_MISMATCH",
        )
        .await;
        assert!(body["violations"][0]["message"].as_str().unwrap().contains("变更申请"));

        // A reason is required.
        let moved = json!({ "exam_start": "2026-03-17", "exam_end": "2026-03-18", "reason": "  " });
        let body = problem(request_change(&app, &train, &batch, moved).await, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "reason");
        // On Thu 2026-02-12 the earliest exam day is 02-25 (三个工作日后): 02-24 is refused.
        let early = json!({ "exam_start": "2026-02-24", "exam_end": "2026-02-24", "reason": "考点提前可用" });
        let body = problem(request_change(&app, &train, &batch, early).await, 422, "EXAM_LEAD_TIME").await;
        assert_eq!(body["violations"][0]["details"]["earliest_exam_date"], "2026-02-25");
        // Into next year: CROSS_YEAR.
        let late = json!({ "exam_end": "2027-01-05", "reason": "延期" });
        problem(request_change(&app, &train, &batch, late).await, 422, "CROSS_YEAR").await;
        // Another region without the cross-region form.
        let away = json!({ "venue": "郑州考点", "venue_region": "4101", "reason": "场地检修" });
        problem(request_change(&app, &train, &batch, away).await, 422, "CROSS_REGION_FORM_REQUIRED").await;

        let moved = json!({ "exam_start": "2026-03-17", "exam_end": "2026-03-18", "reason": "原考点停电检修" });
        let response = request_change(&app, &train, &batch, moved.clone()).await;
        assert_eq!(response.status(), 201);
        let request: Value = response.json().await.unwrap();
        assert_eq!(request["status"], "pending");
        assert_eq!(request["before"]["exam_start"], "2026-03-10");
        assert_eq!(request["after"]["exam_start"], "2026-03-17");
        assert_eq!(request["after"]["venue"], "洛阳职业技能实训基地");
        // One pending request at a time; the batch is unchanged until a supervisor decides.
        problem(request_change(&app, &train, &batch, moved).await, 409, "INVALID_STATE").await;
        assert_eq!(get_batch(&app, &train, &batch).await["exam_start"], "2026-03-10");

        // The supervisors are told, with the reason.
        let notices: Value = app.get(&sup, "/api/v1/notices").await.json().await.unwrap();
        let told = &notices["items"][0];
        assert_eq!(told["kind"], "change_request.submitted", "{notices}");
        assert!(told["body"].as_str().unwrap().contains("原考点停电检修"), "{told}");
        // The supervisor's queue lists it; the institution cannot decide it.
        let queue: Value = app.get(&sup, "/api/v1/change-requests").await.json().await.unwrap();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["institution_name"], request["institution_name"]);
        problem(app.get(&train, "/api/v1/change-requests").await, 403, "FORBIDDEN").await;
        problem(decide_change(&app, &train, &request, json!({ "decision": "approve" })).await, 403, "FORBIDDEN").await;
        let body = problem(
            decide_change(&app, &sup, &request, json!({ "decision": "reject" })).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "comment");

        let response = decide_change(&app, &sup, &request, json!({ "decision": "approve", "comment": "同意" })).await;
        assert_eq!(response.status(), 200);
        let decided: Value = response.json().await.unwrap();
        assert_eq!(decided["status"], "approved");
        problem(decide_change(&app, &sup, &request, json!({ "decision": "approve" })).await, 409, "INVALID_STATE").await;
        let notices: Value = app.get(&train, "/api/v1/notices").await.json().await.unwrap();
        assert_eq!(notices["items"][0]["kind"], "change_request.approved", "{notices}");
        let mut events: Vec<String> = skillcert_server::entities::outbox_event::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .filter(|t| t.starts_with("change_request."))
            .collect();
        events.sort();
        assert_eq!(events, vec!["change_request.approved", "change_request.submitted"]);

        // The batch moved; the arrangement made for 03-10 went back and the certificate step closed.
        let batch = get_batch(&app, &train, &batch).await;
        assert_eq!((batch["exam_start"].as_str(), batch["exam_end"].as_str()), (Some("2026-03-17"), Some("2026-03-18")));
        assert_eq!(state_of(&batch, "arrangement"), "returned");
        assert_eq!(state_of(&batch, "certificate"), "not_started");
        assert_eq!(batch["deadlines"]["arrangement_deadline"], "2026-03-15");
        let body = problem(submit(&app, &train, &batch, "arrangement").await, 422, "ARRANGEMENT_MISMATCH").await;
        assert!(body["violations"][0]["field"].as_str().unwrap().ends_with(".date"), "{body}");
        assert_eq!(
            put_arrangement(&app, &train, &batch, arrangement("洛阳职业技能实训基地", "2026-03-17")).await.status(),
            200
        );
        let batch = submit_ok(&app, &train, &batch, "arrangement").await;
        approve(&app, &sup, &batch, "arrangement").await;

        // The history stays on the batch, and both actions are audited.
        let history: Value = app
            .get(&train, &format!("/api/v1/batches/{}/change-requests", id(&batch)))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(history["total"], 1);
        assert_eq!(history["items"][0]["reason"], "原考点停电检修");
        assert_eq!(common::fixtures::audit_count(&app, "change_request.create").await, 1);
        assert_eq!(common::fixtures::audit_count(&app, "change_request.approve").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn change_requests_rerun_the_deadline_and_refuse_once_exams_start() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_at_arrangement(&app).await;
        // Before the plan is approved there is nothing to change: the batch is edited instead.
        let train = token(&app, "train1").await;
        let draft =
            common::batches::create(&app, &train, common::social::social_body("4103")).await;
        problem(
            request_change(
                &app,
                &train,
                &draft,
                json!({ "venue": "新考点", "reason": "更换" }),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;

        // A change re-runs the plan's lead time at its own date: a new venue asked for at 00:10
        // China time on Thu 03-05 leaves 03-06, 03-09, 03-10 as the three working days, so the
        // 03-10 exam is too soon; at 23:30 on Wed 03-04 it is not.
        let venue = json!({ "venue": "洛阳另一考点", "reason": "场地检修" });
        app.set_now("2026-03-04T16:10:00Z");
        let train = token(&app, "train1").await;
        let body = problem(
            request_change(&app, &train, &batch, venue.clone()).await,
            422,
            "EXAM_LEAD_TIME",
        )
        .await;
        assert_eq!(violation_codes(&body), vec!["EXAM_LEAD_TIME"]);
        // On 03-09 the arrangement deadline (03-08) the plan sets has passed as well.
        app.set_now("2026-03-08T16:10:00Z");
        let train = token(&app, "train1").await;
        let body = problem(
            request_change(&app, &train, &batch, venue.clone()).await,
            422,
            "EXAM_LEAD_TIME",
        )
        .await;
        assert_eq!(
            violation_codes(&body),
            vec!["ARRANGEMENT_DEADLINE", "EXAM_LEAD_TIME"]
        );
        let deadline = body["violations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["code"] == "ARRANGEMENT_DEADLINE")
            .unwrap();
        assert_eq!(deadline["step"], "arrangement");
        assert_eq!(deadline["details"]["deadline"], "2026-03-08");
        app.set_now("2026-03-04T15:30:00Z");
        let train = token(&app, "train1").await;
        let response = request_change(&app, &train, &batch, venue).await;
        assert_eq!(response.status(), 201);
        let request: Value = response.json().await.unwrap();
        // Rejected: nothing moves.
        let sup_now = token(&app, "supervisor").await;
        let rejected: Value = decide_change(
            &app,
            &sup_now,
            &request,
            json!({ "decision": "reject", "comment": "理由不充分" }),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["comment"], "理由不充分");
        let notices: Value = app
            .get(&train, "/api/v1/notices")
            .await
            .json()
            .await
            .unwrap();
        let told = &notices["items"][0];
        assert_eq!(told["kind"], "change_request.rejected", "{notices}");
        assert!(
            told["body"].as_str().unwrap().contains("理由不充分"),
            "{told}"
        );
        assert_eq!(
            get_batch(&app, &train, &batch).await["venue"],
            "洛阳职业技能实训基地"
        );

        // From the first exam day on, the exam can no longer be moved.
        app.set_now("2026-03-10T01:00:00Z");
        let train = token(&app, "train1").await;
        problem(
            request_change(
                &app,
                &train,
                &batch,
                json!({ "exam_start": "2026-03-20", "exam_end": "2026-03-20", "reason": "推迟" }),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        app
    })
    .await;
}
