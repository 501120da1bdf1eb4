//! Text no database can store, sent where any client could send it: a NUL character (U+0000)
//! in every query parameter of every list operation the contract documents, in a path segment
//! and in a JSON body. Each is refused with 422 `VALIDATION` naming where it was — on
//! PostgreSQL, whose `text` cannot hold U+0000, exactly as on SQLite; never a 500 (the client
//! fails any 5xx and any answer the contract does not document).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use skillcert_e2e::{Answer, Contract, Site, backends};

/// Every GET operation with query parameters: (path template, parameter names).
fn list_operations(contract: &Contract) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for (template, item) in contract.document()["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let names: Vec<String> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        if !names.is_empty() {
            found.push((template.clone(), names));
        }
    }
    found
}

/// The template with its path parameters filled (a year, a step, an occupation code, else a
/// fresh id): the refusal comes before anything is looked up.
fn filled(template: &str) -> String {
    template
        .split('/')
        .map(|part| match part {
            "{year}" => "2026".to_owned(),
            "{step}" => "plan".to_owned(),
            "{code}" => "6-31-01-03".to_owned(),
            p if p.starts_with('{') => uuid::Uuid::new_v4().to_string(),
            p => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn assert_refused(answer: &Answer, field: &str, what: &str) {
    assert_eq!(answer.status, 422, "{what}: {}", answer.json);
    assert_eq!(answer.code(), "VALIDATION", "{what}");
    assert_eq!(answer.json["violations"][0]["field"], field, "{what}");
}

#[tokio::test]
async fn a_nul_in_any_string_parameter_or_body_is_422_on_every_database() {
    for backend in backends() {
        // -- Setup & Fixtures
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        let contract = Contract::load();
        let operations = list_operations(&contract);
        assert!(
            operations.len() >= 20,
            "only {} list operations",
            operations.len()
        );
        // One caller of each kind the lists answer differently (tenancy decides what a query
        // may reach; the refusal must come first for all of them).
        let mut tokens = Vec::new();
        for user in ["emp1", "train1", "school1", "supervisor", "admin"] {
            tokens.push((user, api.login(user).await));
        }

        // -- Exec & Check: every parameter of every list, one at a time
        let mut sent = 0;
        for (template, names) in &operations {
            for name in names {
                for (user, token) in &tokens {
                    let path = format!("{}?{name}=a%00b", filled(template));
                    let answer = api.get(token, &path).await;
                    assert_refused(&answer, "query", &format!("{backend:?} {user} GET {path}"));
                    sent += 1;
                }
            }
        }
        assert!(sent > 100, "{sent} requests");

        // A path segment that reaches a text column (an occupation code).
        let (_, admin) = &tokens[4];
        let answer = api
            .patch(admin, "/api/v1/admin/occupations/6-31%0001-03", json!({}))
            .await;
        assert_refused(&answer, "path", "path");

        // A JSON body: the escape is the only way a NUL travels in JSON.
        let (_, emp1) = &tokens[0];
        let body: Value = json!({ "module": "self", "method": "exam", "venue": "郑州\u{0}" });
        let answer = api.post(emp1, "/api/v1/batches", body).await;
        assert_refused(&answer, "body", "body");
        // The text `\u0000` (an escaped backslash) is ordinary text, refused or accepted on its
        // own merits only.
        let answer = api
            .post(emp1, "/api/v1/batches", json!({ "venue": "\\u0000" }))
            .await;
        assert_eq!(answer.status, 422, "{}", answer.json);
        let message = answer.json["violations"][0]["message"].as_str().unwrap();
        assert!(!message.contains("U+0000"), "{message}");

        drop(server);
        site.finish().await;
    }
}
