"""One moto server for one test process (started by tests/src/lib.rs).

Usage: moto_harness.py PORT   (PORT 0 lets the OS pick a free port)

Prints "moto-ready <port>" once the server accepts connections, then serves
until stdin reaches EOF. The test process holds the other end of stdin, so the
server goes away with it, however the test process ends.
"""

import logging
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # One log line per request would only be noise in test output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _, bound_port = server.get_host_and_port()
    print(f"moto-ready {bound_port}", flush=True)

    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
