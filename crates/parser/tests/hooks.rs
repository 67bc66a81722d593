//! The hook trait: per-field and per-body hooks run once per operation (at compile time),
//! the per-request hook on every body; the MilMove parsers' rules.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::specs::{RULES, SUPPORT_LIKE};
use milmove_parser::{
    ApiParser, FakeHooks, FakeRng, FieldContext, HookedParser, Operation, SupportApiParser,
};
use serde_json::{json, Value};

#[derive(Default)]
struct Counting {
    bodies: AtomicUsize,
    fields: AtomicUsize,
    requests: AtomicUsize,
}

impl FakeHooks for Counting {
    fn body_schema(&self, op: &Operation, schema: &Value) -> Option<Value> {
        self.bodies.fetch_add(1, Ordering::SeqCst);
        assert_eq!(op.operation_id.as_deref(), Some("createEverything"));
        let mut s = schema.clone();
        s["properties"]
            .as_object_mut()?
            .shift_remove("optionalNote");
        Some(s)
    }

    fn field_schema(&self, field: &FieldContext<'_>, schema: &Value) -> Option<Value> {
        self.fields.fetch_add(1, Ordering::SeqCst);
        // Only the nested `value`, found through its parents.
        (field.name == "value" && field.parents == ["nested", "inner"]).then(|| {
            let mut s = schema.clone();
            s["minimum"] = json!(40);
            s["maximum"] = json!(41);
            s
        })
    }

    fn request(&self, _: &Operation, body: &mut Value, ov: Option<&Value>, _: &mut FakeRng) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if ov.and_then(|o| o.get("stamp")).is_none() {
            body["stamp"] = json!("hooked");
        }
    }
}

#[test]
fn hooks_run_at_their_three_points_and_before_data_hooks_run_once() {
    let parser = Arc::new(ApiParser::from_yaml_str(RULES).unwrap());
    let hooked = HookedParser::with_hooks(parser, Counting::default());
    for seed in 0..100 {
        let b = hooked
            .fake_request("/everything", "post", None, true, seed)
            .unwrap();
        assert!(b.get("optionalNote").is_none(), "body hook removed it");
        let v = b["nested"]["inner"]["value"].as_i64().unwrap();
        assert!((40..=41).contains(&v), "field hook bounds: {v}");
        assert_eq!(b["stamp"], "hooked");
    }
    let ov = json!({"stamp": "mine"});
    let b = hooked
        .fake_request("/everything", "post", Some(&ov), false, 1)
        .unwrap();
    assert_eq!(
        b["stamp"], "mine",
        "the after-data hook leaves overrides alone"
    );
    let h = hooked.hooks();
    assert_eq!(h.bodies.load(Ordering::SeqCst), 1, "compiled once");
    let fields = h.fields.load(Ordering::SeqCst);
    assert!(fields > 30, "every field seen once: {fields}");
    let _ = hooked.fake_request("/everything", "post", None, false, 7);
    assert_eq!(
        h.fields.load(Ordering::SeqCst),
        fields,
        "no per-request field hook"
    );
    assert_eq!(h.requests.load(Ordering::SeqCst), 102);
}

#[test]
fn support_create_move_task_order_is_stripped_and_rules_apply() {
    let parser = Arc::new(ApiParser::from_yaml_str(SUPPORT_LIKE).unwrap());
    let support = SupportApiParser::new(parser.clone());
    let v = parser
        .request_validator("/move-task-orders", "post")
        .unwrap()
        .unwrap();
    for seed in 0..50 {
        let b = support
            .fake_request("/move-task-orders", "post", None, true, seed)
            .unwrap();
        for k in ["mtoShipments", "mtoServiceItems", "paymentRequests"] {
            assert!(b.get(k).is_none(), "{k}: {b}");
        }
        for k in [
            "originDutyLocation",
            "destinationDutyLocation",
            "uploadedOrders",
        ] {
            assert!(b["order"].get(k).is_none(), "{k}: {b}");
        }
        assert!(b["order"]["orderNumber"].is_string());
        // The unstripped schema still requires mtoShipments: the stripped body is what the
        // endpoint can create, so only that requirement may fail.
        if let Err(errors) = v.validate(&b) {
            assert!(
                errors
                    .iter()
                    .all(|e| e.contains("mtoShipments") || e.contains("originDutyLocation")),
                "{errors:?}"
            );
        }
        let c = support
            .fake_request("/crates", "post", None, false, seed)
            .unwrap();
        for dim in ["length", "width", "height"] {
            assert!(c["item"][dim].as_i64() < c["crate"][dim].as_i64(), "{c}");
        }
    }
    // An override that asks for a bigger item is respected.
    let ov = json!({"item": {"length": 99999}, "crate": {"length": 5}});
    let c = support
        .fake_request("/crates", "post", Some(&ov), false, 1)
        .unwrap();
    assert_eq!(c["item"]["length"], 99999);
    assert_eq!(c["crate"]["length"], 5);
}
