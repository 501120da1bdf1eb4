//! The service's log output: JSON lines, levels from `RUST_LOG` (default [`DEFAULT_FILTER`]),
//! and one rule no setting lifts (issue 4, "nothing in logs"): sea-orm's TRACE spans are never
//! written, because they record each statement with its bound values — birth dates of
//! candidates, a username typed as an ID number. Our own events never carry personal data.

use tracing::{Level, Metadata};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::registry::LookupSpan;

/// Used when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

/// Spans and events that would print SQL bound values.
fn carries_bound_values(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("sea_orm") && *meta.level() == Level::TRACE
}

/// The JSON log layer over `writer`; `span_events` adds span open/close lines (tests use it to
/// see every span's fields).
pub fn layer<S, W>(writer: W, span_events: FmtSpan) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_span_events(span_events)
        .with_writer(writer)
        .with_filter(filter_fn(|meta| !carries_bound_values(meta)))
}
