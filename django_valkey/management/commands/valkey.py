"""``manage.py valkey``: look into and tidy up a django-valkey cache.

Subcommands, each with ``--cache ALIAS`` (default ``default``) and ``--format text|json``:

- ``ping``: latency, server version and role of every server, and the topology (the replicas a
  primary reports, the sentinels, the cluster's nodes and state);
- ``info``: memory, hit ratio, connected clients, evicted and expired keys of every server, and
  the number of keys under the cache's KEY_PREFIX (counted with SCAN);
- ``keys PATTERN``: this cache's keys matching the glob PATTERN (SCAN, never KEYS), ``--limit``;
- ``delete-pattern PATTERN``: delete them (UNLINK in batches), ``--dry-run``, a confirmation
  unless ``--yes``;
- ``clear``: empty the cache's database(s), or with ``--prefix-only`` delete only the keys
  under its KEY_PREFIX.

``delete-pattern`` and ``clear --prefix-only`` draw a progress bar on stderr when it is a
terminal. Needs ``"django_valkey"`` in ``INSTALLED_APPS``. Works with every django-valkey backend,
sync or async, standalone, replicas, Sentinel, sharded or Cluster.
"""

from __future__ import annotations

import asyncio
import json
from argparse import ArgumentParser
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar, cast

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_valkey import _ops
from django_valkey._options import DEFAULT_SCAN_ITERSIZE
from django_valkey._redact import redact_url

__all__ = ["Command"]

R = TypeVar("R")

_SUBCOMMANDS = ("ping", "info", "keys", "delete-pattern", "clear")


class Command(BaseCommand):
    alias: str
    cache: Any
    json: bool
    itersize: int

    help = "Inspect a django-valkey cache (ping, info, keys) and delete its keys (delete-pattern, clear)."

    # An operations command: it must work while an unrelated part of the project fails its checks.
    requires_system_checks: list[str] | tuple[str, ...] | Literal["__all__"] = ()

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="{" + ",".join(_SUBCOMMANDS) + "}")
        subcommands.required = True

        def add(name: str, help_text: str) -> ArgumentParser:
            sub: ArgumentParser = subcommands.add_parser(name, help=help_text, description=help_text)
            sub.add_argument("--cache", default="default", help="the CACHES alias (default: %(default)s)")
            sub.add_argument("--format", choices=("text", "json"), default="text", help="output format")
            return sub

        add("ping", "Latency, version and role of every server of the cache, and its topology.")
        add("info", "Memory, hit ratio, clients, evictions of every server, and the keys under the cache's prefix.")
        keys = add("keys", "List the cache's keys matching a glob pattern (SCAN).")
        keys.add_argument("pattern", help="a glob over user keys, e.g. 'session*' (the cache's prefix is added)")
        keys.add_argument("--limit", type=int, default=100, help="at most this many keys (0: all; default 100)")
        self._version_argument(keys)
        self._batch_argument(keys)
        delete = add("delete-pattern", "Delete the cache's keys matching a glob pattern (SCAN and UNLINK).")
        delete.add_argument("pattern", help="a glob over user keys, e.g. 'report:*' (the cache's prefix is added)")
        self._version_argument(delete)
        self._deleting_arguments(delete)
        clear = add("clear", "Delete every key of the cache's database(s), or only those under its KEY_PREFIX.")
        clear.add_argument(
            "--prefix-only",
            action="store_true",
            help="delete only the keys under this cache's KEY_PREFIX (every version), not the whole database",
        )
        self._deleting_arguments(clear)

    @staticmethod
    def _version_argument(parser: ArgumentParser) -> None:
        parser.add_argument("--key-version", type=int, default=None, help="the key VERSION (default: the cache's)")

    @staticmethod
    def _batch_argument(parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="keys per SCAN round trip (and per UNLINK); default: the cache's SCAN_ITERSIZE",
        )

    def _deleting_arguments(self, parser: ArgumentParser) -> None:
        self._batch_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            "-y",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="draw a progress bar on stderr (default: when stderr is a terminal)",
        )
        parser.add_argument("--no-progress", action="store_false", dest="progress", help="no progress bar")

    # ---------------------------------------------------------------- running

    def handle(self, *args: Any, **options: Any) -> None:
        alias: str = options["cache"]
        self.alias = alias
        self.cache = self._cache(alias)
        self.json = options["format"] == "json"
        self.itersize = self._itersize(options.get("batch_size"))
        handler: Callable[[dict[str, Any]], None] = {
            "ping": self.ping,
            "info": self.info,
            "keys": self.keys,
            "delete-pattern": self.delete_pattern,
            "clear": self.clear,
        }[options["subcommand"]]
        handler(options)

    def _cache(self, alias: str) -> Any:
        from django_valkey.base import BaseValkeyCache

        if alias not in settings.CACHES:
            raise CommandError(f"no cache {alias!r} in CACHES (there are: {', '.join(map(repr, settings.CACHES))})")
        try:
            cache = caches[alias]
        except InvalidCacheBackendError as exc:
            raise CommandError(f"CACHES[{alias!r}]: {_ops.describe_error(exc)}") from None
        except Exception as exc:
            raise CommandError(f"CACHES[{alias!r}] cannot be built: {_ops.describe_error(exc)}") from None
        if not _ops.is_instance(cache, BaseValkeyCache):
            kind = type(cache)
            raise CommandError(f"CACHES[{alias!r}] is {kind.__module__}.{kind.__qualname__}, not a django-valkey cache")
        return cache

    def _itersize(self, given: int | None) -> int:
        if given is not None:
            if given < 1:
                raise CommandError("--batch-size must be at least 1")
            return given
        from django_valkey._options import scan_itersize

        options: Any = settings.CACHES[self.alias].get("OPTIONS") or {}
        try:
            return scan_itersize(options)
        except Exception:
            return DEFAULT_SCAN_ITERSIZE

    def _run(self, work: Callable[[], Coroutine[Any, Any, R]]) -> R:
        """``work()`` on a new event loop; a connection or server error becomes a CommandError."""
        try:
            return asyncio.run(work())
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(f"CACHES[{self.alias!r}]: {_ops.describe_error(exc)}") from None

    def _emit(self, data: dict[str, Any], text: Callable[[dict[str, Any]], None]) -> None:
        if self.json:
            kind = type(cast(object, self.cache))
            head = {"cache": self.alias, "backend": f"{kind.__module__}.{kind.__qualname__}"}
            self.stdout.write(json.dumps({**head, **data}, indent=2, default=str))
        else:
            text(data)

    def _header(self, data: dict[str, Any]) -> None:
        kind = type(cast(object, self.cache))
        self.stdout.write(f"CACHES[{self.alias!r}]: {kind.__module__}.{kind.__qualname__}, {data['topology']}")

    # ---------------------------------------------------------------- ping and info

    def ping(self, options: dict[str, Any]) -> None:
        report = self._run(lambda: _ops.ping_report(self.cache))
        self._emit(report, self._ping_text)
        if not report["ok"]:
            raise CommandError("some servers did not answer")

    def _ping_text(self, report: dict[str, Any]) -> None:
        self._header(report)
        for server in report["servers"]:
            self.stdout.write("  " + self._server_line(server))
            for replica in server.get("replicas", []):
                self.stdout.write(f"      replica {replica['address']}  {replica['state']}  lag {replica['lag']}")
            if "primary" in server:
                self.stdout.write(f"      replica of {server['primary']}  link {server['link']}")
        for sentinel in report.get("sentinels", []):
            self.stdout.write("  " + self._server_line(sentinel))
        cluster = report.get("cluster")
        if cluster:
            self.stdout.write(
                f"  cluster state {cluster['state']}, {cluster['known_nodes']} nodes, "
                f"{cluster['slots_ok']}/{cluster['slots_assigned']} slots ok"
            )

    def _server_line(self, server: dict[str, Any]) -> str:
        head = f"{server['expected_role']:<8} {server['address']}"
        if not server["ok"]:
            return self.style.ERROR(f"{head}  FAILED  {server['error']}")
        role = server.get("role")
        seen = f"  role {role}" if role and role != server["expected_role"] else ""
        return f"{head}  ok  {server['latency_ms']:.2f} ms  version {server['version']}{seen}"

    def info(self, options: dict[str, Any]) -> None:
        report = self._run(lambda: _ops.info_report(self.cache, self.itersize))
        self._emit(report, self._info_text)
        if not report["ok"]:
            raise CommandError("some servers did not answer")

    def _info_text(self, report: dict[str, Any]) -> None:
        self._header(report)
        for server in report["servers"]:
            if not server["ok"]:
                self.stdout.write("  " + self._server_line(server))
                continue
            ratio = server["hit_ratio"]
            maxmemory = server["maxmemory"] or "no limit"
            self.stdout.write(f"  {server['expected_role']:<8} {server['address']}")
            self.stdout.write(
                f"      memory {server['used_memory_human']} (maxmemory {maxmemory}, "
                f"policy {server['maxmemory_policy']})"
            )
            self.stdout.write(
                f"      hit ratio {'n/a' if ratio is None else f'{ratio:.2%}'} "
                f"({server['keyspace_hits']} hits, {server['keyspace_misses']} misses, whole server)"
            )
            self.stdout.write(
                f"      clients {server['connected_clients']}, evicted keys {server['evicted_keys']}, "
                f"expired keys {server['expired_keys']}, keys in the database {server['db_keys']}"
            )
        counted = report["keys_under_prefix"]
        shown = "not counted (a server did not answer)" if counted is None else f"{counted:,}"
        self.stdout.write(f"  keys under KEY_PREFIX {report['prefix']!r} ({report['pattern']}): {shown}")

    # ---------------------------------------------------------------- keys

    def keys(self, options: dict[str, Any]) -> None:
        limit: int = options["limit"]
        if limit < 0:
            raise CommandError("--limit must be 0 (no limit) or more")
        version: int | None = options["key_version"]
        pattern: str = options["pattern"]
        stored = str(self.cache.make_pattern(pattern, version))
        found, truncated = self._run(lambda: _ops.list_keys(self.cache, pattern, limit, version, self.itersize))
        if self.json:
            self._emit({"pattern": stored, "keys": found, "count": len(found), "truncated": truncated}, lambda _: None)
            return
        for key in found:
            self.stdout.write(key)
        if truncated:
            self.stderr.write(f"(the first {limit} keys matching {stored!r}; --limit 0 lists them all)")

    # ---------------------------------------------------------------- deleting

    def delete_pattern(self, options: dict[str, Any]) -> None:
        stored = str(self.cache.make_pattern(options["pattern"], options["key_version"]))
        self._delete(stored, options, "pattern")

    def clear(self, options: dict[str, Any]) -> None:
        if options["prefix_only"]:
            self._delete(_ops.prefix_pattern(self.cache), options, "prefix")
            return
        where = self._where()
        size = self._run(self._database_size)
        if options["dry_run"]:
            self._report({"scope": "database", "matched": size, "deleted": 0, "dry_run": True})
            return
        question = (
            f"This deletes every key in the database of CACHES[{self.alias!r}] ({where}): {_ops.plural(size, 'key')}, "
            "including keys that other caches or programs keep there."
        )
        if options["interactive"] and not self._confirm(question):
            return
        self._run(self._clear_all)
        self._report({"scope": "database", "matched": size, "deleted": size, "dry_run": False})

    async def _database_size(self) -> int:
        return await _ops.database_size(await _ops.topology(self.cache))

    async def _clear_all(self) -> None:
        await self.cache.aclear()

    def _where(self) -> str:
        location: object = settings.CACHES[self.alias].get("LOCATION", "")
        if isinstance(location, (list, tuple)):
            return ", ".join(redact_url(str(entry)) for entry in location)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        return redact_url(str(location))

    def _delete(self, pattern: str, options: dict[str, Any], scope: str) -> None:
        """Delete the stored keys matching ``pattern`` (``scope``: "pattern" or "prefix", for the report)."""
        show: bool | None = options["progress"]
        if show is None:
            show = _ops.stream_is_terminal(self.stderr)
        matched: int | None = None
        if options["dry_run"] or options["interactive"] or show:  # the bar's total
            matched = self._run(lambda: self._count(pattern))
        if options["dry_run"]:
            self._report({"scope": scope, "pattern": pattern, "matched": matched, "deleted": 0, "dry_run": True})
            return
        if matched == 0:
            self._report({"scope": scope, "pattern": pattern, "matched": 0, "deleted": 0, "dry_run": False})
            return
        if options["interactive"]:
            assert matched is not None
            question = (
                f"This deletes the {_ops.plural(matched, 'key')} matching {pattern!r} "
                f"in CACHES[{self.alias!r}] ({self._where()})."
            )
            if not self._confirm(question):
                return
        bar = _ops.Progress(self._draw, matched) if show else None
        try:
            deleted = self._run(lambda: self._unlink(pattern, bar))
        finally:
            if bar is not None:
                bar.close()
        self._report({"scope": scope, "pattern": pattern, "matched": matched, "deleted": deleted, "dry_run": False})

    def _draw(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()

    async def _count(self, pattern: str) -> int:
        return await _ops.count_matching(await _ops.topology(self.cache), pattern, self.itersize)

    async def _unlink(self, pattern: str, bar: _ops.Progress | None) -> int:
        topo = await _ops.topology(self.cache)
        return await _ops.delete_matching(topo, pattern, self.itersize, None if bar is None else bar.advance)

    def _confirm(self, question: str) -> bool:
        try:
            answer = input(f"{question}\nType 'yes' to continue, or 'no' to cancel: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() == "yes":
            return True
        self.stdout.write("Cancelled: nothing was deleted.")
        return False

    def _report(self, data: dict[str, Any]) -> None:
        def text(result: dict[str, Any]) -> None:
            matched: int | None = result["matched"]
            what = f"matching {result['pattern']!r}" if "pattern" in result else "in the database"
            if result["dry_run"]:
                self.stdout.write(f"{_ops.plural(matched or 0, 'key')} {what}; dry run: nothing was deleted.")
            else:
                self.stdout.write(f"Deleted {_ops.plural(result['deleted'], 'key')} {what}.")

        self._emit(data, text)
