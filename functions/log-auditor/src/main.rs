//! log-auditor: validates the protected trails' log files on a schedule, and says when any is not.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use trailwarden_integrity::LogAuditor;
use trailwarden_responder::{Responder, Value, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let responder = Responder::acting_from_env(LogAuditor::acting).await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        responder.handle_invocation(event)
    }))
    .await
}
