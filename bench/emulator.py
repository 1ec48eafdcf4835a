"""The benchmark's local AWS: moto's server on 127.0.0.1 with a counter of the AWS calls it serves,
and an arranger that plays the attacker between measurements. Run by the project venv's python
(moto and boto3 come from ./.venv); started and driven by the trailwarden-bench binary.

Usage: emulator.py

Prints "ready <port>" once serving, then reads one JSON command per line on stdin and answers one
JSON line on stdout; exits at EOF on stdin (so it ends with the bench, however the bench ends).

Commands: setup, stop-logging, attach-admin, state, reset-calls, calls, purge-alerts.
"""

import io
import json
import logging
import os
import re
import sys
import threading
from urllib.parse import parse_qs

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ACCOUNT_ID", "123456789012")

import boto3  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

REGION = "us-east-1"
BUCKET = "trailwarden-bench-logs"
TRAIL = "audit"
USER = "alice"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TOPIC = "trailwarden-bench-alerts"
QUEUE = "trailwarden-bench-inbox"
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


class CountingApp:
    """Records "service:Action" for every AWS request that reaches moto (moto's own API excluded)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.calls = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            call = describe(environ, path, body)
            with self.lock:
                self.calls.append(call)
        return self.app(environ, start_response)

    def take(self):
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


def describe(environ, path, body):
    scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else environ.get("HTTP_HOST", "?")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    if "/operation/" in path:  # Smithy RPC v2 (CBOR)
        return f"{service}:{path.rsplit('/', 1)[-1]}"
    for source in (body.decode("utf-8", "replace"), environ.get("QUERY_STRING", "")):
        action = parse_qs(source).get("Action")
        if action:
            return f"{service}:{action[0]}"
    return f"{service}:{environ.get('REQUEST_METHOD', '?')} {path}"


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    counting = CountingApp(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, counting, True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{port}"

    def client(service):
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    clients = {}

    def c(service):
        if service not in clients:
            clients[service] = client(service)
        return clients[service]

    def setup(_):
        c("s3").create_bucket(Bucket=BUCKET)
        trail = c("cloudtrail").create_trail(Name=TRAIL, S3BucketName=BUCKET,
                                             IsMultiRegionTrail=True,
                                             IncludeGlobalServiceEvents=True,
                                             EnableLogFileValidation=True)
        c("cloudtrail").start_logging(Name=TRAIL)
        c("iam").create_user(UserName=USER)
        topic = c("sns").create_topic(Name=TOPIC)["TopicArn"]
        queue = c("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
        queue_arn = c("sqs").get_queue_attributes(
            QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        c("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                           Attributes={"RawMessageDelivery": "true"})
        return {"topic": topic, "trail": trail["TrailARN"], "endpoint": endpoint}

    def stop_logging(_):
        c("cloudtrail").stop_logging(Name=TRAIL)
        return state(None)

    def attach_admin(_):
        c("iam").attach_user_policy(UserName=USER, PolicyArn=ADMIN)
        return state(None)

    def state(_):
        logging_ = c("cloudtrail").get_trail_status(Name=TRAIL)["IsLogging"]
        attached = [p["PolicyArn"] for p in
                    c("iam").list_attached_user_policies(UserName=USER)["AttachedPolicies"]]
        return {"logging": logging_, "admin_attached": ADMIN in attached}

    def purge_alerts(_):
        sqs = c("sqs")
        url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        count = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        try:
            sqs.purge_queue(QueueUrl=url)
        except sqs.exceptions.PurgeQueueInProgress:  # one purge a minute: delete them instead
            for _ in range(200):
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        return {"purged": count}

    commands = {
        "setup": setup,
        "stop-logging": stop_logging,
        "attach-admin": attach_admin,
        "state": state,
        "reset-calls": lambda _: {"calls": len(counting.take())},
        "calls": lambda _: {"calls": counting.take()},
        "purge-alerts": purge_alerts,
    }
    print(f"ready {port}", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = {"ok": commands[request["cmd"]](request)}
        except Exception as e:  # the bench prints it and stops
            answer = {"error": f"{request.get('cmd')}: {type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
