//! trail-guard: restarts a protected CloudTrail trail that someone stopped, and says so.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use trailwarden_actions::TrailGuard;
use trailwarden_responder::{Responder, Value, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let responder = Responder::acting_from_env(TrailGuard::acting).await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        responder.handle_invocation(event)
    }))
    .await
}
