//! tripwire: alerts at once on what should be seen but not reverted blindly; changes nothing.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use trailwarden_responder::{Responder, Tripwire, Value, logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let responder = Responder::from_env(|_| Tripwire).await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        responder.handle_invocation(event)
    }))
    .await
}
