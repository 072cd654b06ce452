"""A local S3 server for the tests: moto's server mode on 127.0.0.1 and a free port, in a
thread of the test process. boto3 and django-storages talk HTTP to it exactly as to a real
bucket; nothing leaves the machine."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

# Fixed, fake credentials: moto accepts any, and with them boto3 never looks further (no
# profile, no instance metadata service).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "talentdesk-test",
    "AWS_SECRET_ACCESS_KEY": "talentdesk-test-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}
REGION = "eu-central-1"


@contextmanager
def local_s3_server() -> Iterator[str]:
    """Run the server while the block runs; yields its endpoint URL."""
    # werkzeug logs a line per request: noise in a failing test's output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
