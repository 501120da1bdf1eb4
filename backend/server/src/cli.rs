//! What the subcommands of `skillcert` do beyond building the app.

use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;

use actix_web::HttpServer;
use actix_web::dev::Server;

use crate::app::{self, BuiltApp};

/// The HTTP server on an already bound listener (tests bind 127.0.0.1:0), with the background
/// jobs beside it when `jobs.enabled`.
pub fn serve(app: BuiltApp, listener: TcpListener) -> std::io::Result<Server> {
    let state = app.state;
    crate::jobs::spawn(&state);
    Ok(HttpServer::new(move || app::actix_app(state.clone()))
        .listen(listener)?
        .shutdown_timeout(5)
        .run())
}

/// The pretty-printed OpenAPI document, as committed at `openapi/openapi.json`.
pub fn openapi_json() -> Result<String, String> {
    let mut text = app::openapi()
        .to_pretty_json()
        .map_err(|e| format!("OpenAPI: {e}"))?;
    text.push('\n');
    Ok(text)
}

/// Writes the document to `out`, or with `check` compares and fails when it differs.
pub fn openapi(out: &Path, check: bool) -> Result<ExitCode, String> {
    let text = openapi_json()?;
    if check {
        let committed =
            std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))?;
        if committed == text {
            eprintln!("skillcert: {} is up to date", out.display());
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!(
                "skillcert: {} is stale — run `make openapi` and commit the result",
                out.display()
            );
            Ok(ExitCode::FAILURE)
        }
    } else {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("skillcert: wrote {}", out.display());
        Ok(ExitCode::SUCCESS)
    }
}
