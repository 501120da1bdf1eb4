//! The unhappy paths of SPEC §4 through the real binary: one scenario per rule code, each
//! answered 422 as problem+json naming the code among its violations (every answer also
//! checked against openapi.json by the client). The last check holds the suite to the whole
//! table: a code of SPEC §4 no scenario provoked fails it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::{Value, json};
use skillcert_e2e::scenario::{
    AFTER_EXAMS, ELECTRICIAN, approve, arrangement_for, batch_body, batch_body_lines, candidate,
    create, id_of, submit, upload_missing,
};
use skillcert_e2e::{Answer, Api, PLATFORM_NOW, backends};

/// The rule codes of SPEC §4, in its order.
const SPEC_CODES: [&str; 18] = [
    "METHOD_NOT_ALLOWED",
    "ANNUAL_PLAN_REQUIRED",
    "MIN_HEADCOUNT",
    "EXAM_LEAD_TIME",
    "CALENDAR_YEAR_MISSING",
    "HEADCOUNT_TOLERANCE",
    "ARRANGEMENT_DEADLINE",
    "ARRANGEMENT_MISMATCH",
    "COMPLETION_WINDOW",
    "CROSS_YEAR",
    "CROSS_REGION_FORM_REQUIRED",
    "MATERIAL_MISSING",
    "WARNINGS_UNRESOLVED",
    "NOT_GRADUATING_YEAR",
    "STEP_OUT_OF_ORDER",
    "RESULTS_MISSING",
    "OCCUPATION_NOT_FILED",
    "VALIDATION",
];

/// The codes the scenarios saw refused.
struct Seen(Mutex<BTreeSet<String>>);

impl Seen {
    /// Asserts `answer` is a 422 rule failure whose violations include every one of `codes`.
    fn refused(&self, what: &str, answer: &Answer, codes: &[&str]) {
        assert_eq!(answer.status, 422, "{what}: {}", answer.json);
        assert!(
            answer
                .content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("application/problem+json")),
            "{what}: {:?}",
            answer.content_type
        );
        let found = answer.violation_codes();
        for code in codes {
            assert!(
                found.iter().any(|f| f == code),
                "{what}: {code} not in {found:?}: {}",
                answer.json
            );
        }
        assert!(
            found.iter().any(|f| f == answer.code()),
            "{what}: top code {}",
            answer.code()
        );
        self.0
            .lock()
            .unwrap()
            .extend(codes.iter().map(|c| (*c).to_owned()));
    }
}

/// A social-training batch of train1 in 洛阳 (15 planned over two levels) with its plan and
/// registration (4 candidates) approved: at 考务安排.
async fn social_at_arrangement(api: &Api) -> Value {
    let train = api.login("train1").await;
    let sup = api.login("supervisor").await;
    let mut body = batch_body_lines(
        "supervised",
        "exam",
        "4103",
        &[(ELECTRICIAN, 5, 8), (ELECTRICIAN, 4, 7)],
    );
    body["venue"] = json!("洛阳职业技能实训基地");
    let batch = create(api, &train, body).await;
    let id = id_of(&batch);
    upload_missing(api, &train, &batch, "plan").await;
    assert_eq!(submit(api, &train, &batch, "plan").await.status, 200);
    approve(api, &sup, &batch, "plan").await;
    for n in 61..65 {
        let added = api
            .post(
                &train,
                &format!("/api/v1/batches/{id}/candidates"),
                candidate(&batch, n, false),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.json);
    }
    upload_missing(api, &train, &batch, "registration").await;
    let submitted = submit(api, &train, &batch, "registration").await;
    assert_eq!(submitted.status, 200, "{}", submitted.json);
    approve(api, &sup, &batch, "registration").await
}

async fn creation_rules(api: &Api, seen: &Seen) {
    let emp = api.login("emp1").await;
    let school = api.login("school1").await;

    // 技工院校 have no 直接认定 (SPEC §2).
    let answer = api
        .post(
            &school,
            "/api/v1/batches",
            batch_body("self", "direct", 20, "4107"),
        )
        .await;
    seen.refused("tech school, direct", &answer, &["METHOD_NOT_ALLOWED"]);

    // The demo's annual plans are for 2026 only: a 2027 batch has none.
    let mut body = batch_body("supervised", "exam", 20, "4101");
    body["year"] = json!(2027);
    body["exam_start"] = json!("2027-03-10");
    body["exam_end"] = json!("2027-03-11");
    let answer = api.post(&emp, "/api/v1/batches", body).await;
    seen.refused(
        "2027 without an annual plan",
        &answer,
        &["ANNUAL_PLAN_REQUIRED"],
    );

    // 一级 is outside the demo filings (levels 5–3).
    let mut body = batch_body("supervised", "exam", 20, "4101");
    body["occupations"] =
        json!([{ "occupation_code": ELECTRICIAN, "level": 1, "planned_count": 20 }]);
    let answer = api.post(&emp, "/api/v1/batches", body).await;
    seen.refused("level 1", &answer, &["OCCUPATION_NOT_FILED"]);

    // 不可跨年实施.
    let mut body = batch_body("supervised", "exam", 20, "4101");
    body["exam_end"] = json!("2027-01-05");
    let answer = api.post(&emp, "/api/v1/batches", body).await;
    seen.refused("exams into 2027", &answer, &["CROSS_YEAR"]);

    // Malformed fields, each named.
    let body = json!({
        "module": "supervised", "method": "exam", "year": 2026,
        "exam_start": "2026-13-01", "exam_end": "2026-03-11", "venue": "x", "venue_region": "4199",
        "occupations": [{ "occupation_code": "6-31-01", "level": 6, "planned_count": 20 }],
    });
    let answer = api.post(&school, "/api/v1/batches", body).await;
    seen.refused("malformed batch", &answer, &["VALIDATION"]);
    let fields: Vec<&str> = answer.json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    for field in [
        "exam_start",
        "venue_region",
        "occupations[0].occupation_code",
        "occupations[0].level",
    ] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
}

async fn plan_rules(api: &Api, seen: &Seen) {
    let train = api.login("train1").await;
    // train1 is in 洛阳 (4103): exams in 郑州 (4101), 14 planned, on 2026-02-24 — the plan is
    // submitted Thu 2026-02-12, so the earliest exam day is 2026-02-25 (SPEC §4's example).
    let mut body = batch_body("supervised", "exam", 14, "4101");
    body["exam_start"] = json!("2026-02-24");
    body["exam_end"] = json!("2026-02-24");
    let batch = create(api, &train, body).await;
    assert_eq!(
        batch["deadlines"]["earliest_exam_date"], "2026-02-25",
        "{batch}"
    );
    let answer = submit(api, &train, &batch, "plan").await;
    seen.refused(
        "plan",
        &answer,
        &[
            "MATERIAL_MISSING",
            "CROSS_REGION_FORM_REQUIRED",
            "EXAM_LEAD_TIME",
            "MIN_HEADCOUNT",
        ],
    );

    // Registration before the plan is approved, nobody registered of 14 planned.
    let answer = submit(api, &train, &batch, "registration").await;
    seen.refused(
        "registration first",
        &answer,
        &["STEP_OUT_OF_ORDER", "HEADCOUNT_TOLERANCE"],
    );

    // Fixed and submitted, the plan's dates change only through a change request.
    let id = id_of(&batch);
    let fixed = api
        .patch(
            &train,
            &format!("/api/v1/batches/{id}"),
            json!({
                "version": batch["version"], "exam_start": "2026-03-10", "exam_end": "2026-03-11",
                "occupations": [{ "occupation_code": ELECTRICIAN, "level": 5, "planned_count": 15 }],
            }),
        )
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.json);
    upload_missing(api, &train, &fixed.json, "plan").await;
    let cross_region = api
        .upload(
            &train,
            &id,
            "cross_region_application",
            skillcert_e2e::pdf(),
        )
        .await;
    assert_eq!(cross_region.status, 201, "{}", cross_region.json);
    let submitted = submit(api, &train, &fixed.json, "plan").await;
    assert_eq!(submitted.status, 200, "{}", submitted.json);
    let answer = api
        .patch(
            &train,
            &format!("/api/v1/batches/{id}"),
            json!({ "version": submitted.json["version"], "exam_start": "2026-03-17" }),
        )
        .await;
    seen.refused(
        "date moved after submission",
        &answer,
        &["ARRANGEMENT_MISMATCH"],
    );
}

async fn warning_rules(api: &Api, seen: &Seen) {
    let school = api.login("school1").await;
    let batch = create(
        api,
        &school,
        batch_body_lines("self", "process", "4107", &[(ELECTRICIAN, 5, 20)]),
    )
    .await;
    let id = id_of(&batch);
    // A student graduating next year: 毕业学年学生 only.
    let mut body = candidate(&batch, 71, true);
    body["graduation_year"] = json!(2027);
    let added = api
        .post(&school, &format!("/api/v1/batches/{id}/candidates"), body)
        .await;
    assert_eq!(added.status, 201, "{}", added.json);
    assert!(
        added.json["warnings"]
            .to_string()
            .contains("NOT_GRADUATING_YEAR"),
        "{}",
        added.json
    );
    let answer = submit(api, &school, &batch, "registration").await;
    seen.refused(
        "a warning left open",
        &answer,
        &["NOT_GRADUATING_YEAR", "WARNINGS_UNRESOLVED"],
    );
}

async fn deadline_rules(api: &Api, seen: &Seen) {
    let batch = social_at_arrangement(api).await;
    let id = id_of(&batch);
    let train = api.login("train1").await;
    let arranged = api
        .put(
            &train,
            &format!("/api/v1/batches/{id}/arrangement"),
            arrangement_for(&batch),
        )
        .await;
    assert_eq!(arranged.status, 200, "{}", arranged.json);

    // 该环节应在考试日前两天完成: 2026-03-09 00:10 in Beijing is too late for exams on 03-10.
    api.move_clock("2026-03-08T16:10:00Z").await;
    let train = api.login("train1").await;
    let answer = submit(api, &train, &batch, "arrangement").await;
    seen.refused("arrangement on 03-09", &answer, &["ARRANGEMENT_DEADLINE"]);
    assert_eq!(
        answer.json["violations"][0]["details"]["deadline"],
        "2026-03-08"
    );

    api.move_clock("2026-03-08T15:30:00Z").await;
    let (train, sup) = (api.login("train1").await, api.login("supervisor").await);
    assert_eq!(submit(api, &train, &batch, "arrangement").await.status, 200);
    approve(api, &sup, &batch, "arrangement").await;

    // The certificate step before the exams are over.
    let answer = submit(api, &train, &batch, "certificate").await;
    seen.refused(
        "certificate before the exams",
        &answer,
        &["RESULTS_MISSING"],
    );

    // 考试之日起 30 日内: the last exam day is 03-11, so 04-11 is late.
    api.move_clock(AFTER_EXAMS).await;
    let train = api.login("train1").await;
    let candidates = api
        .get(
            &train,
            &format!("/api/v1/batches/{id}/candidates?page_size=50"),
        )
        .await;
    let results: Vec<Value> = candidates.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({ "candidate_id": c["id"], "theory": 82, "skill": 76 }))
        .collect();
    let entered = api
        .put(
            &train,
            &format!("/api/v1/batches/{id}/results"),
            json!({ "results": results }),
        )
        .await;
    assert_eq!(entered.status, 200, "{}", entered.json);
    upload_missing(api, &train, &batch, "certificate").await;
    api.move_clock("2026-04-11T02:00:00Z").await;
    let train = api.login("train1").await;
    let answer = submit(api, &train, &batch, "certificate").await;
    seen.refused("certificate on 04-11", &answer, &["COMPLETION_WINDOW"]);
    assert_eq!(
        answer.json["violations"][0]["details"]["deadline"],
        "2026-04-10"
    );
}

async fn calendar_rule(api: &Api, seen: &Seen) {
    api.move_clock(PLATFORM_NOW).await;
    let train = api.login("train1").await;
    let mut body = batch_body("supervised", "exam", 20, "4103");
    body["exam_start"] = json!("2026-12-30");
    body["exam_end"] = json!("2026-12-31");
    let batch = create(api, &train, body).await;
    upload_missing(api, &train, &batch, "plan").await;
    // Submitted on 2026-12-29, the plan needs working days of 2027, which has no calendar.
    api.move_clock("2026-12-29T02:00:00Z").await;
    let train = api.login("train1").await;
    let answer = submit(api, &train, &batch, "plan").await;
    seen.refused("plan on 12-29", &answer, &["CALENDAR_YEAR_MISSING"]);
    assert_eq!(answer.json["violations"][0]["details"]["year"], 2027);
}

#[tokio::test]
async fn every_rule_of_spec_section_4_refuses_through_the_binary() {
    for backend in backends() {
        let site = skillcert_e2e::Site::new(backend, &[]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        let seen = Seen(Mutex::new(BTreeSet::new()));

        creation_rules(&api, &seen).await;
        plan_rules(&api, &seen).await;
        warning_rules(&api, &seen).await;
        deadline_rules(&api, &seen).await;
        calendar_rule(&api, &seen).await;

        let seen = seen.0.into_inner().unwrap();
        let missing: Vec<&str> = SPEC_CODES
            .iter()
            .copied()
            .filter(|c| !seen.contains(*c))
            .collect();
        assert!(
            missing.is_empty(),
            "{backend:?}: no scenario refused {missing:?}"
        );
        drop(server);
        site.finish().await;
    }
}
