//! [`SpanRecorder`]: a `tracing` subscriber that keeps every span and event with its fields, for the
//! tests of the `tracing` feature.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as recorded: its name, its fields (as their `Debug` text, strings unquoted) and the events
/// inside it.
#[derive(Clone, Debug, Default)]
pub struct RecordedSpan {
    pub name: String,
    pub fields: BTreeMap<String, String>,
    pub events: Vec<BTreeMap<String, String>>,
}

impl RecordedSpan {
    /// The value of `field`, if it was recorded.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
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
        let recorder = SpanRecorder::default();
        let subscriber = tracing_subscriber::registry().with(recorder.clone());
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

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// The index of a span in the list, kept in the span's extensions.
struct Index(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanRecorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut span = RecordedSpan {
            name: attrs.metadata().name().to_owned(),
            ..RecordedSpan::default()
        };
        attrs.record(&mut Fields(&mut span.fields));
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
        values.record(&mut Fields(&mut self.spans.lock().unwrap()[i].fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(entry) = ctx.event_span(event) else {
            return;
        };
        let Some(&Index(i)) = entry.extensions().get::<Index>() else {
            return;
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.spans.lock().unwrap()[i].events.push(fields);
    }
}
