//! Certificates through HTTP (issue 7): issuance after the certificate step's approval, numbers
//! per SPEC §6 unique and gap-free under concurrent issuance, Ed25519 signatures checked by the
//! public lookup (and failing for a row changed in the database), masking, no enumeration, the
//! lookup's rate limit, publication, revocation, roles and tenancy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use common::batches::{SELF_MATERIALS, approve, batch_body, create, state_of, submit_ok};
use common::certificates::{AFTER_EXAMS, at_certificate, candidate, to_issuance};
use common::fixtures::{annual_plan, attach, audit_count, token};
use common::ids::person;
use common::{TestApp, each_backend, each_backend_with, problem};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use skillcert_domain::certificate::{CertificateContent, verify};
use skillcert_server::entities::{certificate, institution};

fn id_of(batch: &Value) -> &str {
    batch["id"].as_str().unwrap()
}

async fn issue(app: &TestApp, token: &str, batch: &Value) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/batches/{}/certificates/issue", id_of(batch)),
        json!({}),
    )
    .await
}

async fn list(app: &TestApp, token: &str, batch: &Value) -> Value {
    let response = app
        .get(
            token,
            &format!(
                "/api/v1/batches/{}/certificates?page_size=200",
                id_of(batch)
            ),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The public lookup by number with `query` (no sign-in).
async fn lookup(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    let url =
        reqwest::Url::parse_with_params(&app.url("/api/v1/public/certificates"), query).unwrap();
    app.client.get(url).send().await.unwrap()
}

/// The public lookup by name + full ID number, in the body (no sign-in).
async fn lookup_by_id(app: &TestApp, name: &str, id_number: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/public/certificates/lookup"))
        .json(&json!({ "name": name, "id_number": id_number }))
        .send()
        .await
        .unwrap()
}

/// The single record of a 200 answer.
async fn one(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.get("validity").is_none(), "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    body["items"][0].clone()
}

async fn lookup_one(app: &TestApp, query: &[(&str, &str)]) -> Value {
    one(lookup(app, query).await).await
}

#[actix_web::test]
async fn issue_publish_verify_revoke() {
    // More lookups than the default burst.
    each_backend_with(|config| config.certificates.lookup_burst = 100, |app| async move {
        // -- Setup: 3 who pass and 1 who fails, the certificate step still a draft
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let (batch, ids) = at_certificate(&app, 1, 4).await;
        app.set_now(AFTER_EXAMS);
        let info = token(&app, "info").await;
        let emp = token(&app, "emp1").await;
        let train = token(&app, "train1").await;

        // -- Exec & Check: not before the certificate step is approved
        problem(issue(&app, &info, &batch).await, 409, "INVALID_STATE").await;
        let batch = to_issuance(&app, &batch, &ids[..3], &ids[3..]).await;

        // Roles: the institution cannot issue its own batch, another institution finds nothing.
        problem(issue(&app, &emp, &batch).await, 403, "FORBIDDEN").await;
        problem(issue(&app, &train, &batch).await, 404, "NOT_FOUND").await;
        let response = app
            .get(
                &train,
                &format!("/api/v1/batches/{}/certificates", id_of(&batch)),
            )
            .await;
        problem(response, 404, "NOT_FOUND").await;

        // Issuance: one per qualified candidate, consecutive numbers (SPEC §6 layout).
        let response = issue(&app, &info, &batch).await;
        assert_eq!(response.status(), 201);
        let issued: Value = response.json().await.unwrap();
        assert_eq!(issued["issued"], 3);
        assert_eq!(issued["issue_date"], "2026-03-12");
        assert_eq!(issued["ranges"][0]["first"], "Y000041410001265000001");
        assert_eq!(issued["ranges"][0]["last"], "Y000041410001265000003");
        // Twice is refused.
        problem(
            issue(&app, &info, &batch).await,
            409,
            "CERTIFICATES_ALREADY_ISSUED",
        )
        .await;

        let page = list(&app, &emp, &batch).await;
        assert_eq!(page["total"], 3);
        let numbers: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["number"].as_str().unwrap())
            .collect();
        assert_eq!(
            numbers,
            [
                "Y000041410001265000001",
                "Y000041410001265000002",
                "Y000041410001265000003"
            ]
        );
        let failed_candidate = ids[3].to_string();
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["candidate_id"] != failed_candidate.as_str() && c["status"] == "issued")
        );
        let first = page["items"][0].clone();
        let name = first["name"].as_str().unwrap().to_owned();
        let holder: u32 = name.trim_start_matches("考生").parse().unwrap();
        let number = first["number"].as_str().unwrap().to_owned();

        // Not public before publication.
        problem(lookup(&app, &[("number", &number)]).await, 404, "NOT_FOUND").await;
        let response = app
            .post(
                &info,
                &format!("/api/v1/batches/{}/certificates/publish", id_of(&batch)),
                json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let published: Value = response.json().await.unwrap();
        assert_eq!(published["published"], 3);
        // Publication completes 证书发放: the issuance step is approved and the batch is done.
        assert_eq!(published["batch_status"], "completed");
        let done: Value = app
            .get(&emp, &format!("/api/v1/batches/{}", id_of(&batch)))
            .await
            .json()
            .await
            .unwrap();
        let issuance = done["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "issuance")
            .unwrap();
        assert_eq!(issuance["state"], "approved");
        assert_eq!(done["status"], "completed");

        // A number alone answers whether it is valid, and nothing about whose it is.
        let response = lookup(&app, &[("number", &number.to_lowercase())]).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let id = person(holder);
        for personal in [name.as_str(), &id, &id[..6], &id[14..], "电工", "河南示范用人单位"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        let alone: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            alone,
            json!({
                "validity": { "number": number, "status": "valid", "signature_valid": true },
                "items": []
            })
        );

        // Number + name: masked, signed, verifiable with the published key.
        let response = lookup(&app, &[("number", &number.to_lowercase()), ("name", &name)]).await;
        let text = response.text().await.unwrap();
        assert!(!text.contains(&id), "full ID number leaked: {text}");
        let found: Value = serde_json::from_str(&text).unwrap();
        assert!(found.get("validity").is_none(), "{found}");
        let found = &found["items"][0];
        assert_eq!(found["number"], number.as_str());
        assert_eq!(found["name"], name.as_str());
        assert_eq!(
            found["id_number_masked"],
            format!("{}********{}", &id[..6], &id[14..])
        );
        assert_eq!(found["occupation_name"], "电工");
        assert_eq!(found["level"], 5);
        assert_eq!(found["institution_name"], "河南示范用人单位");
        assert_eq!(found["status"], "valid");
        assert_eq!(found["signature_valid"], true);
        let key: Value = app
            .client
            .get(app.url("/api/v1/public/certificate-key"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(key["algorithm"], "Ed25519");
        assert_eq!(key["key_id"], found["key_id"]);
        let public: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(key["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let signed: CertificateContent =
            serde_json::from_str(found["signed_content"].as_str().unwrap()).unwrap();
        assert_eq!(signed.canonical_json(), found["signed_content"]);
        assert!(verify(
            &public,
            &signed,
            found["signature"].as_str().unwrap()
        ));

        // Number + the QR code's verification code (any case): the same record.
        let code = app.state.lookup.code(&number);
        let by_code = lookup_one(&app, &[("number", &number), ("code", &code.to_lowercase())]).await;
        assert_eq!(&by_code, found);

        // By name + full ID number, in the body; in a URL it is refused, whatever else is given.
        let by_id = one(lookup_by_id(&app, &name, &id).await).await;
        assert_eq!(&by_id, found);
        for query in [
            vec![("name", name.as_str()), ("id_number", id.as_str())],
            vec![("number", number.as_str()), ("id_number", id.as_str())],
        ] {
            let refused = problem(lookup(&app, &query).await, 422, "VALIDATION").await;
            assert_eq!(refused["violations"][0]["field"], "id_number", "{refused}");
            assert!(
                refused["violations"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("POST"),
                "{refused}"
            );
        }

        // A wrong name, a wrong code, another certificate's code and a missing certificate all
        // answer alike.
        let missing = problem(
            lookup(&app, &[("number", "Y000041410001265000009")]).await,
            404,
            "NOT_FOUND",
        )
        .await;
        let other_code = app.state.lookup.code("Y000041410001265000002");
        for query in [
            vec![("number", number.as_str()), ("name", "别人")],
            vec![("number", number.as_str()), ("code", "ABCDEFGH")],
            vec![("number", number.as_str()), ("code", other_code.as_str())],
            vec![("number", "Y000041410001265000009"), ("name", name.as_str())],
        ] {
            let refused = problem(lookup(&app, &query).await, 404, "NOT_FOUND").await;
            assert_eq!(missing["title"], refused["title"]);
            assert_eq!(missing["detail"], refused["detail"]);
        }
        problem(lookup_by_id(&app, "别人", &id).await, 404, "NOT_FOUND").await;
        problem(lookup(&app, &[("name", &name)]).await, 422, "VALIDATION").await;
        problem(lookup(&app, &[]).await, 422, "VALIDATION").await;
        problem(lookup_by_id(&app, " ", &id).await, 422, "VALIDATION").await;
        problem(lookup_by_id(&app, &name, "#").await, 422, "VALIDATION").await;

        // A row changed behind the platform's back no longer verifies.
        certificate::Entity::update_many()
            .col_expr(certificate::Column::Name, Expr::value("李四"))
            .filter(certificate::Column::Number.eq(number.as_str()))
            .exec(&app.state.db.conn)
            .await
            .unwrap();
        let tampered = lookup_one(&app, &[("number", &number), ("name", "李四")]).await;
        assert_eq!(tampered["name"], "李四");
        assert_eq!(tampered["signature_valid"], false);
        let alone: Value = lookup(&app, &[("number", &number)]).await.json().await.unwrap();
        assert_eq!(alone["validity"]["signature_valid"], false, "{alone}");
        let intact = lookup_one(&app, &[("number", "Y000041410001265000002"), ("code", &other_code)]).await;
        assert_eq!(intact["signature_valid"], true);

        // Revocation: info office only, with a reason; shown by the lookup.
        let cert_id = page["items"][1]["id"].as_str().unwrap().to_owned();
        let revoke_path = format!("/api/v1/certificates/{cert_id}/revoke");
        problem(
            app.post(&emp, &revoke_path, json!({ "reason": "x" })).await,
            403,
            "FORBIDDEN",
        )
        .await;
        problem(
            app.post(&train, &revoke_path, json!({ "reason": "x" }))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.post(&info, &revoke_path, json!({ "reason": "  " }))
                .await,
            422,
            "VALIDATION",
        )
        .await;
        let response = app
            .post(&info, &revoke_path, json!({ "reason": "考试作弊" }))
            .await;
        assert_eq!(response.status(), 200);
        let revoked: Value = response.json().await.unwrap();
        assert_eq!(revoked["status"], "revoked");
        problem(
            app.post(&info, &revoke_path, json!({ "reason": "再次" }))
                .await,
            409,
            "INVALID_STATE",
        )
        .await;
        let alone: Value = lookup(&app, &[("number", "Y000041410001265000002")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            alone["validity"],
            json!({ "number": "Y000041410001265000002", "status": "revoked", "signature_valid": true })
        );
        let shown = lookup_one(&app, &[("number", "Y000041410001265000002"), ("code", &other_code)]).await;
        assert_eq!(shown["status"], "revoked");
        assert_eq!(shown["revoke_reason"], "考试作弊");
        assert_eq!(shown["signature_valid"], true);

        // Every change is audited.
        assert_eq!(audit_count(&app, "certificates.issue").await, 1);
        assert_eq!(audit_count(&app, "certificates.publish").await, 1);
        assert_eq!(audit_count(&app, "certificate.revoke").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn concurrent_issuance_of_two_batches_shares_one_gap_free_sequence() {
    each_backend(|app| async move {
        // -- Setup: two batches of one institution (same site, year and level)
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let (a, a_ids) = at_certificate(&app, 1, 3).await;
        let (b, b_ids) = at_certificate(&app, 11, 4).await;
        app.set_now(AFTER_EXAMS);
        let a = to_issuance(&app, &a, &a_ids, &[]).await;
        let b = to_issuance(&app, &b, &b_ids, &[]).await;
        let info = token(&app, "info").await;

        // -- Exec
        let (ra, rb) = tokio::join!(issue(&app, &info, &a), issue(&app, &info, &b));

        // -- Check
        assert_eq!(ra.status(), 201);
        assert_eq!(rb.status(), 201);
        let mut serials = Vec::new();
        for batch in [&a, &b] {
            let page = list(&app, &info, batch).await;
            let mut mine = Vec::new();
            for item in page["items"].as_array().unwrap() {
                let number = item["number"].as_str().unwrap();
                assert_eq!(number.len(), 22);
                assert_eq!(&number[..16], "Y000041410001265");
                mine.push(number[16..].parse::<u32>().unwrap());
            }
            // Each batch's numbers are consecutive: one batch took its block at once.
            mine.sort_unstable();
            assert!(mine.windows(2).all(|w| w[1] == w[0] + 1), "{mine:?}");
            serials.extend(mine);
        }
        let unique: BTreeSet<u32> = serials.iter().copied().collect();
        assert_eq!(serials.len(), 7);
        assert_eq!(unique, (1..=7).collect::<BTreeSet<u32>>());
        app
    })
    .await;
}

#[actix_web::test]
async fn the_public_lookup_is_rate_limited_per_client() {
    each_backend_with(
        |config| {
            config.certificates.lookup_burst = 3;
            config.certificates.lookup_per_minute = 1;
        },
        |app| async move {
            for _ in 0..3 {
                problem(
                    lookup(&app, &[("number", "Y000041410001265000001")]).await,
                    404,
                    "NOT_FOUND",
                )
                .await;
            }
            let response = lookup(&app, &[("number", "Y000041410001265000001")]).await;
            let retry_after: u64 = response
                .headers()
                .get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            problem(response, 429, "RATE_LIMITED").await;
            // The lookup by name + ID number spends the same budget.
            problem(
                lookup_by_id(&app, "考生1", &person(1)).await,
                429,
                "RATE_LIMITED",
            )
            .await;
            // The key is public and not limited.
            let key = app
                .client
                .get(app.url("/api/v1/public/certificate-key"))
                .send()
                .await
                .unwrap();
            assert_eq!(key.status(), 200);
            app
        },
    )
    .await;
}

/// A public lookup for a missing number from `client` (forwarded by the trusted proxy at
/// 127.0.0.1): its status.
async fn lookup_from(app: &TestApp, client: &str, by_id: bool) -> u16 {
    let request = if by_id {
        app.client
            .post(app.url("/api/v1/public/certificates/lookup"))
            .json(&json!({ "name": "考生1", "id_number": person(1) }))
    } else {
        app.client
            .get(app.url("/api/v1/public/certificates?number=Y000041410001265000001"))
    };
    request
        .header("X-Forwarded-For", client)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn the_lookup_limit_counts_an_ipv6_client_per_64() {
    each_backend_with(
        |config| {
            config.certificates.lookup_burst = 2;
            config.certificates.lookup_per_minute = 1;
            config.server.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
        },
        |app| async move {
            // Two addresses of one /64 share a budget, GET and POST alike.
            assert_eq!(lookup_from(&app, "2001:db8:a:b::1", false).await, 404);
            assert_eq!(
                lookup_from(&app, "2001:db8:a:b:ffff:1:2:3", true).await,
                404
            );
            assert_eq!(lookup_from(&app, "[2001:db8:a:b::9]:443", false).await, 429);
            assert_eq!(lookup_from(&app, "2001:db8:a:b::2", true).await, 429);
            // The neighbouring /64 has its own; so has each IPv4 address.
            assert_eq!(lookup_from(&app, "2001:db8:a:c::1", false).await, 404);
            assert_eq!(lookup_from(&app, "2001:db8:a:c::2", true).await, 404);
            assert_eq!(lookup_from(&app, "2001:db8:a:c::3", false).await, 429);
            assert_eq!(lookup_from(&app, "192.0.2.1", false).await, 404);
            assert_eq!(lookup_from(&app, "192.0.2.2", false).await, 404);
            // Four client networks, one entry each.
            assert_eq!(app.state.lookup.tracked(), 4);
            app
        },
    )
    .await;
}

#[actix_web::test]
async fn a_self_assessed_batch_is_issued_after_its_data_audit() {
    each_backend(|app| async move {
        // -- Setup: employer self-assessment, results entered at the materials step
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let batch = create(&app, &emp, batch_body("self", "direct", 20, "4101")).await;
        let ids = [
            candidate(&app, &batch, 1).await,
            candidate(&app, &batch, 2).await,
        ];
        submit_ok(&app, &emp, &batch, "registration").await;
        attach(&app, &batch, &SELF_MATERIALS).await;
        app.set_now(AFTER_EXAMS);
        let (emp, sup, info) = (
            token(&app, "emp1").await,
            token(&app, "supervisor").await,
            token(&app, "info").await,
        );
        let response = app
            .put(
                &emp,
                &format!("/api/v1/batches/{}/results", id_of(&batch)),
                json!({ "results": ids.iter().map(|id| json!({ "candidate_id": id, "theory": 90, "skill": 90 })).collect::<Vec<_>>() }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let batch = submit_ok(&app, &emp, &batch, "materials").await;
        assert_eq!(state_of(&batch, "data_audit"), "submitted");

        // -- Exec & Check: not while 证书数据审核 is pending, then once it is approved
        problem(issue(&app, &info, &batch).await, 409, "INVALID_STATE").await;
        let batch = approve(&app, &sup, &batch, "data_audit").await;
        let response = issue(&app, &info, &batch).await;
        assert_eq!(response.status(), 201);
        let issued: Value = response.json().await.unwrap();
        assert_eq!(issued["issued"], 2);
        assert_eq!(issued["ranges"][0]["first"], "Y000041410001265000001");
        assert_eq!(issued["ranges"][0]["last"], "Y000041410001265000002");
        app
    })
    .await;
}

#[actix_web::test]
async fn a_failed_issuance_leaves_no_gap_in_the_serials() {
    each_backend(|app| async move {
        // -- Setup: the institution's filing code is unusable, so issuance fails after it has
        // taken its serials
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let (batch, ids) = at_certificate(&app, 1, 2).await;
        app.set_now(AFTER_EXAMS);
        let batch = to_issuance(&app, &batch, &ids, &[]).await;
        let info = token(&app, "info").await;
        let set_filing_code = |code: &'static str| {
            institution::Entity::update_many()
                .col_expr(institution::Column::FilingCode, Expr::value(code))
                .filter(institution::Column::Id.eq(cast.employer))
                .exec(&app.state.db.conn)
        };
        set_filing_code("00A0").await.unwrap();

        // -- Exec & Check: refused and rolled back whole, then the first serial is still 1
        let body = problem(issue(&app, &info, &batch).await, 422, "VALIDATION").await;
        assert_eq!(
            body["violations"][0]["details"]["reason"],
            "bad_filing_code"
        );
        assert_eq!(list(&app, &info, &batch).await["total"], 0);
        set_filing_code("0000").await.unwrap();
        let response = issue(&app, &info, &batch).await;
        assert_eq!(response.status(), 201);
        let issued: Value = response.json().await.unwrap();
        assert_eq!(issued["ranges"][0]["first"], "Y000041410001265000001");
        assert_eq!(issued["ranges"][0]["last"], "Y000041410001265000002");
        app
    })
    .await;
}
