//! Printing certificates through HTTP (issue 7): the single PDF holds the holder's Chinese name
//! as text (pdftotext) and a QR code that decodes (pdftoppm + zbarimg) to exactly the public
//! verification URL; the batch's merged PDF has a page per certificate that is not revoked;
//! roles and tenancy; 503 when the fonts are missing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::certificates::{AFTER_EXAMS, at_certificate, to_issuance};
use common::fixtures::{annual_plan, token};
use common::{TestApp, each_backend_with, problem};
use serde_json::{Value, json};
use skillcert_certpdf::inspect;

const PUBLIC_URL: &str = "https://zs.example.cn";

fn public_url(config: &mut skillcert_server::config::Config) {
    config.server.public_url = PUBLIC_URL.to_owned();
}

fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A batch of `emp1` with `count` certificates issued; its JSON and its certificates (by number).
async fn issued_batch(app: &TestApp, count: u32) -> (Value, Vec<Value>) {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    let (batch, ids) = at_certificate(app, 1, count).await;
    app.set_now(AFTER_EXAMS);
    let batch = to_issuance(app, &batch, &ids, &[]).await;
    let info = token(app, "info").await;
    let id = batch["id"].as_str().unwrap();
    let response = app
        .post(
            &info,
            &format!("/api/v1/batches/{id}/certificates/issue"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let page: Value = app
        .get(
            &info,
            &format!("/api/v1/batches/{id}/certificates?page_size=100"),
        )
        .await
        .json()
        .await
        .unwrap();
    (batch, page["items"].as_array().unwrap().clone())
}

async fn pdf(response: reqwest::Response) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(body.starts_with(b"%PDF-"));
    (headers, body)
}

#[actix_web::test]
async fn a_certificate_prints_with_its_name_and_verification_qr_code() {
    each_backend_with(public_url, |app| async move {
        // -- Setup
        let (batch, certificates) = issued_batch(&app, 3).await;
        let first = &certificates[0];
        let number = first["number"].as_str().unwrap();
        let name = first["name"].as_str().unwrap();
        assert!(name.starts_with("考生"));
        let path = format!("/api/v1/certificates/{}/pdf", first["id"].as_str().unwrap());

        // -- Exec: the institution prints its own certificate
        let emp = token(&app, "emp1").await;
        let (headers, body) = pdf(app.get(&emp, &path).await).await;

        // -- Check
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.contains(&format!("{number}.pdf")),
            "{disposition}"
        );
        assert_eq!(inspect::pages(&body).unwrap(), 1);
        let text = squeezed(&inspect::text(&body).unwrap());
        for expected in [
            name,
            number,
            "职业技能等级证书",
            "居民身份证",
            first["id_number_masked"].as_str().unwrap(),
            "电工",
            "五级/初级工",
            "河南示范用人单位",
            "2026年3月12日",
            first["key_id"].as_str().unwrap(),
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        assert!(!text.contains("已撤销"));
        assert_eq!(
            inspect::qr_codes(&body, 1).unwrap(),
            [format!(
                "{PUBLIC_URL}/public/certificates?number={number}&code={}",
                app.state.lookup.code(number)
            )]
        );

        // The provincial roles print any; the admin may not; another institution finds nothing.
        for who in ["info", "supervisor"] {
            let t = token(&app, who).await;
            pdf(app.get(&t, &path).await).await;
        }
        let admin = token(&app, "admin").await;
        problem(app.get(&admin, &path).await, 403, "FORBIDDEN").await;
        for who in ["train1", "inspector1"] {
            let t = token(&app, who).await;
            problem(app.get(&t, &path).await, 404, "NOT_FOUND").await;
        }
        let unknown = format!("/api/v1/certificates/{}/pdf", uuid::Uuid::now_v7());
        problem(app.get(&emp, &unknown).await, 404, "NOT_FOUND").await;
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        problem(response, 401, "UNAUTHORIZED").await;
        let _ = batch;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_batch_prints_one_page_per_certificate_that_is_not_revoked() {
    each_backend_with(public_url, |app| async move {
        // -- Setup
        let (batch, certificates) = issued_batch(&app, 3).await;
        let id = batch["id"].as_str().unwrap();
        let path = format!("/api/v1/batches/{id}/certificates/pdf");
        let emp = token(&app, "emp1").await;
        let info = token(&app, "info").await;

        // -- Exec & Check: all three, by number, a QR code each
        let (headers, body) = pdf(app.get(&emp, &path).await).await;
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.contains(id), "{disposition}");
        assert_eq!(inspect::pages(&body).unwrap(), 3);
        let text = inspect::text(&body).unwrap();
        let pages: Vec<String> = text.split('\u{c}').map(squeezed).collect();
        for (i, c) in certificates.iter().enumerate() {
            assert!(pages[i].contains(c["name"].as_str().unwrap()), "page {i}");
            assert!(pages[i].contains(c["number"].as_str().unwrap()), "page {i}");
        }
        assert_eq!(
            inspect::qr_codes(&body, 2).unwrap(),
            [format!(
                "{PUBLIC_URL}/public/certificates?number={}&code={}",
                certificates[1]["number"].as_str().unwrap(),
                app.state
                    .lookup
                    .code(certificates[1]["number"].as_str().unwrap())
            )]
        );

        // A revoked certificate leaves the batch PDF and prints alone marked 已撤销.
        let revoked = certificates[1]["id"].as_str().unwrap();
        let response = app
            .post(
                &info,
                &format!("/api/v1/certificates/{revoked}/revoke"),
                json!({ "reason": "考试作弊" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let (_, body) = pdf(app.get(&info, &path).await).await;
        assert_eq!(inspect::pages(&body).unwrap(), 2);
        let text = squeezed(&inspect::text(&body).unwrap());
        assert!(!text.contains(certificates[1]["number"].as_str().unwrap()));
        assert!(!text.contains("已撤销"));
        let (_, single) = pdf(app
            .get(&info, &format!("/api/v1/certificates/{revoked}/pdf"))
            .await)
        .await;
        assert!(squeezed(&inspect::text(&single).unwrap()).contains("已撤销"));

        // Tenancy and sign-in.
        let train = token(&app, "train1").await;
        problem(app.get(&train, &path).await, 404, "NOT_FOUND").await;
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        problem(response, 401, "UNAUTHORIZED").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_batch_without_certificates_has_nothing_to_print() {
    each_backend_with(public_url, |app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let (batch, _) = at_certificate(&app, 1, 1).await;
        let info = token(&app, "info").await;
        let path = format!(
            "/api/v1/batches/{}/certificates/pdf",
            batch["id"].as_str().unwrap()
        );
        problem(app.get(&info, &path).await, 409, "INVALID_STATE").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn without_fonts_the_server_starts_and_pdfs_answer_503() {
    each_backend_with(
        |config| config.certificates.font_dir = "/nonexistent/fonts".into(),
        |app| async move {
            let (batch, certificates) = issued_batch(&app, 1).await;
            let info = token(&app, "info").await;
            for path in [
                format!(
                    "/api/v1/certificates/{}/pdf",
                    certificates[0]["id"].as_str().unwrap()
                ),
                format!(
                    "/api/v1/batches/{}/certificates/pdf",
                    batch["id"].as_str().unwrap()
                ),
            ] {
                problem(app.get(&info, &path).await, 503, "PDF_RENDERER_UNAVAILABLE").await;
            }
            app
        },
    )
    .await;
}
