//! Scale-out (issue 8): two `skillcert serve` processes on one PostgreSQL database and one
//! shared store (the same data directory: object files and signing keys), reached on their own
//! ports with nothing in front. A whole batch is walked with its requests alternating between
//! the two, and two supervisors approving the same step at the same moment through different
//! processes get one approval and one 409. PostgreSQL only (`TEST_DATABASE_URL`): SQLite is the
//! single-process default.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use skillcert_e2e::scenario::{
    Walk, batch_body, create, id_of, state_of, submit, upload_missing, verify_publicly, walk,
};
use skillcert_e2e::{Api, Backend, Site, pg_admin_url};

#[tokio::test]
async fn two_processes_share_one_database_and_store() {
    if pg_admin_url().is_none() {
        eprintln!("scale-out needs PostgreSQL: set TEST_DATABASE_URL");
        return;
    }
    let site = Site::new(Backend::Postgres, &[]).await;
    let (a, b) = (site.serve().await, site.serve().await);
    let both = Api::spread(&[&a, &b]);

    // -- A whole batch, each request to the other process than the one before.
    let plan = Walk {
        owner: "emp1",
        body: batch_body("supervised", "exam", 20, "4101"),
        first: 81,
        count: 3,
        pass: 2,
        students: false,
    };
    let walked = walk(&both, &plan).await;
    assert_eq!(walked.batch["status"], "completed", "{}", walked.batch);
    assert_eq!(walked.holders.len(), 2);
    // Each process finds every certificate, whichever process issued it.
    verify_publicly(&a.api, &walked).await;
    verify_publicly(&b.api, &walked).await;
    // Materials uploaded through one process are read back through the other.
    let owner = a.api.login("emp1").await;
    let id = id_of(&walked.batch);
    let materials = b
        .api
        .get(&owner, &format!("/api/v1/batches/{id}/materials"))
        .await;
    assert_eq!(materials.status, 200, "{}", materials.json);
    for material in materials.json["items"].as_array().unwrap() {
        let mid = material["id"].as_str().unwrap();
        for server in [&a, &b] {
            let content = server
                .api
                .get(&owner, &format!("/api/v1/materials/{mid}/content"))
                .await;
            assert_eq!(content.status, 200);
            assert!(content.bytes.starts_with(b"%PDF-"));
        }
    }

    // -- Two supervisors decide the same submitted plan at once, one through each process.
    both.move_clock(skillcert_e2e::PLATFORM_NOW).await;
    let owner = a.api.login("emp1").await;
    let batch = create(&a.api, &owner, batch_body("supervised", "exam", 20, "4101")).await;
    upload_missing(&b.api, &owner, &batch, "plan").await;
    assert_eq!(submit(&a.api, &owner, &batch, "plan").await.status, 200);
    let sup = b.api.login("supervisor").await;
    let path = format!("/api/v1/batches/{}/steps/plan/decision", id_of(&batch));
    let body = json!({ "decision": "approve", "comment": "符合要求" });
    let (first, second) = tokio::join!(
        a.api.post(&sup, &path, body.clone()),
        b.api.post(&sup, &path, body.clone()),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", first.json, second.json);
    let after = a
        .api
        .get(&owner, &format!("/api/v1/batches/{}", id_of(&batch)))
        .await;
    assert_eq!(state_of(&after.json, "plan"), "approved");
    // One decision recorded: the audit trail of the batch holds a single plan approval.
    let admin = a.api.login("admin").await;
    let audit = b
        .api
        .get(
            &admin,
            &format!(
                "/api/v1/audit-events?entity_id={}&page_size=200",
                id_of(&batch)
            ),
        )
        .await;
    assert_eq!(audit.status, 200, "{}", audit.json);
    let decisions = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.contains("decision") || a.contains("approve"))
        })
        .count();
    assert_eq!(decisions, 1, "{}", audit.json);

    drop((a, b));
    site.finish().await;
}
