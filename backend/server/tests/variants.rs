//! Every (kind, module) of SPEC §2 walked through HTTP from the batch's creation to certificates
//! the public lookup verifies (issue 7, "done when"): the institution creates the batch and does
//! each step of its catalogue (SPEC §3), the supervisor approves what is reviewed, the clock
//! moves past the exams, the 信息部 issues and publishes, and anyone can look each certificate
//! up by number and by name + ID number: found, valid, signature verified, ID masked. The batch
//! ends `completed` with every step approved.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{ELECTRICIAN, batch_body, batch_body_lines};
use common::fixtures::annual_plan;
use common::social::social_body;
use common::walk::{Walk, Walked, verify_publicly, walk};
use common::{TestApp, each_backend};

/// The common end of every walk: completed, every step approved, numbers per SPEC §6 with
/// the kind's letter, and each certificate verified by the public lookup.
async fn check_end(app: &TestApp, walked: &Walked, letter: char, pass: usize) {
    let batch = &walked.batch;
    assert_eq!(batch["status"], "completed", "{batch}");
    // Every step approved, 外部质量督导 (beside the gates) closed with the certificate step.
    for step in batch["steps"].as_array().unwrap() {
        assert_eq!(step["state"], "approved", "{step}");
    }
    assert_eq!(walked.holders.len(), pass);
    for holder in &walked.holders {
        let number = &holder.number;
        assert_eq!(number.len(), 22, "{number}");
        // [1] kind letter, [2–5] filing code 0000, [6–7] 41, [8–13] site 410001, [14–15] 26,
        // [16] level 5.
        assert_eq!(
            &number[..16],
            format!("{letter}000041410001265"),
            "{number}"
        );
    }
    verify_publicly(app, walked).await;
}

fn steps(walked: &Walked) -> Vec<&str> {
    walked.trail.iter().map(String::as_str).collect()
}

#[actix_web::test]
async fn employer_supervised_exam() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let plan = Walk {
            owner: "emp1",
            body: batch_body("supervised", "exam", 20, "4101"),
            first: 1,
            count: 3,
            pass: 2,
            students: false,
        };

        // -- Exec
        let walked = walk(&app, &plan).await;

        // -- Check
        assert_eq!(
            steps(&walked),
            [
                "plan:materials plan_application",
                "plan:submitted",
                "plan:approved",
                "registration:registered 3",
                "registration:submitted",
                "registration:approved itself",
                "certificate:results",
                "certificate:materials abnormality_verification,qualified_confirmation,internal_qa_report",
                "certificate:submitted",
                "certificate:approved",
                "issuance:issued 2",
                "issuance:published",
            ]
        );
        check_end(&app, &walked, 'Y', 2).await;
        app
    })
    .await;
}

fn employer_self(method: &str) -> Walk {
    Walk {
        owner: "emp1",
        body: batch_body("self", method, 20, "4101"),
        first: 11,
        count: 3,
        pass: 2,
        students: false,
    }
}

const EMPLOYER_SELF_TRAIL: [&str; 10] = [
    "registration:registered 3",
    "registration:submitted",
    "registration:approved itself",
    "materials:results",
    "materials:materials implementation_notice,assessment_plan,participant_roster,qualified_confirmation,internal_qa_report",
    "materials:submitted",
    "materials:approved itself",
    "data_audit:approved",
    "issuance:issued 2",
    "issuance:published",
];

#[actix_web::test]
async fn employer_self_direct() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let walked = walk(&app, &employer_self("direct")).await;
        assert_eq!(walked.batch["method"], "direct");
        assert_eq!(steps(&walked), EMPLOYER_SELF_TRAIL);
        check_end(&app, &walked, 'Y', 2).await;
        app
    })
    .await;
}

#[actix_web::test]
async fn employer_self_competition() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let walked = walk(&app, &employer_self("competition")).await;
        assert_eq!(walked.batch["method"], "competition");
        assert_eq!(steps(&walked), EMPLOYER_SELF_TRAIL);
        check_end(&app, &walked, 'Y', 2).await;
        app
    })
    .await;
}

#[actix_web::test]
async fn social_training_supervised_exam() {
    each_backend(|app| async move {
        // -- Setup: 15 planned (8 + 7 over two levels) in 洛阳, train1's own region
        app.cast().await;
        let plan = Walk {
            owner: "train1",
            body: social_body("4103"),
            first: 21,
            count: 4,
            pass: 3,
            students: false,
        };

        // -- Exec
        let walked = walk(&app, &plan).await;

        // -- Check
        assert_eq!(
            steps(&walked),
            [
                "plan:materials plan_application",
                "plan:submitted",
                "plan:approved",
                "registration:registered 4",
                "registration:materials eligibility_commitment,personal_info_form",
                "registration:submitted",
                "registration:approved",
                "arrangement:arranged",
                "arrangement:submitted",
                "arrangement:approved",
                "certificate:results",
                "certificate:materials internal_qa_report",
                "certificate:submitted",
                "certificate:approved",
                "issuance:issued 3",
                "issuance:published",
            ]
        );
        check_end(&app, &walked, 'S', 3).await;
        app
    })
    .await;
}

#[actix_web::test]
async fn tech_school_supervised_exam() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.school, 2026).await;
        let plan = Walk {
            owner: "school1",
            body: batch_body("supervised", "exam", 20, "4107"),
            first: 31,
            count: 3,
            pass: 2,
            students: true,
        };
        let walked = walk(&app, &plan).await;
        assert_eq!(
            steps(&walked),
            [
                "plan:materials plan_application",
                "plan:submitted",
                "plan:approved",
                "registration:registered 3",
                "registration:submitted",
                "registration:approved itself",
                "certificate:results",
                "certificate:materials qualified_student_roster,internal_qa_report",
                "certificate:submitted",
                "certificate:approved",
                "issuance:issued 2",
                "issuance:published",
            ]
        );
        check_end(&app, &walked, 'Y', 2).await;
        app
    })
    .await;
}

#[actix_web::test]
async fn tech_school_self_process() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.school, 2026).await;
        let plan = Walk {
            owner: "school1",
            body: batch_body_lines("self", "process", "4107", &[(ELECTRICIAN, 5, 20)]),
            first: 41,
            count: 3,
            pass: 3,
            students: true,
        };
        let walked = walk(&app, &plan).await;
        assert_eq!(walked.batch["kind"], "tech_school");
        assert_eq!(
            steps(&walked),
            [
                "registration:registered 3",
                "registration:submitted",
                "registration:approved itself",
                "materials:results",
                "materials:materials implementation_notice,assessment_plan,participant_roster,qualified_confirmation,internal_qa_report",
                "materials:submitted",
                "materials:approved itself",
                "data_audit:approved",
                "issuance:issued 3",
                "issuance:published",
            ]
        );
        check_end(&app, &walked, 'Y', 3).await;
        app
    })
    .await;
}
