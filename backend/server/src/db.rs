//! Database connections: SQLite (WAL, foreign keys on, busy timeout, one writer at a time so no
//! request ever sees "database is locked") or PostgreSQL. Every state change runs in a write
//! transaction from [`Db::begin_write`]; on SQLite that also takes the process-wide writer lock.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqlxSqliteConnector, Statement, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite allows one writer: writes queue here instead of failing with SQLITE_BUSY.
    writer: Option<Arc<Mutex<()>>>,
}

/// A write transaction; dropping it without `commit` rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DbErr::Custom(format!("bad SQLite URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(2))
                .connect_with(options)
                .await
                .map_err(|e| DbErr::Custom(format!("cannot open SQLite database: {e}")))?;
            Ok(Db {
                conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                writer: Some(Arc::new(Mutex::new(()))),
            })
        } else {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .max_connections(max_connections)
                .sqlx_logging(false)
                .connect_timeout(Duration::from_secs(10));
            Ok(Db {
                conn: Database::connect(options).await?,
                writer: None,
            })
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let writer = match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        Ok(WriteTxn {
            txn: self.conn.begin().await?,
            _writer: writer,
        })
    }

    /// Serializes the write transactions that check and then write one invariant spanning many
    /// rows (e.g. staff bookings across batches): on PostgreSQL a transaction-scoped advisory
    /// lock keyed by `name`; on SQLite the writer lock `begin_write` took already does it.
    pub async fn serialize_on(&self, txn: &WriteTxn, name: &str) -> Result<(), DbErr> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        txn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [name.into()],
        ))
        .await?;
        Ok(())
    }

    /// Fresh planner statistics. On SQLite only the per-index row estimates (`sqlite_stat1`)
    /// are kept: with the STAT4 samples present (the bundled SQLite is built with
    /// SQLITE_ENABLE_STAT4) every cached statement whose WHERE binds an indexed column is
    /// prepared again on each execution, since a new value might change the plan; our queries
    /// are all by key or tenant, where one plan fits every value.
    pub async fn refresh_statistics(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("ANALYZE").await?;
        if self.backend() == DbBackend::Sqlite {
            // Under the writer lock, as every write here; the bundled SQLite always has
            // sqlite_stat4 after ANALYZE.
            let txn = self.begin_write().await?;
            txn.execute_unprepared("DELETE FROM sqlite_stat4").await?;
            txn.commit().await?;
            // Reloads the statistics into the schema every connection reads.
            self.conn
                .execute_unprepared("ANALYZE sqlite_schema")
                .await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }
}

/// A raw statement written with `?` placeholders, numbered `$1, $2, …` for PostgreSQL. The SQL
/// must hold no other `?` (no string literal with one), which every caller's fixed text keeps.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let values = || vec![1.into(), "a".into()];
        let pg = statement(DbBackend::Postgres, "a = ? AND b IN (?)", values());
        assert_eq!(pg.sql, "a = $1 AND b IN ($2)");
        let lite = statement(DbBackend::Sqlite, "a = ? AND b IN (?)", values());
        assert_eq!(lite.sql, "a = ? AND b IN (?)");
        assert_eq!(pg.values, lite.values);
    }

    /// After `refresh_statistics` SQLite has the per-index estimates but no STAT4 samples, so
    /// a cached statement bound to a new value runs without being prepared again.
    #[tokio::test]
    async fn sqlite_statistics_keep_stat1_and_drop_stat4_samples() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url, 2).await.unwrap();
        db.conn
            .execute_unprepared(
                "CREATE TABLE t (a INTEGER, b TEXT); CREATE INDEX ix_t_a ON t (a); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
                 INSERT INTO t SELECT i % 7, 'x' FROM n;",
            )
            .await
            .unwrap();
        db.refresh_statistics().await.unwrap();
        let count = |sql: &'static str| {
            let conn = db.conn.clone();
            async move {
                conn.query_one(Statement::from_string(DbBackend::Sqlite, sql))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get_by_index::<i64>(0)
                    .unwrap()
            }
        };
        assert!(count("SELECT count(*) FROM sqlite_stat1").await > 0);
        assert_eq!(count("SELECT count(*) FROM sqlite_stat4").await, 0);
    }
}
