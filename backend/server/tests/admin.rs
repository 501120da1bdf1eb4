//! Admin: the institution register with its filing scope (SPEC §1, issue 3 "Admin") and the
//! occupation catalogue, through HTTP on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixtures::audit_count;
use common::{each_backend, problem, violation_fields};
use serde_json::{Value, json};
use skillcert_domain::codecs::uscc::check_char;

/// A valid 统一社会信用代码 from its first 17 characters.
fn uscc(first17: &str) -> String {
    format!("{first17}{}", check_char(first17).unwrap())
}

/// The same code with a wrong check character.
fn bad_checksum(first17: &str) -> String {
    let good = check_char(first17).unwrap();
    let wrong = if good == '0' { '1' } else { '0' };
    format!("{first17}{wrong}")
}

fn new_institution(uscc: &str) -> Value {
    json!({
        "kind": "social_training",
        "name": "开封新建培训评价组织",
        "uscc": uscc,
        "region": "4102",
        "filing_code": "0000",
        "site_code": "410201",
        "filings": [
            { "occupation_code": "6-31-01-03", "level": 5 },
            { "occupation_code": "6-31-01-03", "level": 4 },
            { "occupation_code": "4-10-01-05", "level": 3 }
        ]
    })
}

#[actix_web::test]
async fn admin_registers_an_institution_with_its_filing_scope() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let supervisor = app.login("supervisor").await;
        let code = uscc("52410200MJ000001X");

        // -- Exec
        let created = app
            .post(&admin, "/api/v1/admin/institutions", new_institution(&code))
            .await;

        // -- Check
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        assert_eq!(created["kind"], "social_training");
        assert_eq!(created["kind_name"], "社会培训评价组织");
        assert_eq!(created["uscc"], code);
        assert_eq!(created["region"], "4102");
        assert_eq!(created["region_name"], "开封市");
        assert_eq!(created["version"], 1);
        let filings = created["filings"].as_array().unwrap();
        assert_eq!(filings.len(), 3);
        assert!(filings.iter().any(|f| f["occupation_code"] == "6-31-01-03"
            && f["level"] == 4
            && f["occupation_name"] == "电工"));
        let id = created["id"].as_str().unwrap();
        let read: Value = app
            .get(&supervisor, &format!("/api/v1/admin/institutions/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read, created);
        let list: Value = app
            .get(
                &supervisor,
                "/api/v1/admin/institutions?q=开封&page_size=10",
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(list["items"][0]["id"], id);
        let all: Value = app
            .get(&admin, "/api/v1/admin/institutions?kind=social_training")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(all["total"], 3, "train1, train2 and the new one: {all}");
        assert_eq!(audit_count(&app, "institution.create").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn institution_validation_names_every_bad_field() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let mut body = new_institution(&bad_checksum("52410200MJ000001X"));
        body["region"] = json!("4199");
        body["filing_code"] = json!("12a");
        body["filings"] = json!([
            { "occupation_code": "9-99-99-99", "level": 5 },
            { "occupation_code": "4-10-01-06", "level": 5 },
            { "occupation_code": "6-31-01-03", "level": 7 }
        ]);

        // -- Exec
        let response = app.post(&admin, "/api/v1/admin/institutions", body).await;

        // -- Check
        let problem = problem(response, 422, "VALIDATION").await;
        let fields = violation_fields(&problem);
        for field in [
            "uscc",
            "region",
            "filing_code",
            "filings[0].occupation_code",
            "filings[1].occupation_code",
            "filings[2].level",
        ] {
            assert!(fields.contains(&field.to_owned()), "{field}: {problem}");
        }
        let uscc_violation = problem["violations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["field"] == "uscc")
            .unwrap();
        assert_eq!(uscc_violation["details"]["reason"], "bad_checksum");
        assert_eq!(audit_count(&app, "institution.create").await, 0);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_filing_at_a_level_the_occupation_does_not_certify_is_refused() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        app.occupation("4-03-02-07", "茶艺师", &[5, 4, 3]).await;
        let admin = app.login("admin").await;
        let mut body = new_institution(&uscc("52410200MJ000002X"));
        body["filings"] = json!([{ "occupation_code": "4-03-02-07", "level": 1 }]);

        // -- Exec
        let response = app.post(&admin, "/api/v1/admin/institutions", body).await;

        // -- Check
        let problem = problem(response, 422, "VALIDATION").await;
        assert_eq!(violation_fields(&problem), vec!["filings[0].level"]);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_duplicate_credit_code_is_409_uscc_taken() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        let code = uscc("52410200MJ000003X");
        let first = app
            .post(&admin, "/api/v1/admin/institutions", new_institution(&code))
            .await;
        assert_eq!(first.status(), 201);

        // -- Exec
        let again = app
            .post(&admin, "/api/v1/admin/institutions", new_institution(&code))
            .await;
        let lowercase = app
            .post(
                &admin,
                "/api/v1/admin/institutions",
                new_institution(&code.to_ascii_lowercase()),
            )
            .await;
        let patched = app
            .patch(
                &admin,
                &format!("/api/v1/admin/institutions/{}", cast.train2),
                json!({ "version": 1, "uscc": code }),
            )
            .await;

        // -- Check
        problem(again, 409, "USCC_TAKEN").await;
        problem(lowercase, 409, "USCC_TAKEN").await;
        problem(patched, 409, "USCC_TAKEN").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn updates_are_optimistic_and_replace_the_filing_scope() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        let path = format!("/api/v1/admin/institutions/{}", cast.employer);

        // -- Exec
        let updated = app
            .patch(
                &admin,
                &path,
                json!({
                    "version": 1,
                    "name": "河南示范用人单位（更名）",
                    "filings": [{ "occupation_code": "4-10-01-05", "level": 5 }]
                }),
            )
            .await;
        let stale = app
            .patch(&admin, &path, json!({ "version": 1, "name": "又改" }))
            .await;
        let no_version = app.patch(&admin, &path, json!({ "name": "又改" })).await;
        let if_match = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&admin)
            .header("If-Match", "\"2\"")
            .json(&json!({ "site_code": "410002" }))
            .send()
            .await
            .unwrap();

        // -- Check
        assert_eq!(updated.status(), 200);
        let updated: Value = updated.json().await.unwrap();
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["name"], "河南示范用人单位（更名）");
        assert_eq!(
            updated["filings"],
            json!([{
                "occupation_code": "4-10-01-05",
                "occupation_name": "养老护理员",
                "level": 5,
                "level_name": "五级/初级工"
            }])
        );
        problem(stale, 409, "VERSION_CONFLICT").await;
        let missing = problem(no_version, 422, "VALIDATION").await;
        assert_eq!(violation_fields(&missing), vec!["version"]);
        assert_eq!(if_match.status(), 200);
        let read: Value = if_match.json().await.unwrap();
        assert_eq!(read["version"], 3);
        assert_eq!(read["site_code"], "410002");
        assert_eq!(read["name"], "河南示范用人单位（更名）");
        assert_eq!(audit_count(&app, "institution.update").await, 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn only_the_admin_manages_and_institutions_read_their_own() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        let supervisor = app.login("supervisor").await;
        let info = app.login("info").await;
        let inspector = app.login("inspector1").await;
        let emp1 = app.login("emp1").await;
        let body = new_institution(&uscc("52410200MJ000004X"));
        let one = format!("/api/v1/admin/institutions/{}", cast.train1);

        // -- Exec & Check
        for token in [&supervisor, &info, &emp1] {
            let response = app
                .post(token, "/api/v1/admin/institutions", body.clone())
                .await;
            problem(response, 403, "FORBIDDEN").await;
            let response = app.patch(token, &one, json!({ "version": 1 })).await;
            problem(response, 403, "FORBIDDEN").await;
        }
        for token in [&emp1, &inspector] {
            problem(
                app.get(token, "/api/v1/admin/institutions").await,
                403,
                "FORBIDDEN",
            )
            .await;
            problem(app.get(token, &one).await, 403, "FORBIDDEN").await;
        }
        for token in [&admin, &supervisor, &info] {
            assert_eq!(
                app.get(token, "/api/v1/admin/institutions").await.status(),
                200
            );
        }
        let none = app
            .client
            .get(app.url("/api/v1/admin/institutions"))
            .send()
            .await
            .unwrap();
        problem(none, 401, "UNAUTHORIZED").await;
        let missing = app
            .get(
                &admin,
                "/api/v1/admin/institutions/00000000-0000-7000-8000-000000000000",
            )
            .await;
        problem(missing, 404, "NOT_FOUND").await;

        let own: Value = app
            .get(&emp1, "/api/v1/institution")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(own["id"], cast.employer.to_string());
        assert_eq!(own["filings"].as_array().unwrap().len(), 6);
        problem(
            app.get(&admin, "/api/v1/institution").await,
            403,
            "FORBIDDEN",
        )
        .await;
        app
    })
    .await;
}

#[actix_web::test]
async fn the_occupation_catalogue_is_read_by_all_and_edited_by_the_admin() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        app.occupation("4-03-02-01", "中式烹调师", &[5, 4, 3, 2, 1])
            .await;
        let admin = app.login("admin").await;
        let emp1 = app.login("emp1").await;

        // -- Exec
        let all: Value = app
            .get(&emp1, "/api/v1/occupations")
            .await
            .json()
            .await
            .unwrap();
        let by_name: Value = app
            .get(&emp1, "/api/v1/occupations?q=电工")
            .await
            .json()
            .await
            .unwrap();
        let by_code: Value = app
            .get(&emp1, "/api/v1/occupations?q=4-03")
            .await
            .json()
            .await
            .unwrap();
        let created = app
            .post(
                &admin,
                "/api/v1/admin/occupations",
                json!({ "code": "4-03-02-07", "name": "茶艺师", "levels": [5, 4, 3], "has_review": false }),
            )
            .await;
        let duplicate = app
            .post(
                &admin,
                "/api/v1/admin/occupations",
                json!({ "code": "4-03-02-07", "name": "茶艺师", "levels": [5] }),
            )
            .await;
        let invalid = app
            .post(
                &admin,
                "/api/v1/admin/occupations",
                json!({ "code": "4-03-2-07", "name": " ", "levels": [6] }),
            )
            .await;
        let by_institution = app
            .post(
                &emp1,
                "/api/v1/admin/occupations",
                json!({ "code": "4-03-02-08", "name": "x", "levels": [5] }),
            )
            .await;
        let renamed = app
            .patch(
                &admin,
                "/api/v1/admin/occupations/4-03-02-07",
                json!({ "name": "茶艺师（新）", "levels": [5, 4], "has_review": true }),
            )
            .await;
        let filed_level_removed = app
            .patch(
                &admin,
                "/api/v1/admin/occupations/6-31-01-03",
                json!({ "levels": [4, 3, 2, 1] }),
            )
            .await;
        let unknown = app
            .patch(
                &admin,
                "/api/v1/admin/occupations/1-01-01-01",
                json!({ "name": "无" }),
            )
            .await;

        // -- Check
        assert_eq!(all["total"], 3, "{all}");
        assert_eq!(all["items"][0]["code"], "4-03-02-01");
        assert_eq!(
            by_name["items"],
            json!([{ "code": "6-31-01-03", "name": "电工", "levels": [5, 4, 3, 2, 1], "has_review": false }])
        );
        assert_eq!(by_code["total"], 1);
        assert_eq!(created.status(), 201);
        problem(duplicate, 409, "OCCUPATION_EXISTS").await;
        let invalid = problem(invalid, 422, "VALIDATION").await;
        assert_eq!(
            violation_fields(&invalid),
            vec!["code", "name", "levels[0]"]
        );
        problem(by_institution, 403, "FORBIDDEN").await;
        assert_eq!(renamed.status(), 200);
        let renamed: Value = renamed.json().await.unwrap();
        assert_eq!(
            renamed,
            json!({ "code": "4-03-02-07", "name": "茶艺师（新）", "levels": [5, 4], "has_review": true })
        );
        problem(filed_level_removed, 409, "OCCUPATION_LEVEL_IN_USE").await;
        problem(unknown, 404, "NOT_FOUND").await;
        assert_eq!(audit_count(&app, "occupation.create").await, 1);
        assert_eq!(audit_count(&app, "occupation.update").await, 1);
        app
    })
    .await;
}
