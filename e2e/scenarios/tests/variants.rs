//! Every (kind, module) variant of SPEC §2, walked through the real binary from the owner's
//! login to certificates the public verifies: the institution does each step of its catalogue,
//! the supervisor approves what is reviewed, the admin moves the platform clock past the exams,
//! the 信息部 issues and publishes, and anyone looks each certificate up by number and by name +
//! ID number. Every answer on the way is checked against openapi.json by the client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use skillcert_e2e::scenario::{
    ELECTRICIAN, Walk, batch_body, batch_body_lines, verify_publicly, walk,
};
use skillcert_e2e::{Api, each_backend};

/// Walks `plan` and checks the end: completed, every step approved, `pass` certificates whose
/// 22-character numbers carry the kind's letter and level 5, each verified publicly.
async fn walk_to_the_public(api: &Api, plan: Walk, letter: char, steps: &[&str]) {
    let walked = walk(api, &plan).await;
    let batch = &walked.batch;
    assert_eq!(batch["status"], "completed", "{batch}");
    for step in batch["steps"].as_array().unwrap() {
        assert_eq!(step["state"], "approved", "{step}");
    }
    let walked_steps: Vec<&str> = walked
        .trail
        .iter()
        .filter_map(|t| t.split(':').next())
        .collect();
    for step in steps {
        assert!(
            walked_steps.contains(step),
            "{step} not in {:?}",
            walked.trail
        );
    }
    assert_eq!(walked.holders.len(), plan.pass as usize);
    for holder in &walked.holders {
        let number = &holder.number;
        assert_eq!(number.chars().count(), 22, "{number}");
        assert!(number.starts_with(letter), "{number}");
        // [1] kind letter, [2–5] filing code, [6–7] 41, [8–13] site, [14–15] year (SPEC §6).
        assert_eq!(&number[13..15], "26", "{number}");
    }
    verify_publicly(api, &walked).await;
}

#[tokio::test]
async fn employer_supervised_exam() {
    each_backend(|api| async move {
        let plan = Walk {
            owner: "emp1",
            body: batch_body("supervised", "exam", 20, "4101"),
            first: 1,
            count: 3,
            pass: 2,
            students: false,
        };
        walk_to_the_public(
            &api,
            plan,
            'Y',
            &["plan", "registration", "certificate", "issuance"],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn employer_self_assessed() {
    each_backend(|api| async move {
        let plan = Walk {
            owner: "emp1",
            body: batch_body("self", "direct", 20, "4101"),
            first: 11,
            count: 3,
            pass: 2,
            students: false,
        };
        walk_to_the_public(
            &api,
            plan,
            'Y',
            &["registration", "materials", "data_audit", "issuance"],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn social_training_supervised_exam() {
    each_backend(|api| async move {
        let mut body = batch_body_lines(
            "supervised",
            "exam",
            "4103",
            &[(ELECTRICIAN, 5, 8), (ELECTRICIAN, 4, 7)],
        );
        body["venue"] = json!("洛阳职业技能实训基地");
        let plan = Walk {
            owner: "train1",
            body,
            first: 21,
            count: 4,
            pass: 3,
            students: false,
        };
        walk_to_the_public(
            &api,
            plan,
            'S',
            &[
                "plan",
                "registration",
                "arrangement",
                "certificate",
                "issuance",
            ],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn tech_school_supervised_exam() {
    each_backend(|api| async move {
        let plan = Walk {
            owner: "school1",
            body: batch_body("supervised", "exam", 20, "4107"),
            first: 31,
            count: 3,
            pass: 2,
            students: true,
        };
        walk_to_the_public(
            &api,
            plan,
            'Y',
            &["plan", "registration", "certificate", "issuance"],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn tech_school_self_assessed() {
    each_backend(|api| async move {
        let plan = Walk {
            owner: "school1",
            body: batch_body_lines("self", "process", "4107", &[(ELECTRICIAN, 5, 20)]),
            first: 41,
            count: 3,
            pass: 3,
            students: true,
        };
        walk_to_the_public(
            &api,
            plan,
            'Y',
            &["registration", "materials", "data_audit", "issuance"],
        )
        .await;
    })
    .await;
}
