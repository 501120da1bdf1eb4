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

/// `skillcert verify-draw ID`: recomputes a draw from its stored published data (the same
/// check as `GET /api/v1/public/draws/{id}/verify`). `Ok((true, report))` when it matches;
/// `Ok((false, report))` when any check fails; `Err` when there is nothing to check.
pub async fn verify_draw<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: uuid::Uuid,
) -> Result<(bool, String), String> {
    use crate::draws::StoredVerification;
    let verdict = |ok: bool| {
        if ok {
            "一致 ok"
        } else {
            "不一致 MISMATCH"
        }
    };
    match crate::draws::verify_stored(conn, id)
        .await
        .map_err(|e| e.to_string())?
    {
        StoredVerification::Missing => Err(format!("draw {id}: 不存在 (not found)")),
        StoredVerification::NotDrawn => Err(format!(
            "draw {id}: 尚未抽取，种子未公开 (committed, not drawn yet)"
        )),
        StoredVerification::Checked(v) => {
            let report = format!(
                "draw {id}\n  commitment = SHA-256(seed):         {}\n  pool digest = SHA-256(snapshot):    {}\n  result recomputed from pool + seed: {}\n{}",
                verdict(v.commitment_ok),
                verdict(v.pool_digest_ok),
                verdict(v.result_ok),
                if v.matches {
                    "the draw matches its published data"
                } else {
                    "the draw does NOT match its published data"
                }
            );
            Ok((v.matches, report))
        }
    }
}
