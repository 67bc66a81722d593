//! The generated protocol types (from `proto/milmove_cluster.proto`) and their conversions to
//! and from the runner's [`StatsDelta`].

use milmove_runner::stats::{EntryDelta, ErrorCount, ExceptionDelta, SeriesDelta, StatsDelta};

/// Messages and the gRPC service, generated at build time by a pure-Rust protobuf compiler.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("milmove.cluster.v1");
}

/// The version both sides put in their first message; peers of different versions refuse
/// each other. Bump it with every change an older peer would misread.
pub const PROTOCOL_VERSION: u32 = 2;

fn series_to_pb(s: &SeriesDelta) -> pb::SeriesDelta {
    pb::SeriesDelta {
        count: s.count,
        sum_us: s.sum_us,
        min_us: s.min_us,
        max_us: s.max_us,
        histogram: s.histogram.clone(),
    }
}

fn series_from_pb(s: pb::SeriesDelta) -> SeriesDelta {
    SeriesDelta {
        count: s.count,
        sum_us: s.sum_us,
        min_us: s.min_us,
        max_us: s.max_us,
        histogram: s.histogram,
    }
}

/// A runner delta as a protocol message (the node name travels in the session instead).
pub fn delta_to_pb(d: &StatsDelta) -> pb::StatsDelta {
    pb::StatsDelta {
        entries: d
            .entries
            .iter()
            .map(|e| pb::EntryDelta {
                method: e.method.clone(),
                name: e.name.clone(),
                num_requests: e.num_requests,
                num_failures: e.num_failures,
                total_content_length: e.total_content_length,
                raw: Some(series_to_pb(&e.raw)),
                corrected: e.corrected.as_ref().map(series_to_pb),
                errors: e
                    .errors
                    .iter()
                    .map(|x| pb::ErrorCount {
                        error: x.error.clone(),
                        occurrences: x.occurrences,
                    })
                    .collect(),
            })
            .collect(),
        exceptions: d
            .exceptions
            .iter()
            .map(|x| pb::ExceptionDelta {
                message: x.message.clone(),
                traceback: x.traceback.clone(),
                count: x.count,
            })
            .collect(),
        user_count: d.user_count,
        users_by_class: d.users_by_class.clone(),
        last_record_age_us: d.last_record_age_us,
    }
}

/// A protocol message as a runner delta recorded by `node`.
pub fn delta_from_pb(p: pb::StatsDelta, node: &str) -> StatsDelta {
    StatsDelta {
        node: node.to_owned(),
        entries: p
            .entries
            .into_iter()
            .map(|e| EntryDelta {
                method: e.method,
                name: e.name,
                num_requests: e.num_requests,
                num_failures: e.num_failures,
                total_content_length: e.total_content_length,
                raw: e.raw.map(series_from_pb).unwrap_or_default(),
                corrected: e.corrected.map(series_from_pb),
                errors: e
                    .errors
                    .into_iter()
                    .map(|x| ErrorCount {
                        error: x.error,
                        occurrences: x.occurrences,
                    })
                    .collect(),
            })
            .collect(),
        exceptions: p
            .exceptions
            .into_iter()
            .map(|x| ExceptionDelta {
                message: x.message,
                traceback: x.traceback,
                count: x.count,
            })
            .collect(),
        user_count: p.user_count,
        users_by_class: p.users_by_class,
        last_record_age_us: p.last_record_age_us,
    }
}

/// Shorthand for a master message.
pub(crate) fn master_msg(kind: pb::master_message::Kind) -> pb::MasterMessage {
    pb::MasterMessage { kind: Some(kind) }
}

/// Shorthand for a worker message.
pub(crate) fn worker_msg(kind: pb::worker_message::Kind) -> pb::WorkerMessage {
    pb::WorkerMessage { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use milmove_runner::stats::{RequestRecord, StatsHub};
    use prost::Message;

    #[test]
    fn a_delta_survives_the_wire_exactly() {
        let hub = StatsHub::default();
        for i in 0..500u64 {
            let mut r = RequestRecord::new("GET", "/moves", i * 37).corrected(i * 40);
            if i % 7 == 0 {
                r = r.error("HTTP 503");
            }
            hub.record(r);
        }
        hub.record_exception("boom", "Web > index");
        let mut d = hub.take_delta("w1");
        d.users_by_class.insert("Web".into(), 3);
        let bytes = delta_to_pb(&d).encode_to_vec();
        let back = delta_from_pb(pb::StatsDelta::decode(bytes.as_slice()).unwrap(), "w1");
        assert_eq!(back, d);
    }
}
