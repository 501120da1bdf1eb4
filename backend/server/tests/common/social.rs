//! A social-training batch (the process with an arrangement step) brought to its arrangement.

use serde_json::{Value, json};

use super::TestApp;
use super::batches::{ELECTRICIAN, approve, batch_body_lines, create, submit_ok};
use super::fixtures::{attach, token};

/// 15 planned for 电工 (MIN_HEADCOUNT), split 8 + 7 over two levels so that, with nobody
/// registered, each line stays within HEADCOUNT_TOLERANCE; exams 2026-03-10 and 11 in `region`.
pub fn social_body(region: &str) -> Value {
    let mut body = batch_body_lines(
        "supervised",
        "exam",
        region,
        &[(ELECTRICIAN, 5, 8), (ELECTRICIAN, 4, 7)],
    );
    body["venue"] = json!("洛阳职业技能实训基地");
    body
}

/// One theory session (集中在线机考) for each level on `day` at `venue` in 洛阳 (4103), 30 seats
/// each, with one 考评员 and one 监考 in both.
pub fn arrangement(venue: &str, day: &str) -> Value {
    arrangement_in(venue, "4103", day)
}

pub fn arrangement_in(venue: &str, region: &str, day: &str) -> Value {
    let session = |level: u8, hours: (&str, &str)| {
        json!({
            "occupation_code": ELECTRICIAN, "level": level, "subject": "theory",
            "starts_at": format!("{day}T{}:00+08:00", hours.0),
            "ends_at": format!("{day}T{}:00+08:00", hours.1),
            "venue": venue, "venue_region": region, "exam_form": "online_computer",
            "capacity": 30,
        })
    };
    json!({
        "sessions": [session(5, ("09:00", "10:30")), session(4, ("14:00", "15:30"))],
        "staff": [
            { "name": "考评员甲", "role": "examiner", "certificate_no": "KPY-2024-0001", "sessions": [0, 1] },
            { "name": "监考乙", "role": "invigilator", "certificate_no": "JK-2024-0002", "sessions": [0, 1] },
        ],
    })
}

/// `train1`'s batch in 洛阳 with plan and registration approved: its arrangement step is open.
pub async fn social_at_arrangement(app: &TestApp) -> Value {
    social_at_arrangement_as(app, "train1", "4103").await
}

/// The same for `username`'s institution, the venue in `region` (its own, so no cross-region
/// form is needed).
pub async fn social_at_arrangement_as(app: &TestApp, username: &str, region: &str) -> Value {
    let batch = social_with_plan_approved(app, username, region).await;
    let train = token(app, username).await;
    let sup = token(app, "supervisor").await;
    submit_ok(app, &train, &batch, "registration").await;
    approve(app, &sup, &batch, "registration").await
}

/// `username`'s social-training batch with its plan approved and the registration materials on
/// file: candidates may be added before the registration is submitted.
pub async fn social_with_plan_approved(app: &TestApp, username: &str, region: &str) -> Value {
    let train = token(app, username).await;
    let sup = token(app, "supervisor").await;
    let batch = create(app, &train, social_body(region)).await;
    attach(
        app,
        &batch,
        &[
            "plan_application",
            "eligibility_commitment",
            "personal_info_form",
        ],
    )
    .await;
    submit_ok(app, &train, &batch, "plan").await;
    approve(app, &sup, &batch, "plan").await
}
