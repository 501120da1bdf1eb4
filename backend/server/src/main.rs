//! `skillcert`: the one binary (SPEC §9).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sea_orm_migration::MigratorTrait;
use skillcert_server::config::Config;
use skillcert_server::{audit, build_app, cli, logging, users};

#[derive(Parser)]
#[command(name = "skillcert", version, about = "河南省职业技能等级认定监管平台")]
struct Cli {
    /// Optional TOML configuration file; `SKILLCERT__SECTION__KEY` variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, then serve the API (and the SPA when built) on `server.bind`.
    Serve,
    /// Apply pending database migrations, then refresh the planner's statistics (ANALYZE).
    Migrate,
    /// Create the demo accounts, institutions and batches of SPEC §9 (demo only; runs once).
    SeedDemo,
    /// Write the OpenAPI document, or with --check fail when the committed one is stale.
    Openapi {
        #[arg(long, default_value = "openapi/openapi.json")]
        out: PathBuf,
        #[arg(long)]
        check: bool,
    },
    /// Verify the audit log's hash chain and name the first broken link.
    VerifyAudit,
    /// Recompute a 双随机 draw from its published pool snapshot and seed; exit 0 when it
    /// matches the published commitment, pool digest and result, 1 otherwise.
    VerifyDraw {
        /// The draw's id.
        id: uuid::Uuid,
    },
    /// Create an account. The password is read from SKILLCERT_NEW_PASSWORD, never the command
    /// line.
    CreateUser {
        /// 3–64 characters of a-z 0-9 _ . -
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// institution, supervisor, inspector, info_officer or admin
        #[arg(long)]
        role: String,
        /// The institution's 统一社会信用代码 (required for the institution role)
        #[arg(long)]
        institution: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| logging::DEFAULT_FILTER.into());
        tracing_subscriber::registry()
            .with(filter)
            .with(logging::layer(
                std::io::stderr,
                tracing_subscriber::fmt::format::FmtSpan::NONE,
            ))
            .init();
    }
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("skillcert: {e}");
            return ExitCode::from(2);
        }
    };
    match actix_web::rt::System::new().block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("skillcert: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut config: Config) -> Result<ExitCode, String> {
    match command {
        Command::Serve => {
            let bind = config.server.bind.clone();
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            let listener =
                std::net::TcpListener::bind(&bind).map_err(|e| format!("{bind}: {e}"))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            eprintln!("skillcert: serving on http://{address}  (API /api/v1, docs /docs)");
            cli::serve(app, listener)
                .map_err(|e| e.to_string())?
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            config.database.migrate_on_start = false;
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            skillcert_migrations::Migrator::up(&app.state.db.conn, None)
                .await
                .map_err(|e| e.to_string())?;
            app.state
                .db
                .refresh_statistics()
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("skillcert: migrations applied, statistics refreshed");
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedDemo => {
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            skillcert_server::seed::seed_demo(&app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi { out, check } => cli::openapi(&out, check),
        Command::CreateUser {
            username,
            display_name,
            role,
            institution,
        } => {
            let password = std::env::var("SKILLCERT_NEW_PASSWORD").map_err(|_| {
                "set the new account's password in SKILLCERT_NEW_PASSWORD".to_owned()
            })?;
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            let created = users::create_from_cli(
                &app.state,
                users::CliNewUser {
                    username,
                    display_name,
                    role,
                    institution_uscc: institution,
                    password,
                },
            )
            .await?;
            println!(
                "created user {} ({}) {}",
                created.username, created.role, created.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyDraw { id } => {
            config.database.migrate_on_start = false;
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            let (matches, report) = cli::verify_draw(&app.state.db.conn, id).await?;
            println!("{report}");
            Ok(if matches {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::VerifyAudit => {
            config.database.migrate_on_start = false;
            let app = build_app(config).await.map_err(|e| e.to_string())?;
            match audit::verify(&app.state.db.conn)
                .await
                .map_err(|e| e.to_string())?
            {
                Ok(count) => {
                    println!("audit log intact: {count} events");
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    println!(
                        "audit log broken at event {}: {}",
                        broken.seq, broken.reason
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
