//! iam-guard: reverts an unauthorized IAM permission change, exactly, and says so.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use trailwarden_actions::IamGuard;
use trailwarden_responder::{Responder, Value, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let responder = Responder::acting_from_env(IamGuard::acting).await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        responder.handle_invocation(event)
    }))
    .await
}
