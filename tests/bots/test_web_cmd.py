"""`blockfirst web` as a subprocess: serves, stops on SIGTERM, names a taken port."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.net import free_port, wait_until_answering

BLOCKFIRST = str(Path(sys.executable).parent / "blockfirst")


def test_serves_until_sigterm(db_url: str) -> None:
    bind = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "BLOCKFIRST_WEB_SECRET": "w" * 40}
    web = subprocess.Popen(
        [BLOCKFIRST, "--db", db_url, "web", "--bind", bind],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until_answering(web, f"http://{bind}/readyz")
        with urllib.request.urlopen(f"http://{bind}/readyz", timeout=2) as response:
            assert response.status == 200
        web.send_signal(signal.SIGTERM)
        output, _ = web.communicate(timeout=30)
    finally:
        if web.poll() is None:
            web.kill()
    assert web.returncode == 0, output
    assert f"dashboard on http://{bind}/" in output
    assert "w" * 40 not in output
    assert "BLOCKFIRST_WEB_SECRET is not set" not in output


def test_a_taken_port_is_one_clear_error(db_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bind = f"127.0.0.1:{taken.getsockname()[1]}"
        done = subprocess.run(
            [BLOCKFIRST, "--db", db_url, "web", "--bind", bind],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip().splitlines()[-1].startswith(f"error: web.bind: cannot listen on {bind}")
    )
