//! End to end: `milmove-load --lifecycle` against a stand-in this test starts itself (loopback
//! only), so it can look at the stand-in's own state afterwards. Every flow of the default mix
//! completes at least once; every step and every queue wait is reported (console rows, JSON
//! with percentiles, CSV); nothing fails; the aggregated row counts requests only; every flow
//! that started is accounted for (completed, failed or unfinished, none lost); and every
//! completed move really is in the state its flow claims.

#[path = "../../common/start_sim.rs"]
#[allow(dead_code)]
mod start_sim;

#[path = "../../common/e2e.rs"]
mod e2e;

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use milmove_sim::state::Store;
use milmove_sim::{SimConfig, SimServer, SimState};
use milmove_tasks::app::{self, parse_args, AppKind, SimStart};
use milmove_tasks::flows::catalog::{self, HHG_PAYMENTS};
use milmove_tasks::flows::check::check_lifecycle;
use milmove_tasks::flows::hub::{flow_row, flow_unfinished_row, queue_row};
use milmove_tasks::flows::role::Role;
use parking_lot::Mutex;
use serde_json::Value;
use uuid::Uuid;

/// The stand-in's state and the moves it was seeded with, kept by the test.
type Kept = Arc<Mutex<Option<(Arc<SimState>, HashSet<Uuid>)>>>;

fn starter(kept: Kept) -> SimStart {
    Box::new(move |dir| {
        Box::pin(async move {
            let config = SimConfig {
                spec_dir: Some(dir),
                ..SimConfig::default()
            };
            let handle = SimServer::start(config)
                .await
                .map_err(|e| format!("cannot start the stand-in: {e}"))?;
            let seeded = handle.state().store.moves.collect(|m| Some(m.id));
            *kept.lock() = Some((handle.state().clone(), seeded.into_iter().collect()));
            let target = start_sim::sim_target(&handle);
            Ok((target, Box::new(handle) as Box<dyn Any + Send>))
        })
    })
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().unwrap_or_default()
}

fn uuid(v: &Value, key: &str) -> Uuid {
    Uuid::parse_str(text(v, key)).unwrap_or_else(|_| panic!("no {key} in {v}"))
}

fn ids(v: &Value, key: &str) -> Vec<Uuid> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|i| Uuid::parse_str(i.as_str().unwrap()).unwrap())
        .collect()
}

/// The service items MilMove creates, approved, when the TOO approves a shipment (from
/// transcom/mymove's shipment approver).
fn basic_service_codes(shipment_type: &str) -> &'static [&'static str] {
    match shipment_type {
        "HHG" => &["DLH", "FSC", "DOP", "DDP", "DPK", "DUPK"],
        "HHG_INTO_NTS" => &["DLH", "FSC", "DOP", "DDP", "DNPK"],
        other => panic!("no flow makes a {other} shipment"),
    }
}

/// The stand-in's state of a completed flow's move is what its flow claims.
fn check_completed_move(store: &Store, flow: &str, case: &Value) {
    let move_id = uuid(case, "move_id");
    let mv = store.get_move(&move_id).expect("the flow's move exists");
    let label = format!("{flow} move {}", mv.locator);
    assert_eq!(mv.locator, text(case, "locator"), "{label}");
    assert!(
        mv.available_to_prime_at.is_some(),
        "{label}: not available to the Prime"
    );

    // The customer's shipments, as planned, approved by the TOO and weighed by the Prime.
    let plan: Vec<&str> = case["shipment_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(mv.shipment_ids, ids(case, "shipment_ids"), "{label}");
    let shipments: Vec<_> = mv
        .shipment_ids
        .iter()
        .map(|id| store.get_shipment(id).unwrap())
        .collect();
    let types: Vec<&str> = shipments.iter().map(|s| s.shipment_type.as_str()).collect();
    assert_eq!(types, plan, "{label}");
    let items: Vec<_> = mv
        .service_item_ids
        .iter()
        .map(|id| store.get_service_item(id).unwrap())
        .collect();
    for s in &shipments {
        assert_eq!(s.status, "APPROVED", "{label}: shipment {}", s.id);
        assert!(
            s.fields.contains_key("primeActualWeight"),
            "{label}: not weighed"
        );
        // MilMove's basic service items of an approved shipment, approved.
        for code in basic_service_codes(&s.shipment_type) {
            assert!(
                items.iter().any(|i| i.shipment_id == Some(s.id)
                    && i.code == *code
                    && i.status == "APPROVED"),
                "{label}: no approved {code} on shipment {}",
                s.id
            );
        }
    }
    // Move management, asked for by the TOO at approval.
    assert!(
        items
            .iter()
            .any(|i| i.shipment_id.is_none() && i.code == "MS" && i.status == "APPROVED"),
        "{label}: no approved MS"
    );
    // The Prime's origin SIT on the first shipment.
    let requested = ids(case, "requested_service_item_ids");
    assert!(!requested.is_empty(), "{label}");
    let dofsit = items
        .iter()
        .find(|i| i.code == "DOFSIT")
        .unwrap_or_else(|| panic!("{label}: no DOFSIT"));
    assert_eq!(dofsit.shipment_id, Some(shipments[0].id), "{label}");
    assert!(requested.contains(&dofsit.id), "{label}");

    if flow != HHG_PAYMENTS {
        // The Prime's requests wait for the TOO: the move is back in the TOO's queue.
        assert_eq!(mv.status, "APPROVALS REQUESTED", "{label}");
        for id in &requested {
            assert_eq!(
                store.get_service_item(id).unwrap().status,
                "SUBMITTED",
                "{label}"
            );
        }
        assert!(mv.payment_request_ids.is_empty(), "{label}");
        return;
    }
    // Through payment: every item approved, the move approved again, two payment requests
    // billing every approved item, each reviewed by the TIO item by item.
    assert_eq!(mv.status, "APPROVED", "{label}");
    assert!(
        items.iter().all(|i| i.status == "APPROVED"),
        "{label}: {items:?}"
    );
    let approved = ids(case, "approved_service_item_ids");
    assert!(requested.iter().all(|r| approved.contains(r)), "{label}");
    assert_eq!(
        mv.payment_request_ids,
        ids(case, "payment_request_ids"),
        "{label}"
    );
    assert!(
        mv.payment_request_ids.len() >= 2,
        "{label}: several payment requests"
    );
    let mut billed = HashSet::new();
    let (mut approved_items, mut denied_items) = (0, 0);
    for pr in &mv.payment_request_ids {
        let request = store.get_payment_request(pr).unwrap();
        assert!(
            matches!(
                request.status.as_str(),
                "REVIEWED" | "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED"
            ),
            "{label}: payment request {}",
            request.status
        );
        let all_denied = request.items.iter().all(|i| i.status == "DENIED");
        assert_eq!(
            request.status == "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED",
            all_denied,
            "{label}"
        );
        for item in &request.items {
            match item.status.as_str() {
                "APPROVED" => approved_items += 1,
                "DENIED" => {
                    assert!(
                        item.rejection_reason.is_some(),
                        "{label}: denied without reason"
                    );
                    denied_items += 1;
                }
                other => panic!("{label}: a payment service item is {other}"),
            }
            assert!(billed.insert(item.service_item_id), "{label}: billed twice");
        }
    }
    let all_items: HashSet<Uuid> = items.iter().map(|i| i.id).collect();
    assert_eq!(
        billed, all_items,
        "{label}: every approved item billed once"
    );
    assert_eq!(
        approved_items,
        case["payment_items_approved"].as_u64().unwrap(),
        "{label}"
    );
    assert_eq!(
        denied_items,
        case["payment_items_denied"].as_u64().unwrap(),
        "{label}"
    );
}

#[test]
fn every_lifecycle_flow_completes_and_leaves_its_move_in_the_state_it_claims() {
    if e2e::spec_dir_or_skip("every_lifecycle_flow_completes").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("summary.json");
    let log_path = dir.path().join("flows.jsonl");
    let csv_prefix = dir.path().join("run");
    let argv = [
        "milmove-load",
        "--lifecycle",
        "--host",
        "sim",
        "--headless",
        "--only-summary",
        "-u",
        "25",
        "-r",
        "25",
        "-t",
        "300s",
        "--complete-each-flow",
        "2",
        "--wait-time",
        "0.05-0.3",
        "--stop-timeout",
        "20s",
        "--json",
        json_path.to_str().unwrap(),
        "--csv",
        csv_prefix.to_str().unwrap(),
        "--flow-log",
        log_path.to_str().unwrap(),
    ];
    let args = parse_args(AppKind::Milmove, argv).unwrap();
    let kept: Kept = Arc::default();
    let code = app::run(AppKind::Milmove, args, starter(kept.clone()));
    assert_eq!(
        format!("{code:?}"),
        format!("{:?}", std::process::ExitCode::SUCCESS)
    );

    // The JSON summary: every flow completed, every step and queue reported, no failure.
    let summary: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let weights = catalog::parse_mix(catalog::DEFAULT_MIX).unwrap();
    let metas: Vec<_> = catalog::all()
        .iter()
        .zip(&weights)
        .map(|(f, w)| f.meta(*w))
        .collect();
    let report = check_lifecycle(&metas, &summary, &[]).unwrap();
    eprintln!("{report}");
    assert!(report.is_clean(), "{report}");
    let endpoints = summary["endpoints"].as_array().unwrap();
    let row = |method: &str, name: &str| {
        endpoints
            .iter()
            .find(|e| e["method"] == method && e["name"] == name)
    };
    for role in [Role::ServicesCounselor, Role::Too, Role::Prime, Role::Tio] {
        let queue = row("QUEUE", &queue_row(role)).expect("queue row");
        for p in ["p50", "p95", "p99", "p100"] {
            assert!(queue["latency_us"][p].is_u64(), "{role} queue {p}: {queue}");
        }
    }
    let requests: u64 = endpoints
        .iter()
        .filter(|e| e["method"] != "QUEUE" && e["method"] != "WORKFLOW")
        .map(|e| e["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(summary["total"]["requests"].as_u64(), Some(requests));
    assert_eq!(summary["total"]["failures"].as_u64(), Some(0));
    // The run ended because every flow completed twice (not at its 5-minute bound).
    assert_eq!(summary["run"]["end_reason"], "all users stopped");
    for flow in catalog::all() {
        let completed = row("WORKFLOW", &flow_row(flow.name)).unwrap()["requests"].as_u64();
        assert!(completed >= Some(2), "{}: {completed:?}", flow.name);
    }

    // The CSV has them under their own types.
    let csv = std::fs::read_to_string(dir.path().join("run_stats.csv")).unwrap();
    assert!(csv.contains("\nQUEUE,queue TOO,"), "{csv}");
    assert!(csv.contains("\nWORKFLOW,flow hhg-payments 7/7 TIO review-payment-requests,"));

    // The flow log accounts for every flow: the JSON's counts, and every move made.
    let log = std::fs::read_to_string(&log_path).unwrap();
    let cases: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let mut outcomes: BTreeMap<(String, String), u64> = BTreeMap::new();
    for case in &cases {
        let key = (
            text(case, "flow").to_string(),
            text(case, "outcome").to_string(),
        );
        *outcomes.entry(key).or_default() += 1;
    }
    for flow in catalog::all() {
        let count = |outcome: &str| {
            outcomes
                .get(&(flow.name.to_string(), outcome.to_string()))
                .copied()
                .unwrap_or(0)
        };
        let flow_row = row("WORKFLOW", &flow_row(flow.name)).unwrap();
        assert_eq!(
            flow_row["requests"].as_u64(),
            Some(count("completed")),
            "{}",
            flow.name
        );
        assert_eq!(count("failed"), 0, "{}", flow.name);
        let unfinished = row("WORKFLOW", &flow_unfinished_row(flow.name))
            .map_or(0, |r| r["requests"].as_u64().unwrap());
        assert_eq!(unfinished, count("unfinished"), "{}", flow.name);
    }

    let (state, seeded) = kept.lock().take().expect("the stand-in ran");
    let store = &state.store;
    let made: HashSet<Uuid> = store
        .moves
        .collect(|m| (!seeded.contains(&m.id)).then_some(m.id))
        .into_iter()
        .collect();
    let logged: HashSet<Uuid> = cases
        .iter()
        .filter_map(|c| Uuid::parse_str(text(&c["move"], "move_id")).ok())
        .collect();
    assert_eq!(made, logged, "every move a flow made is in the flow log");

    // Every completed move is in the state its flow claims.
    let mut checked = BTreeMap::new();
    for case in cases.iter().filter(|c| c["outcome"] == "completed") {
        let flow = text(case, "flow");
        check_completed_move(store, flow, &case["move"]);
        *checked.entry(flow.to_string()).or_insert(0) += 1;
    }
    eprintln!("moves checked in the stand-in's state: {checked:?}");
    for flow in catalog::all() {
        assert!(
            checked.contains_key(flow.name),
            "no {} completed",
            flow.name
        );
    }
}
