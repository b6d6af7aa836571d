"""Starts tests/idp/oidc_op.mjs (npm oidc-provider under node) on a free loopback port, and logs a test
user in through its devInteractions form over plain HTTP (requests), as a browser would."""
from __future__ import annotations

import re
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_op.mjs")
CLIENT_ID = "byplan"
CLIENT_SECRET = "byplan-test-secret"
MAPPING = {"name": "name", "email": "email", "roles": "groups",
           "role_map": {"byplan-sekretariat": ["secretariat"], "byplan-admin": ["admin"]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpenIdProvider:
    def __init__(self, redirect_uri: str, post_logout_uri: str, log: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(["node", str(SCRIPT), str(self.port), redirect_uri, post_logout_uri],
                                            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while "ready " not in log.read_text():  # printed once it listens
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"oidc-provider did not start: {log.read_text()[:2000]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_in(self, authorization_url: str, login: str) -> str:
        """Follow the authorization URL, fill the OP's login form as `login`; the redirect back to the RP."""
        http = requests.Session()
        response = http.get(authorization_url, allow_redirects=True, timeout=10)
        for _ in range(5):
            form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            if form is None:
                break
            fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text))
            fields.update({"login": login, "password": "any"} if 'name="login"' in response.text else {})
            response = http.post(urljoin(response.url, unescape(form.group(1))), data=fields,
                                 allow_redirects=False, timeout=10)
            while response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                response = http.get(location, allow_redirects=False, timeout=10)
        raise AssertionError(f"the OP did not send the browser back: {response.status_code} {response.text[:500]}")
