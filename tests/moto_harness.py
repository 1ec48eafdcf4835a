"""One moto server for one test process (started by tests/src/lib.rs).

Usage: moto_harness.py PORT   (PORT 0 lets the OS pick a free port)

Prints "moto-ready <port>" once the server accepts connections, then serves
until stdin reaches EOF. The test process holds the other end of stdin, so the
server goes away with it, however the test process ends.

moto 5.2.5 does not implement CloudTrail ListPublicKeys, which log file
validation needs: with MOTO_PUBLIC_KEYS_FILE set, it is added here, serving the
keys of that JSON file (read on every call, so a test can change them):
[{"fingerprint": hex, "value": base64 DER PKCS#1, "start": epoch, "end": epoch}].
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


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # One log line per request would only be noise in test output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if os.environ.get("MOTO_PUBLIC_KEYS_FILE"):
        serve_public_keys(os.environ["MOTO_PUBLIC_KEYS_FILE"])

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound_port = server.get_host_and_port()
    print(f"moto-ready {bound_port}", flush=True)

    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
