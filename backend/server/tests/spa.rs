//! The built SPA on the API's origin (issue 5): files from `server.static_dir`, `index.html` for
//! deep links, long caching only for hashed bundles, and API paths that never turn into HTML.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, backends, problem};

#[actix_web::test]
async fn files_deep_links_and_api_paths() {
    for backend in backends() {
        // -- Setup
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("assets")).unwrap();
        std::fs::write(
            site.path().join("index.html"),
            "<!doctype html><title>技能</title>",
        )
        .unwrap();
        std::fs::write(site.path().join("assets/index-abc123.js"), "console.log(1)").unwrap();
        std::fs::write(site.path().join("favicon.ico"), "ico").unwrap();
        let root = site.path().to_owned();
        let app = TestApp::spawn(backend, move |config| {
            config.server.static_dir = Some(root);
        })
        .await;
        let get = |path: &str| app.client.get(app.url(path)).send();

        // -- Exec & Check: the page, and a deep link, are index.html and never cached.
        for path in ["/", "/inst/batches/0191", "/public/certificates"] {
            let response = get(path).await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
            assert!(response.text().await.unwrap().contains("技能"));
        }
        // Hashed bundles are cached for good; other files are revalidated.
        let response = get("/assets/index-abc123.js").await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        let response = get("/favicon.ico").await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-cache");
        // A missing bundle is a 404, not HTML served as JavaScript.
        problem(
            get("/assets/index-old999.js").await.unwrap(),
            404,
            "NOT_FOUND",
        )
        .await;
        // API paths stay API: problem+json, never the page.
        problem(
            get("/api/v1/no-such-thing").await.unwrap(),
            404,
            "NOT_FOUND",
        )
        .await;
        problem(get("/api").await.unwrap(), 404, "NOT_FOUND").await;
        // Only reads fall back to the page.
        let response = app.client.post(app.url("/inst")).send().await.unwrap();
        problem(response, 404, "NOT_FOUND").await;
        // Nothing outside the directory, or hidden, is served.
        std::fs::write(site.path().join(".env"), "secret").unwrap();
        let response = get("/.env").await.unwrap();
        assert!(!response.text().await.unwrap().contains("secret"));
        app.finish().await;
    }
}

#[actix_web::test]
async fn without_a_static_dir_unknown_paths_are_404() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        let response = app.client.get(app.url("/inst")).send().await.unwrap();
        problem(response, 404, "NOT_FOUND").await;
        app.finish().await;
    }
}
