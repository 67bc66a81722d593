//! The MilMove user classes of the old suite, as catalog entries ([`ClassSpec`]).

use milmove_hosts::Domain;
use milmove_runner::TaskFn;

use crate::catalog::{ClassSpec, SetSpec, TaskSpec};
use crate::customer::{self, ONBOARDING_WORKFLOW};
use crate::office::{common, counselor, login, tio, too};
use crate::prime::{moves, payments, service_items, shipments};
use crate::support;
use crate::workflows::{self, ENDPOINT_WORKFLOW, HHG_WORKFLOW, WORKFLOW_METHOD};

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";

fn spec<F>(
    task: F,
    weight: u32,
    tags: &[&'static str],
    request: (&'static str, &'static str),
) -> TaskSpec
where
    F: for<'a> TaskFn<'a, crate::context::MilMoveUser> + Clone,
{
    TaskSpec::new(task, weight, tags, request)
}

/// Prime API users (tag `prime`): the Prime contractor's calls.
pub fn prime_user() -> ClassSpec {
    ClassSpec {
        name: "PrimeUser",
        domain: Domain::Prime,
        is_api: true,
        mutual_tls: true,
        tags: vec!["prime"],
        on_start: None,
        tasks: vec![
            spec(
                moves::list_moves,
                1,
                &["mto", "listMoves"],
                (GET, moves::LIST_MOVES),
            ),
            spec(
                moves::get_move_task_order,
                2,
                &["mto", "getMoveTaskOrder"],
                (GET, moves::GET_MOVE_TASK_ORDER),
            ),
            spec(
                shipments::create_mto_shipment,
                2,
                &["mtoShipment", "createMTOShipment"],
                (POST, shipments::CREATE_SHIPMENT),
            ),
            spec(
                shipments::update_mto_shipment,
                2,
                &["mtoShipment", "updateMTOShipment"],
                (PATCH, shipments::UPDATE_SHIPMENT),
            ),
            spec(
                shipments::update_mto_shipment_address,
                1,
                &["mtoShipment", "updateMTOShipmentAddress"],
                (PUT, shipments::UPDATE_ADDRESS),
            ),
            spec(
                shipments::update_mto_agent,
                1,
                &["mtoAgent", "updateMTOAgent"],
                (PUT, shipments::UPDATE_AGENT),
            ),
            spec(
                service_items::create_mto_service_item,
                2,
                &["mtoServiceItem", "createMTOServiceItem"],
                (POST, service_items::CREATE_SERVICE_ITEM),
            ),
            spec(
                service_items::update_mto_service_item,
                1,
                &["mtoServiceItem", "updateMTOServiceItem"],
                (PATCH, service_items::UPDATE_SERVICE_ITEM),
            ),
            spec(
                moves::update_post_counseling_info,
                1,
                &["mto", "updateMTOPostCounselingInformation"],
                (PATCH, moves::POST_COUNSELING_INFO),
            ),
            spec(
                payments::create_payment_request,
                2,
                &["paymentRequest", "createPaymentRequest"],
                (POST, payments::CREATE_PAYMENT_REQUEST),
            ),
            spec(
                payments::create_upload,
                1,
                &["paymentRequest", "createUpload"],
                (POST, payments::CREATE_UPLOAD),
            ),
        ],
        sets: vec![],
        expected_failures: vec![],
    }
}

/// Support API users (tag `support`): the test harness's calls that move objects along.
pub fn support_user() -> ClassSpec {
    ClassSpec {
        name: "SupportUser",
        domain: Domain::Prime,
        is_api: true,
        mutual_tls: true,
        tags: vec!["support"],
        on_start: None,
        tasks: vec![
            spec(
                support::create_move_task_order,
                2,
                &["mto", "createMoveTaskOrder"],
                (PATCH, support::MAKE_AVAILABLE),
            ),
            spec(
                support::get_move_task_order,
                2,
                &["mto", "getMoveTaskOrder"],
                (GET, support::GET_MOVE_TASK_ORDER),
            ),
            spec(
                support::update_mto_shipment_status,
                2,
                &["mtoShipment", "updateMTOShipmentStatus"],
                (PATCH, support::SHIPMENT_STATUS),
            ),
            spec(
                support::update_mto_shipment_with_invalid_status,
                1,
                &["mtoShipment", "updateMTOShipmentStatus", "expectedFailure"],
                (PATCH, support::SHIPMENT_STATUS_EXPECTED_FAILURE),
            ),
            spec(
                support::update_mto_service_item_status,
                2,
                &["mtoServiceItem", "updateMTOServiceItemStatus"],
                (PATCH, support::SERVICE_ITEM_STATUS),
            ),
            spec(
                support::update_payment_request_status,
                2,
                &["paymentRequest", "updatePaymentRequestStatus"],
                (PATCH, support::PAYMENT_REQUEST_STATUS),
            ),
        ],
        sets: vec![],
        expected_failures: vec![(PATCH, support::SHIPMENT_STATUS_EXPECTED_FAILURE)],
    }
}

/// Prime workflow users (tags `prime`, `support`, `workflow`): the HHG move and the endpoint
/// workflow.
pub fn prime_workflow_user() -> ClassSpec {
    let hhg = SetSpec {
        name: "HHGMoveWorkflow",
        sequential: true,
        weight: 3,
        tags: vec!["hhg"],
        tasks: vec![
            spec(
                workflows::hhg_create_move,
                1,
                &["createMoveTaskOrder"],
                (PATCH, support::MAKE_AVAILABLE),
            ),
            spec(
                workflows::hhg_post_counseling_info,
                1,
                &["updateMTOPostCounselingInformation"],
                (PATCH, moves::POST_COUNSELING_INFO),
            ),
            spec(
                workflows::hhg_create_shipment,
                1,
                &["createMTOShipment"],
                (POST, shipments::CREATE_SHIPMENT),
            ),
            spec(
                workflows::hhg_approve_shipment,
                1,
                &["updateMTOShipmentStatus"],
                (PATCH, support::SHIPMENT_STATUS),
            ),
            spec(
                workflows::hhg_request_shuttle,
                1,
                &["createMTOServiceItem"],
                (POST, service_items::CREATE_SERVICE_ITEM),
            ),
            spec(
                workflows::hhg_approve_service_item,
                1,
                &["updateMTOServiceItemStatus"],
                (PATCH, support::SERVICE_ITEM_STATUS),
            ),
            spec(
                workflows::hhg_update_shipment,
                1,
                &["updateMTOShipment"],
                (PATCH, shipments::UPDATE_SHIPMENT),
            ),
            spec(
                workflows::hhg_request_payment,
                1,
                &["createPaymentRequest"],
                (WORKFLOW_METHOD, HHG_WORKFLOW),
            ),
        ],
    };
    ClassSpec {
        name: "PrimeWorkflowUser",
        domain: Domain::Prime,
        is_api: true,
        mutual_tls: true,
        tags: vec!["prime", "support", "workflow"],
        on_start: None,
        tasks: vec![spec(
            workflows::endpoint_workflow,
            1,
            &["endpoint", "createMTOShipment"],
            (WORKFLOW_METHOD, ENDPOINT_WORKFLOW),
        )],
        sets: vec![hhg],
        expected_failures: vec![],
    }
}

/// Services Counselor users (tags `office`, `servicesCounselor`).
pub fn services_counselor_user() -> ClassSpec {
    ClassSpec {
        name: "ServicesCounselorUser",
        domain: Domain::Office,
        is_api: false,
        mutual_tls: false,
        tags: vec!["office", "servicesCounselor"],
        on_start: Some(|b| b.on_start(login::login_services_counselor)),
        tasks: vec![
            spec(
                common::get_logged_in_user,
                1,
                &["user", "showLoggedInUser"],
                (GET, common::LOGGED_IN_USER),
            ),
            spec(
                counselor::counseling_queue,
                2,
                &["queues", "getServicesCounselingQueue"],
                (GET, counselor::COUNSELING_QUEUE),
            ),
            spec(
                common::get_move,
                2,
                &["move", "getMove"],
                (GET, common::GET_MOVE),
            ),
            spec(
                common::get_order,
                2,
                &["order", "getOrder"],
                (GET, common::GET_ORDER),
            ),
            spec(
                common::get_customer,
                1,
                &["customer", "getCustomer"],
                (GET, common::GET_CUSTOMER),
            ),
            spec(
                common::list_shipments,
                1,
                &["mtoShipment", "listMTOShipments"],
                (GET, common::LIST_SHIPMENTS),
            ),
            spec(
                counselor::counseling_update_order,
                1,
                &["order", "counselingUpdateOrder"],
                (PATCH, counselor::COUNSELING_UPDATE_ORDER),
            ),
            spec(
                counselor::counseling_update_allowance,
                1,
                &["order", "counselingUpdateAllowance"],
                (PATCH, counselor::COUNSELING_UPDATE_ALLOWANCE),
            ),
            spec(
                counselor::update_customer,
                1,
                &["customer", "updateCustomer"],
                (PATCH, counselor::UPDATE_CUSTOMER),
            ),
        ],
        sets: vec![],
        expected_failures: vec![],
    }
}

/// TOO users (tags `office`, `too`).
pub fn too_user() -> ClassSpec {
    ClassSpec {
        name: "TOOUser",
        domain: Domain::Office,
        is_api: false,
        mutual_tls: false,
        tags: vec!["office", "too"],
        on_start: Some(|b| b.on_start(login::login_too)),
        tasks: vec![
            spec(
                too::moves_queue,
                2,
                &["queues", "getMovesQueue"],
                (GET, too::MOVES_QUEUE),
            ),
            spec(
                common::get_move,
                2,
                &["move", "getMove"],
                (GET, common::GET_MOVE),
            ),
            spec(
                common::get_order,
                2,
                &["order", "getOrder"],
                (GET, common::GET_ORDER),
            ),
            spec(
                common::list_shipments,
                1,
                &["mtoShipment", "listMTOShipments"],
                (GET, common::LIST_SHIPMENTS),
            ),
            spec(
                common::list_service_items,
                1,
                &["mtoServiceItem", "listMTOServiceItems"],
                (GET, common::LIST_SERVICE_ITEMS),
            ),
            spec(
                common::get_customer,
                1,
                &["customer", "getCustomer"],
                (GET, common::GET_CUSTOMER),
            ),
            spec(
                too::update_order,
                1,
                &["order", "updateOrder"],
                (PATCH, too::UPDATE_ORDER),
            ),
            spec(
                too::update_allowance,
                1,
                &["order", "updateAllowance"],
                (PATCH, too::UPDATE_ALLOWANCE),
            ),
            spec(
                too::approve_move,
                1,
                &["move", "updateMoveTaskOrderStatus"],
                (PATCH, too::APPROVE_MOVE),
            ),
            spec(
                too::approve_shipment,
                1,
                &["mtoShipment", "approveShipment"],
                (POST, too::APPROVE_SHIPMENT),
            ),
        ],
        sets: vec![],
        expected_failures: vec![],
    }
}

/// TIO users (tags `office`, `tio`).
pub fn tio_user() -> ClassSpec {
    ClassSpec {
        name: "TIOUser",
        domain: Domain::Office,
        is_api: false,
        mutual_tls: false,
        tags: vec!["office", "tio"],
        on_start: Some(|b| b.on_start(login::login_tio)),
        tasks: vec![
            spec(
                tio::payment_requests_queue,
                2,
                &["queues", "getPaymentRequestsQueue"],
                (GET, tio::PAYMENT_REQUESTS_QUEUE),
            ),
            spec(
                tio::get_payment_request,
                2,
                &["paymentRequest", "getPaymentRequest"],
                (GET, tio::GET_PAYMENT_REQUEST),
            ),
            spec(
                tio::review_payment_request,
                1,
                &["paymentRequest", "updatePaymentRequestStatus"],
                (PATCH, tio::PAYMENT_REQUEST_STATUS),
            ),
        ],
        sets: vec![],
        expected_failures: vec![],
    }
}

/// Customer users (tags `milmove`, `customer`): onboarding from login to a submitted move.
pub fn customer_user() -> ClassSpec {
    let onboarding = SetSpec {
        name: "CustomerOnboarding",
        sequential: true,
        weight: 1,
        tags: vec!["onboarding"],
        tasks: vec![
            spec(
                customer::customer_login,
                1,
                &["login"],
                (POST, login::CREATE_USER),
            ),
            spec(
                customer::customer_profile,
                1,
                &["patchServiceMember"],
                (PATCH, customer::PATCH_SERVICE_MEMBER),
            ),
            spec(
                customer::customer_backup_contact,
                1,
                &["createServiceMemberBackupContact"],
                (POST, customer::CREATE_BACKUP_CONTACT),
            ),
            spec(
                customer::customer_orders,
                1,
                &["order", "createOrders"],
                (POST, customer::CREATE_ORDERS),
            ),
            spec(
                customer::customer_upload_orders,
                1,
                &["order", "createUpload"],
                (POST, customer::CREATE_UPLOAD),
            ),
            spec(
                customer::customer_shipment,
                1,
                &["mtoShipment", "createMTOShipment"],
                (POST, customer::CREATE_SHIPMENT),
            ),
            spec(
                customer::customer_submit_move,
                1,
                &["move", "submitMoveForApproval"],
                (WORKFLOW_METHOD, ONBOARDING_WORKFLOW),
            ),
        ],
    };
    ClassSpec {
        name: "CustomerUser",
        domain: Domain::Milmove,
        is_api: false,
        mutual_tls: false,
        tags: vec!["milmove", "customer"],
        on_start: None,
        tasks: vec![],
        sets: vec![onboarding],
        expected_failures: vec![],
    }
}
