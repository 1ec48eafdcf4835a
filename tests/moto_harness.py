"""One moto server for one test process (started by tests/src/lib.rs).

Usage: moto_harness.py PORT   (PORT 0 lets the OS pick a free port)

Prints "moto-ready <port>" once the server accepts connections, then serves
until stdin reaches EOF. The test process holds the other end of stdin, so the
server goes away with it, however the test process ends.

moto 5.2.5 does not implement CloudTrail ListPublicKeys, which log file
validation needs: with MOTO_PUBLIC_KEYS_FILE set, it is added here, serving the
keys of that JSON file (read on every call, so a test can change them):
[{"fingerprint": hex, "value": base64 DER PKCS#1, "start": epoch, "end": epoch}].

With MOTO_LATENCY_MS set (benchmarks only), every read (GET, HEAD) waits that long before
it is served, as a request to AWS waits on the network and the service: moto answers in a few
milliseconds from memory, which hides what a client gains from reading concurrently.
"""

import json
import logging
import os
import sys

from moto.server import ThreadedMotoServer


def serve_public_keys(path: str) -> None:
    from moto.cloudtrail.responses import CloudTrailResponse

    def list_public_keys(self) -> str:
        try:
            with open(path) as f:
                keys = json.load(f)
        except FileNotFoundError:
            keys = []
        params = json.loads(self.body or "{}")
        start, end = params.get("StartTime"), params.get("EndTime")
        # The keys valid at some time of [StartTime, EndTime], as CloudTrail answers.
        selected = [
            k
            for k in keys
            if (end is None or k["start"] <= float(end))
            and (start is None or k["end"] >= float(start))
        ]
        return json.dumps(
            {
                "PublicKeyList": [
                    {
                        "Value": k["value"],
                        "ValidityStartTime": k["start"],
                        "ValidityEndTime": k["end"],
                        "Fingerprint": k["fingerprint"],
                    }
                    for k in selected
                ]
            }
        )

    CloudTrailResponse.list_public_keys = list_public_keys


def add_latency(milliseconds: float) -> None:
    import time

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    serve = DomainDispatcherApplication.__call__

    def delayed(self, environ, start_response):
        # The server is threaded: one request's wait does not hold up another's.
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            time.sleep(milliseconds / 1000)
        return serve(self, environ, start_response)

    DomainDispatcherApplication.__call__ = delayed


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # One log line per request would only be noise in test output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if os.environ.get("MOTO_PUBLIC_KEYS_FILE"):
        serve_public_keys(os.environ["MOTO_PUBLIC_KEYS_FILE"])
    if float(os.environ.get("MOTO_LATENCY_MS") or 0) > 0:
        add_latency(float(os.environ["MOTO_LATENCY_MS"]))

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound_port = server.get_host_and_port()
    print(f"moto-ready {bound_port}", flush=True)

    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
