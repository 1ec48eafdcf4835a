"""A minimal Lambda runtime client for Python, in the role of AWS's Python runtime: imports the
handler named by _HANDLER (from the current directory, as /var/task), then serves invocations from
the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API. Used by the bench to run Cloud Custodian's own
Lambda handler (custodian_policy.run) exactly as a Python Lambda would, against the bench's
stand-in runtime API. AWS's runtime (awslambdaric) also adds a log handler to the root logger;
this does the same (to stdout), since Custodian logs through it.

Exits when the runtime API goes away or after BENCH_DEADLINE_SECONDS (default 600).
"""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

DEADLINE = time.monotonic() + float(os.environ.get("BENCH_DEADLINE_SECONDS", "600"))


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def main():
    logging.basicConfig(stream=sys.stdout, format="[%(levelname)s] %(name)s %(message)s")
    sys.path.insert(0, os.getcwd())
    module, function = os.environ["_HANDLER"].rsplit(".", 1)
    handler = getattr(importlib.import_module(module), function)
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    api = http.client.HTTPConnection(host, int(port), timeout=60)
    base = "/2018-06-01/runtime/invocation"
    while time.monotonic() < DEADLINE:
        try:
            api.request("GET", f"{base}/next")
            response = api.getresponse()
            event = json.loads(response.read())
        except (OSError, http.client.HTTPException):
            return
        headers = dict(response.getheaders())
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        try:
            result = handler(event, Context(headers))
            path, body = f"{base}/{request_id}/response", json.dumps(result)
        except Exception as e:  # reported to the runtime API, as Lambda's runtime does
            traceback.print_exc(file=sys.stdout)
            path = f"{base}/{request_id}/error"
            body = json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)})
        try:
            api.request("POST", path, body=body.encode(),
                        headers={"Content-Type": "application/json"})
            api.getresponse().read()
        except (OSError, http.client.HTTPException):
            return


main()
