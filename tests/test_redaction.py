"""Credentials never show where the package renders a server: reprs, errors, logs, the demo, and
Django's DEBUG page. Real servers: one started with ``--requirepass``."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import valkey
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response
from valkey.credentials import UsernamePasswordCredentialProvider

from django_valkey.exceptions import CommandNotPermitted, ConnectionInterrupted
from tests.helpers import cache_params, make, make_async
from tests.servers import ValkeyProcess, free_port

SECRET = "s3cret"  # the server's password
SENTINEL_SECRET = "sentinel-pw-4711"
WRONG_SECRET = "wrong-pw-0815"  # a password the server does not take (an old one, say)
ROOT = Path(__file__).resolve().parent.parent


class LockedProcess(ValkeyProcess):
    """A ``ValkeyProcess`` whose own client (readiness check included) sends the password:
    without it, PING gets NOAUTH, which valkey-py raises as a ConnectionError."""

    def client(self, **kwargs: object) -> valkey.Valkey:
        return super().client(password=SECRET, **kwargs)


@pytest.fixture(scope="module")
def locked_server() -> Iterator[ValkeyProcess]:
    """A valkey-server that requires the password ``SECRET``."""
    server = LockedProcess("--requirepass", SECRET)
    server.start()
    yield server
    server.cleanup()


def url(server: ValkeyProcess, userinfo: str = f":{SECRET}", db: int = 0) -> str:
    return f"valkey://{userinfo}@127.0.0.1:{server.port}/{db}"


def dead_url(userinfo: str = f":{SECRET}") -> str:
    return f"valkey://{userinfo}@127.0.0.1:{free_port()}/0"


def assert_hidden(text: str, *secrets: str) -> None:
    for secret in secrets or (SECRET,):
        assert secret not in text, text


def locals_text(error: BaseException | None) -> str:
    """The reprs of every local of every frame of ``error`` and the errors chained to it, but the
    frames of this test module: what an error tracker that captures locals (or Django's DEBUG
    page) would show of the package's and valkey-py's frames."""
    shown: list[str] = []
    while error is not None:
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_globals.get("__name__") != __name__:
                shown += [f"{name}={value!r}" for name, value in tb.tb_frame.f_locals.items()]
            tb = tb.tb_next
        error = error.__cause__ or error.__context__
    return "\n".join(shown)


# --- the redaction function itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("valkey://:s3cret@host:6379/0", "valkey://:***@host:6379/0"),
        ("valkey://bob:s3cret@host:6379/0", "valkey://bob:***@host:6379/0"),
        ("valkeys://bob:s3cret@host/1?protocol=3", "valkeys://bob:***@host/1?protocol=3"),
        ("unix://bob:s3cret@/run/valkey.sock?db=2", "unix://bob:***@/run/valkey.sock?db=2"),
        ("valkey://host:6379/0?password=s3cret&db=1", "valkey://host:6379/0?password=***&db=1"),
        ("unix:///run/valkey.sock?db=2&password=s3cret", "unix:///run/valkey.sock?db=2&password=***"),
        ("valkey://a:s3cret@h1/0, valkey://b:s3cret@h2/0", "valkey://a:***@h1/0, valkey://b:***@h2/0"),
        ("valkey://:s3/cr@et@host/0", "valkey://:***@host/0"),  # '/' and '@' not percent-encoded
        ("valkey://:s3%40cret@host/0", "valkey://:***@host/0"),
        ("valkey://bob@host/0", "valkey://bob@host/0"),  # a user name alone is not a secret
        ("valkey://host:6379/0", "valkey://host:6379/0"),
        ("valkey://host/0?client_name=a@b", "valkey://host/0?client_name=a@b"),
        ("", ""),
    ],
)
def test_redact_url(given: str, shown: str) -> None:
    from django_valkey._redact import redact_url

    assert redact_url(given) == shown


def test_redaction_never_raises_on_garbage() -> None:
    from django_valkey._redact import redact_text, redact_url, safe_repr

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    for garbage in ["://", "valkey://", "valkey://:@", "@@::", "valkey://[::1", "\x00://:x@", "?password"]:
        assert isinstance(redact_url(garbage), str)
        assert isinstance(redact_text(garbage), str)
    assert "Hostile" in safe_repr(Hostile())
    assert safe_repr(None) == "None"
    assert safe_repr(["valkey://:s3cret@h/0", 5]) == "['valkey://:***@h/0', 5]"
    assert_hidden(safe_repr({"password": SECRET, "nested": {"sentinel_password": SECRET}}))
    assert_hidden(safe_repr([("password", SECRET)]))
    assert safe_repr({"socket_timeout": 1}) == "{'socket_timeout': 1}"
    assert_hidden(redact_text(f"LOCATION 'valkey://bob:{SECRET}@h/0' and \"unix://:{SECRET}@/s\""))


# --- reprs ---------------------------------------------------------------------------------------


def test_repr_of_cache_and_client_hides_the_url_password(locked_server: ValkeyProcess) -> None:
    cache = make(url(locked_server), KEY_PREFIX="redact")
    cache.set("k", 1)
    assert cache.get("k") == 1  # the password in the URL really is used
    assert repr(cache) == f"<ValkeyCache 'valkey://:***@127.0.0.1:{locked_server.port}/0'>"
    assert_hidden(repr(cache.client))
    assert "127.0.0.1" in repr(cache.client)
    assert_hidden(repr(cache.get_client()))  # valkey-py's own repr shows host, port and db only
    assert cache.client.servers == [url(locked_server)]  # the config itself is left as given
    cache.client.close()


def test_repr_keeps_the_user_name_and_hides_every_server_password(locked_server: ValkeyProcess) -> None:
    # Both entries name the same server and database, so a read from the "replica" sees the write.
    primary = replica = url(locked_server, f"default:{SECRET}")
    for location in (f"{primary},{replica}", [primary, replica]):
        cache = make(location, KEY_PREFIX="redact")
        cache.set("k", 2)
        assert cache.get("k") == 2
        for text in (repr(cache), repr(cache.client)):
            assert_hidden(text)
            assert text.count("default:***@") == 2, text
        cache.client.close()


def test_password_option_and_credential_provider_do_not_show(locked_server: ValkeyProcess) -> None:
    plain = f"valkey://127.0.0.1:{locked_server.port}/0"
    with_option = make(plain, PASSWORD=SECRET, KEY_PREFIX="redact")
    provider = make(
        plain,
        KEY_PREFIX="redact",
        CONNECTION_POOL_KWARGS={"credential_provider": UsernamePasswordCredentialProvider("default", SECRET)},
    )
    query = make(f"{plain}?password={SECRET}", KEY_PREFIX="redact")
    user_in_url = make(f"valkey://default@127.0.0.1:{locked_server.port}/0", PASSWORD=SECRET, KEY_PREFIX="redact")
    for cache in (with_option, provider, query, user_in_url):
        cache.set("k", 3)
        assert cache.get("k") == 3
        for text in (repr(cache), repr(cache.client), repr(cache.get_client())):
            assert_hidden(text)
        cache.client.close()


async def test_async_cache_and_client_reprs(locked_server: ValkeyProcess) -> None:
    cache = make_async(url(locked_server, f"default:{SECRET}"), KEY_PREFIX="redact-async")
    await cache.set("k", 4)
    assert await cache.get("k") == 4
    assert_hidden(repr(cache))
    assert_hidden(repr(cache.client))
    assert "default:***@" in repr(cache) and "default:***@" in repr(cache.client)
    await cache.aclose()


# --- configuration errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        f"valkey://:{SECRET}@127.0.0.1:6379/abc",  # the database is not a number
        f"valkey://bob:{SECRET}@127.0.0.1:6379/0?db=x",
        f"http://bob:{SECRET}@127.0.0.1:6379/0",  # no supported scheme
        f"127.0.0.1:6379?password={SECRET}",
    ],
)
def test_improperly_configured_for_a_bad_location(location: str) -> None:
    cache = make(location)
    with pytest.raises(ImproperlyConfigured) as caught:
        cache.get("k")
    assert "LOCATION" in str(caught.value)
    assert_hidden(str(caught.value))
    assert_hidden(repr(caught.value))


def test_sentinel_configuration_errors_hide_passwords() -> None:
    sentinel = "django_valkey.client.SentinelClient"
    bad_url = make(f"valkey://bob:{SECRET}@mymaster/zero", CLIENT_CLASS=sentinel, SENTINELS=[("127.0.0.1", 1)])
    bad_entry = make("valkey://mymaster/0", CLIENT_CLASS=sentinel, SENTINELS=[f"valkey://:{SECRET}@10.0.0.1:26379"])
    bad_kwargs = make(
        "valkey://mymaster/0",
        CLIENT_CLASS=sentinel,
        SENTINELS=[("127.0.0.1", 1)],
        SENTINEL_KWARGS=[("password", SECRET)],
    )
    for cache in (bad_url, bad_entry, bad_kwargs):
        with pytest.raises(ImproperlyConfigured) as caught:
            cache.get("k")
        assert_hidden(str(caught.value))
        assert_hidden(repr(caught.value))


def test_shard_client_duplicate_server_error_hides_passwords() -> None:
    location = [f"valkey://:{SECRET}@127.0.0.1:1/0", f"valkey://:{SECRET}@127.0.0.1:1/0"]
    with pytest.raises(ImproperlyConfigured) as caught:
        make(location, CLIENT_CLASS="django_valkey.client.ShardClient").get("k")
    assert "twice" in str(caught.value)
    assert_hidden(str(caught.value))


def test_parsed_sentinel_url_repr_hides_the_password() -> None:
    from django_valkey._sentinel import SentinelURL

    parsed = SentinelURL.parse(f"valkey://bob:{SECRET}@mymaster/0")
    assert parsed.password == SECRET
    assert_hidden(repr(parsed))
    assert "bob" in repr(parsed)


# --- runtime errors and their log lines ------------------------------------------------------


@pytest.mark.parametrize("where", ["closed port", "wrong password"])
def test_connection_errors_and_their_log_lines(
    where: str, locked_server: ValkeyProcess, caplog: pytest.LogCaptureFixture
) -> None:
    # The wrong password is a secret too (it may be the one the server had before a rotation).
    secret = SECRET if where == "closed port" else WRONG_SECRET
    location = dead_url() if where == "closed port" else url(locked_server, f":{WRONG_SECRET}")
    strict = make(location, SOCKET_CONNECT_TIMEOUT=0.5)
    # A closed port means the cache is unavailable; a refused login is a misconfiguration.
    expected = ConnectionInterrupted if where == "closed port" else CommandNotPermitted
    with pytest.raises(expected) as caught:
        strict.get("k")
    assert_hidden(str(caught.value), secret)
    assert_hidden(repr(caught.value), secret)
    assert caught.value.__cause__ is not None
    assert_hidden(str(caught.value.__cause__), secret)
    assert_hidden(locals_text(caught.value), secret)

    if where == "wrong password":
        return  # never ignored: raised above, whatever IGNORE_EXCEPTIONS says (tests/test_error_policy.py)
    lenient = make(location, SOCKET_CONNECT_TIMEOUT=0.5, IGNORE_EXCEPTIONS=True, LOG_IGNORED_EXCEPTIONS=True)
    with caplog.at_level(logging.WARNING, logger="django_valkey"):
        assert lenient.get("k", "fallback") == "fallback"
    assert caplog.records, "the ignored error was not logged"
    for record in caplog.records:
        assert_hidden(record.getMessage(), secret)
        assert record.exc_info is not None
        assert_hidden(locals_text(record.exc_info[1]), secret)
    assert_hidden(caplog.text, secret)  # the formatted lines, tracebacks included


def test_sentinel_cache_reprs_and_errors_hide_both_passwords(caplog: pytest.LogCaptureFixture) -> None:
    # No sentinel listens on the port: the cache is built, reprs are taken, the call fails.
    options: dict[str, Any] = {
        "CLIENT_CLASS": "django_valkey.client.SentinelClient",
        "SENTINELS": [("127.0.0.1", free_port())],
        "SENTINEL_KWARGS": {"password": SENTINEL_SECRET, "socket_timeout": 0.5},
        "SOCKET_CONNECT_TIMEOUT": 0.5,
    }
    cache = make(f"valkey://bob:{SECRET}@mymaster/0", **options)
    for text in (repr(cache), repr(cache.client)):
        assert_hidden(text, SECRET, SENTINEL_SECRET)
        assert "mymaster" in text
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.get("k")
    assert_hidden(str(caught.value), SECRET, SENTINEL_SECRET)
    assert_hidden(str(caught.value.__cause__), SECRET, SENTINEL_SECRET)
    lenient = make(f"valkey://bob:{SECRET}@mymaster/0", **options, IGNORE_EXCEPTIONS=True, LOG_IGNORED_EXCEPTIONS=True)
    with caplog.at_level(logging.WARNING, logger="django_valkey"):
        assert lenient.get("k", "fallback") == "fallback"
    assert caplog.records
    assert_hidden(caplog.text, SECRET, SENTINEL_SECRET)


async def test_async_sentinel_cache_reprs() -> None:
    cache = make_async(
        f"valkey://bob:{SECRET}@mymaster/0",
        CLIENT_CLASS="django_valkey.async_cache.client.AsyncSentinelClient",
        SENTINELS=[("127.0.0.1", free_port())],
        SENTINEL_KWARGS={"password": SENTINEL_SECRET},
    )
    for text in (repr(cache), repr(cache.client)):
        assert_hidden(text, SECRET, SENTINEL_SECRET)


# --- Django's DEBUG page -----------------------------------------------------------------------


def debug_page(view: Any) -> str:
    """The technical 500 page Django renders with DEBUG on for the exception ``view`` raises."""
    request = RequestFactory().get("/boom")
    try:
        view(request)
    except Exception:
        response = technical_500_response(request, *sys.exc_info())
    else:
        raise AssertionError("the view did not raise")
    return response.content.decode()


def test_debug_page_of_a_view_holding_a_working_cache(locked_server: ValkeyProcess) -> None:
    def view(request: Any) -> None:
        cache = make(url(locked_server, f"default:{SECRET}"), KEY_PREFIX="redact")
        client = cache.client
        cache.set("visits", 1)
        raise ValueError(f"the view failed after {cache.get('visits')} visit with {client}")

    page = debug_page(view)
    assert "ValueError" in page and "ValkeyCache" in page  # the cache local is on the page
    assert_hidden(page)


def test_debug_page_of_a_view_whose_cache_is_down() -> None:
    def view(request: Any) -> None:
        cache = make(dead_url(f"default:{SECRET}"), SOCKET_CONNECT_TIMEOUT=0.5)
        cache.get("k")

    page = debug_page(view)
    assert "ConnectionInterrupted" in page
    assert_hidden(page)


# --- the demo ------------------------------------------------------------------------------------


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django_valkey", "demo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_demo_with_a_password_in_location(locked_server: ValkeyProcess) -> None:
    done = run_demo("--location", url(locked_server, f"default:{SECRET}", db=9))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"against valkey://default:***@127.0.0.1:{locked_server.port}/9" in done.stdout
    assert_hidden(done.stdout + done.stderr)


def test_demo_with_an_unreachable_location_and_a_password() -> None:
    done = run_demo("--location", dead_url(f"default:{SECRET}"))
    assert done.returncode == 1
    assert "error: cannot reach valkey://default:***@127.0.0.1:" in done.stdout
    assert_hidden(done.stdout + done.stderr)


def test_debug_page_of_a_view_whose_cache_has_a_wrong_password(locked_server: ValkeyProcess) -> None:
    # Before, valkey-py's on_connect frame showed its local auth_args = ('default', WRONG_SECRET).
    def view(request: Any) -> None:
        cache = make(url(locked_server, f"default:{WRONG_SECRET}"), SOCKET_CONNECT_TIMEOUT=0.5)
        cache.get("k")

    page = debug_page(view)
    assert "ConnectionInterrupted" in page and "AuthenticationError" in page
    assert_hidden(page, WRONG_SECRET)


def test_debug_page_of_a_view_whose_cache_location_is_bad() -> None:
    def view(request: Any) -> None:
        make(f"valkey://default:{SECRET}@127.0.0.1:1/abc").get("k")

    page = debug_page(view)
    assert "ImproperlyConfigured" in page and "the database must be a number" in page
    assert_hidden(page)


async def test_async_cache_with_a_wrong_password(locked_server: ValkeyProcess) -> None:
    cache = make_async(url(locked_server, f"default:{WRONG_SECRET}"), SOCKET_CONNECT_TIMEOUT=0.5)
    with pytest.raises(CommandNotPermitted) as caught:
        await cache.get("k")
    assert "invalid username-password pair" in str(caught.value.__cause__)
    assert_hidden(repr(cache) + repr(cache.client), WRONG_SECRET)
    assert_hidden(locals_text(caught.value), WRONG_SECRET)  # valkey.asyncio's AUTH frame is gone
    await cache.aclose()


def test_debug_page_settings_dump_hides_password_options_but_not_a_url_password(locked_server: ValkeyProcess) -> None:
    # Django's own rule, which the docs point to: it masks settings *named* like a secret
    # (OPTIONS["PASSWORD"], SENTINEL_KWARGS["password"]) but shows LOCATION as written.
    def view(request: Any) -> None:
        raise ValueError("boom")

    plain = f"valkey://127.0.0.1:{locked_server.port}/0"
    options = cache_params(plain, PASSWORD=SECRET, SENTINEL_KWARGS={"password": SENTINEL_SECRET})
    with override_settings(CACHES={"default": options}):
        assert_hidden(debug_page(view), SECRET, SENTINEL_SECRET)
    with override_settings(CACHES={"default": cache_params(url(locked_server))}):
        assert SECRET in debug_page(view)


def test_drop_secret_frames_keeps_every_frame_without_a_credential() -> None:
    from django_valkey._redact import drop_secret_frames

    def frames(error: BaseException) -> list[str]:
        names: list[str] = []
        tb = error.__traceback__
        while tb is not None:
            names.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        return names

    def raised(name: str, value: object, module: str = "valkey.fake_connection") -> BaseException:
        """An error raised through outer() -> holder() -> leaf(), holder's local ``name`` = ``value``,
        all three "in" ``module``."""
        source = f"def leaf():\n    raise OSError('timed out')\n\ndef holder():\n    {name} = VALUE\n    leaf()\n\ndef outer():\n    holder()\n"
        namespace: dict[str, Any] = {"__name__": module, "VALUE": value}
        exec(compile(source, "<fake>", "exec"), namespace)
        try:
            namespace["outer"]()
        except OSError as error:
            return error
        raise AssertionError("no error")

    secrets: list[tuple[str, object]]
    packed = b"*3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\n" + SECRET.encode()
    secrets = [
        ("auth_args", ("default", SECRET)),  # valkey-py's on_connect
        ("password", SECRET),
        ("args", ("AUTH", "default", SECRET)),  # send_command
        ("command", [packed]),  # send_packed_command
        ("location", f"valkey://:{SECRET}@h/0"),
        ("kwargs", {"password": SECRET, "db": 0}),
    ]
    for name, value in secrets:
        error = raised(name, value)
        assert frames(error)[-3:] == ["outer", "holder", "leaf"]
        drop_secret_frames(error)
        assert frames(error)[-2:] == ["outer", "leaf"], name  # only the frame with the secret goes
        assert_hidden(locals_text(error))

    harmless: list[tuple[str, object]] = [
        ("username", "default"),
        ("where", "valkey://127.0.0.1:6379/0"),
        ("password", None),
    ]
    for name, value in harmless:
        error = raised(name, value)
        drop_secret_frames(error)
        assert frames(error)[-3:] == ["outer", "holder", "leaf"], name  # nothing secret: kept
    # Code that is neither valkey-py's nor django-valkey's is never touched.
    error = raised("password", SECRET, module="myproject.views")
    drop_secret_frames(error)
    assert frames(error)[-3:] == ["outer", "holder", "leaf"]
