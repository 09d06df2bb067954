"""HTTPS through the capture's own connections (the host resolved and checked by Reckon, the
connection made to the checked address): the certificate is still verified for the host
name, so pinning the address weakens nothing. A server on 127.0.0.1 with a certificate made
here for "localhost"."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app.services.fetching import FetchFailed, FetchPolicy, fetch

PAGE = b"<html><body><article><p>Officials said about 300 soldiers were killed.</p></article></body></html>"  # noqa: E501


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    if shutil.which("openssl") is None:  # pragma: no cover - Debian ships it
        pytest.skip("openssl is needed to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1], str(cert)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_is_verified_for_the_host_name_while_connecting_to_the_checked_address(
        tls_site: tuple[int, str], tmp_path: Path) -> None:
    port, cert = tls_site
    trusting = FetchPolicy(allow_private=True, ca_file=cert, read_timeout=2)
    page = fetch(f"https://localhost:{port}/a", trusting)
    assert (page.status, page.body) == (200, PAGE)
    # The same server by its address: the certificate names "localhost", not 127.0.0.1.
    with pytest.raises(FetchFailed) as wrong_name:
        fetch(f"https://127.0.0.1:{port}/a", trusting)
    assert wrong_name.value.reason.startswith("TLS error")
    assert "not valid for '127.0.0.1'" in wrong_name.value.reason
    # A certificate nobody trusts.
    with pytest.raises(FetchFailed) as untrusted:
        fetch(f"https://localhost:{port}/a", FetchPolicy(allow_private=True))
    assert untrusted.value.reason.startswith("TLS error")
    # And the address check comes first: with the production rule nothing is connected to.
    with pytest.raises(FetchFailed) as refused:
        fetch(f"https://localhost:{port}/a", FetchPolicy(ca_file=cert))
    assert refused.value.reason == ("refused address: localhost resolves to 127.0.0.1, a "
                                    "loopback address")
