//! [`SpanRecorder`]: a `tracing` subscriber that keeps every span and event with its fields, for the
//! tests of the `tracing` feature.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as recorded: its name and level, its fields (as their `Debug` text, strings unquoted; the
/// last value recorded) with how many times each was recorded, and the events inside it with their
/// levels.
#[derive(Clone, Debug, Default)]
pub struct RecordedSpan {
    pub name: String,
    pub level: String,
    pub fields: BTreeMap<String, String>,
    /// How many times each field got a value: at the span's creation, and by each `record`.
    pub recorded: BTreeMap<String, usize>,
    pub events: Vec<BTreeMap<String, String>>,
    /// The level of each event, in the order of `events`.
    pub event_levels: Vec<String>,
}

impl RecordedSpan {
    /// The value of `field`, if it was recorded.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// Panics if a field got a value more than once (a `fmt` layer would print it each time).
    pub fn assert_each_field_once(&self) {
        let repeated: Vec<_> = self.recorded.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            repeated.is_empty(),
            "recorded more than once: {repeated:?} in {self:?}"
        );
    }
}

/// Records the spans and events of the code run while [`SpanRecorder::install`]'s guard lives, on
/// this thread (use a current-thread runtime).
#[derive(Clone, Debug, Default)]
pub struct SpanRecorder {
    spans: Arc<Mutex<Vec<RecordedSpan>>>,
}

impl SpanRecorder {
    /// A recorder, made this thread's subscriber until the guard is dropped.
    pub fn install() -> (SpanRecorder, tracing::subscriber::DefaultGuard) {
        SpanRecorder::install_at(LevelFilter::TRACE)
    }

    /// A recorder of what `level` and the levels above it let through, as a service's filter
    /// (`RUST_LOG=info`) would.
    pub fn install_at(level: LevelFilter) -> (SpanRecorder, tracing::subscriber::DefaultGuard) {
        let recorder = SpanRecorder::default();
        let subscriber = tracing_subscriber::registry().with(recorder.clone().with_filter(level));
        let guard = tracing::subscriber::set_default(subscriber);
        (recorder, guard)
    }

    /// Every span so far, in the order they were opened.
    pub fn spans(&self) -> Vec<RecordedSpan> {
        self.spans.lock().unwrap().clone()
    }

    /// Every field value of every span and event, for checking that none holds a secret.
    pub fn all_values(&self) -> Vec<String> {
        self.spans()
            .into_iter()
            .flat_map(|span| {
                let events = span.events.into_iter().flat_map(BTreeMap::into_values);
                span.fields.into_values().chain(events).collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Visits the values of a span or an event: their text, and how many times each field got one.
struct Fields<'a>(
    &'a mut BTreeMap<String, String>,
    Option<&'a mut BTreeMap<String, usize>>,
);

impl Fields<'_> {
    fn insert(&mut self, field: &Field, value: String) {
        self.0.insert(field.name().to_owned(), value);
        if let Some(counts) = &mut self.1 {
            *counts.entry(field.name().to_owned()).or_default() += 1;
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.insert(field, format!("{value:?}"));
    }
}

/// The index of a span in the list, kept in the span's extensions.
struct Index(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanRecorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut span = RecordedSpan {
            name: attrs.metadata().name().to_owned(),
            level: attrs.metadata().level().to_string(),
            ..RecordedSpan::default()
        };
        attrs.record(&mut Fields(&mut span.fields, Some(&mut span.recorded)));
        let mut spans = self.spans.lock().unwrap();
        spans.push(span);
        if let Some(entry) = ctx.span(id) {
            entry.extensions_mut().insert(Index(spans.len() - 1));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(entry) = ctx.span(id) else { return };
        let Some(&Index(i)) = entry.extensions().get::<Index>() else {
            return;
        };
        let mut spans = self.spans.lock().unwrap();
        let span = &mut spans[i];
        values.record(&mut Fields(&mut span.fields, Some(&mut span.recorded)));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(entry) = ctx.event_span(event) else {
            return;
        };
        let Some(&Index(i)) = entry.extensions().get::<Index>() else {
            return;
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields, None));
        let mut spans = self.spans.lock().unwrap();
        spans[i].events.push(fields);
        spans[i]
            .event_levels
            .push(event.metadata().level().to_string());
    }
}
