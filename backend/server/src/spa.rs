//! The built web app (issue 5) on the API's own origin: files under `server.static_dir`
//! (Vite's `frontend/dist`), and `index.html` for every other page path so the SPA's router can
//! take deep links. API paths never fall through to the SPA: an unknown `/api/…` path stays a
//! problem+json 404. Only plain relative paths are looked up on disk (no `..`, no hidden
//! files, no percent-escapes), so no request can read outside the directory.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;
use crate::state::AppState;

/// Paths that belong to the service, not to the SPA.
const SERVICE_PREFIXES: &[&str] = &["/api/", "/docs/", "/healthz", "/readyz", "/metrics"];

/// Vite puts content-hashed bundles here: cacheable forever.
const ASSETS: &str = "assets/";

/// The file under `root` that `path` names, when it is a plain relative path to a file.
fn file_in(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = path.trim_start_matches('/');
    if relative.is_empty() {
        return None;
    }
    let plain = relative.split('/').all(|segment| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '~'))
    });
    if !plain {
        return None;
    }
    let file = root.join(relative);
    file.is_file().then_some(file)
}

async fn send(
    req: &HttpRequest,
    file: PathBuf,
    cache: &'static str,
) -> Result<HttpResponse, ApiError> {
    let shown = file.display().to_string();
    let named = web::block(move || NamedFile::open(file))
        .await
        .map_err(|e| ApiError::Internal(format!("static file {shown}: {e}")))?
        .map_err(|e| ApiError::Internal(format!("static file {shown}: {e}")))?;
    let mut response = named.into_response(req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    Ok(response)
}

/// The default service: a static file, the SPA's `index.html`, or a problem+json 404.
pub async fn fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
    contract: Option<web::Data<utoipa::openapi::OpenApi>>,
) -> Result<HttpResponse, ApiError> {
    // A path of the API asked with a method it does not have: 405 with the ones it has.
    if let Some(contract) = contract
        && let Some(allow) = allowed_methods(&contract, req.path(), true)
            .or_else(|| allowed_methods(&contract, req.path(), false))
    {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    let Some(root) = state.config.server.static_dir.as_deref() else {
        return Err(ApiError::NotFound);
    };
    let path = req.path();
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    if !readable
        || SERVICE_PREFIXES
            .iter()
            .any(|p| path.starts_with(p) || path == p.trim_end_matches('/'))
    {
        return Err(ApiError::NotFound);
    }
    if let Some(file) = file_in(root, path) {
        let cache = if path.trim_start_matches('/').starts_with(ASSETS) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return send(&req, file, cache).await;
    }
    // A missing bundle is a 404, not the page (a stale tab asking for an old hash would
    // otherwise get HTML as JavaScript).
    if path.trim_start_matches('/').starts_with(ASSETS) {
        return Err(ApiError::NotFound);
    }
    let index = root.join("index.html");
    if !index.is_file() {
        return Err(ApiError::NotFound);
    }
    send(&req, index, "no-cache").await
}

/// The methods the contract documents for `path` (`GET, PATCH`), if it documents the path at
/// all: a template matches segment by segment, `{…}` matching any one segment (only templates
/// without parameters when `literal_only`).
pub fn allowed_methods(
    contract: &utoipa::openapi::OpenApi,
    path: &str,
    literal_only: bool,
) -> Option<String> {
    let asked: Vec<&str> = path.split('/').collect();
    let mut methods: Vec<&str> = Vec::new();
    for (template, item) in &contract.paths.paths {
        let segments: Vec<&str> = template.split('/').collect();
        if literal_only && template.contains('{') {
            continue;
        }
        let matches = segments.len() == asked.len()
            && segments
                .iter()
                .zip(&asked)
                .all(|(t, a)| (t.starts_with('{') && !a.is_empty()) || t == a);
        if !matches {
            continue;
        }
        let present = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, has) in present {
            if has && !methods.contains(&method) {
                methods.push(method);
            }
        }
    }
    (!methods.is_empty()).then(|| methods.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_path_with_another_method_lists_the_methods_it_has() {
        let contract = crate::app::openapi();
        assert_eq!(
            allowed_methods(&contract, "/api/v1/batches/0193/checklist", false).as_deref(),
            Some("GET")
        );
        let batch = allowed_methods(&contract, "/api/v1/batches/0193", false).unwrap();
        assert!(batch.contains("GET") && batch.contains("PATCH"), "{batch}");
        assert_eq!(
            allowed_methods(&contract, "/api/v1/nothing-here", false),
            None
        );
        assert_eq!(
            allowed_methods(&contract, "/api/v1/batches//checklist", false),
            None
        );
        // `/calendar/earliest-exam-date` is also `/calendar/{year}` (which has PUT); literally
        // it has GET only.
        let literal = "/api/v1/calendar/earliest-exam-date";
        assert!(
            allowed_methods(&contract, literal, false)
                .unwrap()
                .contains("PUT")
        );
        assert_eq!(
            allowed_methods(&contract, literal, true).as_deref(),
            Some("GET")
        );
    }

    #[test]
    fn only_plain_relative_paths_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app-1a2b.js"), "x").unwrap();
        std::fs::write(dir.path().join(".env"), "secret").unwrap();
        let root = dir.path();
        assert!(file_in(root, "/assets/app-1a2b.js").is_some());
        for bad in [
            "/",
            "/assets",
            "/../etc/passwd",
            "/assets/../.env",
            "/.env",
            "/assets/%2e%2e/x",
            "/assets//app-1a2b.js",
            "/assets\\app-1a2b.js",
        ] {
            assert!(file_in(root, bad).is_none(), "{bad}");
        }
    }
}
