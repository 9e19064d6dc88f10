"""``manage.py valkey`` against real servers: a standalone server, a replica, a password-protected
server, the async backend and a server that is down (Sentinel, shards and Cluster: tests/topology).

The command is run with ``call_command`` as ``manage.py`` would; the JSON output is parsed."""

from __future__ import annotations

import builtins
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_valkey._ops import Progress
from tests.servers import ValkeyProcess, free_port, wait_for

BACKEND = "django_valkey.cache.ValkeyCache"


def run(*args: str, stdin: list[str] | None = None) -> tuple[str, str]:
    """``manage.py valkey *args``: its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("valkey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(*args: str) -> dict[str, Any]:
    out, _ = run(*args, "--format=json")
    data: dict[str, Any] = json.loads(out)
    return data


def entry(location: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"BACKEND": BACKEND, "LOCATION": location, **extra}


@pytest.fixture
def server(valkey_server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    """The session server, emptied, with CACHES: ``default`` (KEY_PREFIX "shop", db 0), ``other``
    (KEY_PREFIX "blog", same db) and ``async`` (AsyncValkeyCache, KEY_PREFIX "shop", db 0)."""
    with valkey_server.client() as conn:
        conn.flushall()
    url = f"{valkey_server.url}/0"
    caches = {
        "default": entry(url, KEY_PREFIX="shop"),
        "other": entry(url, KEY_PREFIX="blog"),
        "async": {"BACKEND": "django_valkey.async_cache.cache.AsyncValkeyCache", "LOCATION": url, "KEY_PREFIX": "shop"},
    }
    with override_settings(CACHES=caches):
        yield valkey_server


def fill(alias: str, keys: list[str]) -> None:
    from django.core.cache import caches

    caches[alias].set_many({key: key.upper() for key in keys}, timeout=300)


def stored(server: ValkeyProcess) -> set[str]:
    with server.client() as conn:
        return {key.decode() for key in conn.scan_iter(count=1000)}


# ---------------------------------------------------------------- ping


def test_ping_standalone(server: ValkeyProcess) -> None:
    report = run_json("ping")
    with server.client() as conn:
        version = conn.info("server")["valkey_version"]
    assert report["cache"] == "default"
    assert report["backend"] == "django_valkey.cache.ValkeyCache"
    assert report["topology"] == "standalone"
    assert report["ok"] is True
    [primary] = report["servers"]
    assert primary["address"] == f"{server.url}/0"
    assert (primary["expected_role"], primary["role"], primary["version"]) == ("primary", "primary", version)
    assert primary["latency_ms"] > 0
    text, _ = run("ping")
    assert f"primary  {server.url}/0  ok" in text
    assert f"version {version}" in text


def test_ping_with_a_replica(valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> None:
    with replica_server.client() as conn:
        assert wait_for(lambda: conn.info("replication")["master_link_status"] == "up")
    location = [f"{valkey_server.url}/0", f"{replica_server.url}/0"]
    with override_settings(CACHES={"default": entry(location)}):
        report = run_json("ping")
        text, _ = run("ping")
    assert report["topology"] == "replicas"
    primary, replica = report["servers"]
    assert (primary["role"], replica["role"], replica["expected_role"]) == ("primary", "replica", "replica")
    assert f"127.0.0.1:{replica_server.port}" in [r["address"] for r in primary["replicas"]]
    assert replica["primary"] == f"127.0.0.1:{valkey_server.port}"
    assert replica["link"] == "up"
    assert f"replica of 127.0.0.1:{valkey_server.port}  link up" in text


def test_roles_that_differ_from_the_settings(valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> None:
    location = [f"{replica_server.url}/0", f"{valkey_server.url}/0"]  # the replica listed first
    with override_settings(CACHES={"default": entry(location)}):
        text, _ = run("ping")
    assert f"primary  {replica_server.url}/0  ok" in text and "role replica" in text
    assert f"replica  {valkey_server.url}/0  ok" in text and "role primary" in text


def test_ping_of_a_server_that_is_down() -> None:
    url = f"valkey://:s3cret@127.0.0.1:{free_port()}/0"
    out = io.StringIO()
    with override_settings(CACHES={"default": entry(url, OPTIONS={"SOCKET_CONNECT_TIMEOUT": 0.5})}):
        with pytest.raises(CommandError, match="some servers did not answer"):
            call_command("valkey", "ping", stdout=out)
        assert "FAILED  ConnectionError: " in out.getvalue() and "s3cret" not in out.getvalue()
        out = io.StringIO()
        with pytest.raises(CommandError, match="did not answer"):
            call_command("valkey", "ping", "--format=json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    [primary] = report["servers"]
    assert primary["ok"] is False and "Connection" in primary["error"]
    assert "s3cret" not in out.getvalue() and ":***@" in primary["address"]


@pytest.fixture(scope="module")
def password_server() -> Iterator[ValkeyProcess]:
    server = ValkeyProcess().start()
    with server.client() as conn:
        conn.config_set("requirepass", "s3cret-pw")
    yield server
    server.cleanup()


@pytest.mark.parametrize("subcommand", ["ping", "info"])
@pytest.mark.parametrize("output", ["text", "json"])
def test_ping_and_info_redact_passwords(password_server: ValkeyProcess, subcommand: str, output: str) -> None:
    url = f"valkey://:s3cret-pw@127.0.0.1:{password_server.port}/0?password=s3cret-pw"
    with override_settings(CACHES={"default": entry(url, KEY_PREFIX="p")}):
        out, err = run(subcommand, f"--format={output}")
    assert "s3cret" not in out + err
    assert "***" in out
    assert (json.loads(out)["ok"] if output == "json" else "FAILED" not in out) is True


# ---------------------------------------------------------------- info


def test_info(server: ValkeyProcess) -> None:
    fill("default", [f"item{i}" for i in range(30)])
    fill("other", [f"post{i}" for i in range(5)])
    from django.core.cache import caches

    for i in range(10):
        caches["default"].get(f"item{i}")  # hits
    caches["default"].get("missing")
    report = run_json("info")
    assert (report["prefix"], report["pattern"], report["keys_under_prefix"]) == ("shop", "shop:*:*", 30)
    [primary] = report["servers"]
    assert primary["db_keys"] == 35
    assert primary["keyspace_hits"] >= 10 and primary["keyspace_misses"] >= 1
    assert primary["hit_ratio"] == round(
        primary["keyspace_hits"] / (primary["keyspace_hits"] + primary["keyspace_misses"]), 4
    )
    assert isinstance(primary["used_memory"], int) and primary["used_memory_human"]
    assert primary["connected_clients"] >= 1
    assert primary["evicted_keys"] == 0
    assert run_json("info", "--cache=other")["keys_under_prefix"] == 5
    text, _ = run("info")
    assert "keys under KEY_PREFIX 'shop' (shop:*:*): 30" in text
    assert "keys in the database 35" in text


def test_info_counts_every_version(server: ValkeyProcess) -> None:
    from django.core.cache import caches

    caches["default"].set("a", 1, version=1)
    caches["default"].set("a", 2, version=7)
    assert run_json("info")["keys_under_prefix"] == 2


# ---------------------------------------------------------------- keys


def test_keys_lists_this_caches_keys(server: ValkeyProcess) -> None:
    fill("default", ["user:1", "user:2", "user:3", "order:1"])
    fill("other", ["user:9"])  # same user key shape, another prefix: not listed
    report = run_json("keys", "user:*")
    assert report["pattern"] == "shop:1:user:*"
    assert sorted(report["keys"]) == ["user:1", "user:2", "user:3"]
    assert (report["count"], report["truncated"]) == (3, False)
    text, err = run("keys", "user:*")
    assert sorted(text.split()) == ["user:1", "user:2", "user:3"] and err == ""
    assert run_json("keys", "user:*", "--cache=other")["keys"] == ["user:9"]


def test_keys_limit(server: ValkeyProcess) -> None:
    fill("default", [f"k{i}" for i in range(50)])
    report = run_json("keys", "k*", "--limit=10", "--batch-size=7")
    assert (report["count"], report["truncated"]) == (10, True)
    assert len(set(report["keys"])) == 10
    out, err = run("keys", "k*", "--limit=10")
    assert len(out.split()) == 10
    assert "the first 10 keys matching 'shop:1:k*'; --limit 0 lists them all" in err
    assert run_json("keys", "k*", "--limit=0")["count"] == 50
    with pytest.raises(CommandError, match="--limit"):
        run("keys", "k*", "--limit=-1")


def test_keys_of_another_version(server: ValkeyProcess) -> None:
    from django.core.cache import caches

    caches["default"].set("v", 1, version=3)
    assert run_json("keys", "*")["keys"] == []
    assert run_json("keys", "*", "--key-version=3")["keys"] == ["v"]


def test_keys_glob_in_the_prefix_is_literal(server: ValkeyProcess) -> None:
    with override_settings(CACHES={"default": entry(f"{server.url}/0", KEY_PREFIX="a*")}):
        fill("default", ["x"])
        with server.client() as conn:
            conn.set("ab:1:x", "not ours")
        assert run_json("keys", "*")["keys"] == ["x"]


# ---------------------------------------------------------------- delete-pattern


def test_delete_pattern_dry_run(server: ValkeyProcess) -> None:
    fill("default", ["report:1", "report:2", "keep"])
    report = run_json("delete-pattern", "report:*", "--dry-run")
    assert (report["matched"], report["deleted"], report["dry_run"]) == (2, 0, True)
    assert len(stored(server)) == 3
    text, _ = run("delete-pattern", "report:*", "--dry-run")
    assert text == "2 keys matching 'shop:1:report:*'; dry run: nothing was deleted.\n"


def test_delete_pattern_with_yes(server: ValkeyProcess) -> None:
    fill("default", ["report:1", "report:2", "keep"])
    fill("other", ["report:1"])
    report = run_json("delete-pattern", "report:*", "--yes")
    assert (report["pattern"], report["deleted"], report["dry_run"]) == ("shop:1:report:*", 2, False)
    assert report["matched"] is None  # not counted: no question, no progress bar
    assert stored(server) == {"shop:1:keep", "blog:1:report:1"}


@pytest.mark.parametrize("flag", ["--noinput", "--no-input", "-y"])
def test_delete_pattern_noinput_aliases(server: ValkeyProcess, flag: str) -> None:
    fill("default", ["a", "b"])
    out, _ = run("delete-pattern", "*", flag)
    assert out == "Deleted 2 keys matching 'shop:1:*'.\n"


@pytest.mark.parametrize("answer, deleted", [("yes", True), ("no", False), ("", False), (None, False)])
def test_delete_pattern_asks_first(
    server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch, answer: str | None, deleted: bool
) -> None:
    fill("default", ["a", "b", "c"])
    questions: list[str] = []

    def fake_input(prompt: str) -> str:
        questions.append(prompt)
        if answer is None:
            raise EOFError
        return answer

    monkeypatch.setattr(builtins, "input", fake_input)
    out, _ = run("delete-pattern", "*")
    [question] = questions
    assert f"This deletes the 3 keys matching 'shop:1:*' in CACHES['default'] ({server.url}/0)." in question
    assert "Type 'yes' to continue" in question
    if deleted:
        assert out == "Deleted 3 keys matching 'shop:1:*'.\n" and stored(server) == set()
    else:
        assert out == "Cancelled: nothing was deleted.\n" and len(stored(server)) == 3


def test_delete_pattern_with_nothing_to_delete_does_not_ask(
    server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtins, "input", lambda prompt: pytest.fail("asked"))
    out, _ = run("delete-pattern", "nothing*")
    assert out == "Deleted 0 keys matching 'shop:1:nothing*'.\n"


def test_delete_pattern_in_batches_with_a_progress_bar(server: ValkeyProcess) -> None:
    with server.client() as conn:
        pipe = conn.pipeline(transaction=False)
        for i in range(20_000):
            pipe.set(f"shop:1:bulk{i}", 1)
        pipe.set("shop:1:other", 1)
        pipe.execute()
    out, err = run("delete-pattern", "bulk*", "--yes", "--progress", "--batch-size=500", "--format=json")
    report = json.loads(out)
    assert (report["matched"], report["deleted"]) == (20_000, 20_000)
    assert stored(server) == {"shop:1:other"}
    assert err.startswith("\r") and err.endswith("\n")
    last = err.rstrip("\n").split("\r")[-1]
    assert "[" + "#" * Progress.WIDTH + "] 100%  20,000/20,000 keys" in last


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(server: ValkeyProcess) -> None:
    fill("default", [f"k{i}" for i in range(30)])
    err = Terminal()
    call_command("valkey", "delete-pattern", "*", "--yes", stdout=io.StringIO(), stderr=err)
    assert "100%  30/30 keys" in err.getvalue()
    fill("default", ["a"])
    err = Terminal()
    call_command("valkey", "delete-pattern", "*", "--yes", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_no_progress_bar_unless_on_a_terminal(server: ValkeyProcess) -> None:
    fill("default", ["a", "b"])
    _, err = run("delete-pattern", "*", "--yes")
    assert err == ""
    fill("default", ["a", "b"])
    _, err = run("delete-pattern", "*", "--yes", "--no-progress")
    assert err == ""


def test_delete_pattern_on_the_async_backend(server: ValkeyProcess) -> None:
    fill("default", ["x1", "x2", "y"])  # the async cache has the same prefix and database
    report = run_json("delete-pattern", "x*", "--cache=async", "--yes")
    assert report["backend"] == "django_valkey.async_cache.cache.AsyncValkeyCache"
    assert report["deleted"] == 2
    assert run_json("keys", "*", "--cache=async")["keys"] == ["y"]
    assert run_json("ping", "--cache=async")["ok"] is True


# ---------------------------------------------------------------- clear


def test_clear_prefix_only(server: ValkeyProcess) -> None:
    from django.core.cache import caches

    fill("default", ["a", "b"])
    caches["default"].set("c", 1, version=2)
    fill("other", ["a"])
    with server.client() as conn:
        conn.set("shopping", 1)  # starts like the prefix, but is not under "shop:"
    dry = run_json("clear", "--prefix-only", "--dry-run")
    assert (dry["scope"], dry["pattern"], dry["matched"], dry["deleted"]) == ("prefix", "shop:*:*", 3, 0)
    report = run_json("clear", "--prefix-only", "--yes")
    assert report["deleted"] == 3
    assert stored(server) == {"blog:1:a", "shopping"}


def test_clear_the_whole_database(server: ValkeyProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    fill("default", ["a", "b"])
    fill("other", ["c"])
    dry = run_json("clear", "--dry-run")
    assert (dry["scope"], dry["matched"], dry["deleted"]) == ("database", 3, 0)
    questions: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda prompt: questions.append(prompt) or "no")
    out, _ = run("clear")
    assert "every key in the database of CACHES['default']" in questions[0] and "3 keys" in questions[0]
    assert out == "Cancelled: nothing was deleted.\n" and len(stored(server)) == 3
    out, _ = run("clear", "--yes")
    assert out == "Deleted 3 keys in the database.\n"
    assert stored(server) == set()


def test_herd_client(server: ValkeyProcess) -> None:
    herd = entry(f"{server.url}/0", KEY_PREFIX="h", OPTIONS={"CLIENT_CLASS": "django_valkey.client.HerdClient"})
    with override_settings(CACHES={"default": herd}):
        fill("default", ["a", "b"])
        assert run_json("ping")["ok"] is True
        assert sorted(run_json("keys", "*")["keys"]) == ["a", "b"]
        assert run_json("delete-pattern", "*", "--yes")["deleted"] == 2


# ---------------------------------------------------------------- errors


def test_system_checks_are_not_run_first(server: ValkeyProcess) -> None:
    caches = {"default": entry(f"{server.url}/0"), "broken": entry("http://127.0.0.1/0")}
    with override_settings(CACHES=caches):
        assert run_json("ping")["ok"] is True


def test_unknown_alias() -> None:
    with pytest.raises(CommandError, match="no cache 'nope' in CACHES"):
        run("ping", "--cache=nope")


def test_not_a_valkey_cache() -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=caches), pytest.raises(CommandError, match="not a django-valkey cache"):
        run("ping")


def test_a_cache_that_cannot_be_built() -> None:
    broken = entry("valkey://:s3cret@127.0.0.1:1/0", OPTIONS={"SOCKET_TIMOUT": 1})
    with override_settings(CACHES={"default": broken}), pytest.raises(CommandError, match="did you mean") as caught:
        run("ping")
    assert "s3cret" not in str(caught.value)


def test_a_subcommand_is_required() -> None:
    with pytest.raises(CommandError):
        call_command("valkey", stdout=io.StringIO())


def test_connection_errors_are_command_errors() -> None:
    url = f"valkey://:s3cret@127.0.0.1:{free_port()}/0"
    with override_settings(CACHES={"default": entry(url, OPTIONS={"SOCKET_CONNECT_TIMEOUT": 0.5})}):
        for args in (["keys", "*"], ["delete-pattern", "*", "--yes"], ["clear", "--dry-run"], ["info"]):
            with pytest.raises(CommandError) as caught:
                run(*args)
            assert "s3cret" not in str(caught.value)


# ---------------------------------------------------------------- the progress bar itself


def test_progress_bar_drawing() -> None:
    now = [0.0]
    drawn: list[str] = []
    bar = Progress(drawn.append, 1000, clock=lambda: now[0], interval=0.1)
    bar.advance(100)  # first update: drawn at once
    now[0] = 0.05
    bar.advance(100)  # within the interval: not drawn
    now[0] = 1.0
    bar.advance(300)
    bar.close()
    assert drawn[0] == "\rdeleting [###...........................]  10%  100/1,000 keys"
    assert len(drawn) == 4 and drawn[-1] == "\n"
    assert drawn[1] == "\rdeleting [###############...............]  50%  500/1,000 keys  500 keys/s"


def test_progress_without_a_total() -> None:
    now = [0.0]
    drawn: list[str] = []
    bar = Progress(drawn.append, None, clock=lambda: now[0])
    now[0] = 2.0
    bar.advance(5000)
    assert drawn == ["\rdeleting 5,000 keys  2,500 keys/s"]
