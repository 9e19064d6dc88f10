"""Generate the sync (and plain-name async) command layers from their hand-written async source.

Each command is written once, as a coroutine, in ``django_valkey/_async/``. This script writes
the other modules from it, line by line, so comments, docstrings and signatures carry over:

- ``django_valkey/_sync/*.py``: ``async def`` -> ``def``, no ``await``/``async for``/``async
  with``, async names mapped to their sync twins (``AsyncIterator`` -> ``Iterator``...), and for
  the cache layer Django's ``a*`` names -> the plain names (``aget`` -> ``get``);
- ``django_valkey/_async/plain_cache_commands.py``: the ``a*`` coroutines again under the plain
  names, for ``AsyncValkeyCache`` (django-valkey 0.4's API), without an extra coroutine hop.

``python tools/unasync.py`` rewrites the generated files; ``--check`` (run by ``.ci/run``) fails
if any of them differs from what it would write.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_valkey"

# Async names and their sync twins, applied to whole words.
SYNC_NAMES = {
    "AsyncIterator": "Iterator",
    "AsyncGenerator": "Generator",
    "AsyncIterable": "Iterable",
    "AsyncLockProtocol": "LockProtocol",
    "AsyncRawClient": "RawClient",
    "AsyncClientProtocol": "ClientProtocol",
    "AsyncConnectionFactoryProtocol": "ConnectionFactoryProtocol",
    "AsyncClientCommands": "ClientCommands",
    "AsyncCacheCommands": "CacheCommands",
    "LoopClients": "ProcessClients",
    "async_client": "client",
    "_async_client": "_client",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "StopAsyncIteration": "StopIteration",
    "django_valkey._async.io": "django_valkey._sync.io",
    "django_valkey._async.client_commands": "django_valkey._sync.client_commands",
    "django_valkey._async.cache_commands": "django_valkey._sync.cache_commands",
    "AsyncValkeyCluster": "ValkeyCluster",
    "AsyncClusterTarget": "ClusterTarget",
    "AsyncClusterClientCommands": "ClusterClientCommands",
    "AsyncClusterCacheCommands": "ClusterCacheCommands",
    "AsyncClusterCommandsProtocol": "ClusterCommandsProtocol",
    "_async_cluster": "_cluster",
    "AsyncCachePipeline": "CachePipeline",
}


@dataclass
class Target:
    """One generated module: where from, where to, and how."""

    source: str
    target: str
    sync: bool  # drop async/await and map names to their sync twins
    strip_a: bool  # Django's a* method names -> the plain names
    names: dict[str, str] = field(default_factory=dict[str, str])


TARGETS = [
    Target("_async/client_commands.py", "_sync/client_commands.py", sync=True, strip_a=False),
    Target(
        "_async/cache_commands.py", "_sync/cache_commands.py", sync=True, strip_a=True, names={"apipeline": "pipeline"}
    ),
    Target(
        "_async/cache_commands.py",
        "_async/plain_cache_commands.py",
        sync=False,
        strip_a=True,
        names={"AsyncCacheCommands": "AsyncPlainCacheCommands", "apipeline": "pipeline"},
    ),
    Target("_async/cluster_client_commands.py", "_sync/cluster_client_commands.py", sync=True, strip_a=False),
    Target(
        "_async/glide.py",
        "_sync/glide.py",
        sync=True,
        strip_a=False,
        names={
            "from glide import": "from glide_sync import",
            "AsyncGlideConnectionFactory": "GlideConnectionFactory",
            "AsyncGlidePipeline": "GlidePipeline",
            "AsyncGlideRawClient": "GlideRawClient",
            "AsyncLockCommands": "LockCommands",
            "AsyncLeasedClient": "LeasedClient",
            "AsyncScript": "Script",
            "valkey.asyncio.lock": "valkey.lock",
            "aclose": "close",
            "django_valkey._async.io": "django_valkey._sync.io",
        },
    ),
    Target(
        "_async/glide_cluster.py",
        "_sync/glide_cluster.py",
        sync=True,
        strip_a=False,
        names={
            "from glide import": "from glide_sync import",
            "AsyncGlideClusterConnectionFactory": "GlideClusterConnectionFactory",
            "AsyncGlideClusterRawClient": "GlideClusterRawClient",
            "AsyncGlidePipeline": "GlidePipeline",
            "AsyncLockCommands": "LockCommands",
            "AsyncLeasedClient": "LeasedClient",
            "aclose": "close",
            "django_valkey._async.glide": "django_valkey._sync.glide",
        },
    ),
    Target("_async/cluster_cache_commands.py", "_sync/cluster_cache_commands.py", sync=True, strip_a=True),
    Target(
        "_async/cluster_cache_commands.py",
        "_async/plain_cluster_cache_commands.py",
        sync=False,
        strip_a=True,
        names={
            "AsyncClusterCacheCommands": "AsyncPlainClusterCacheCommands",
            "AsyncCacheCommands": "AsyncPlainCacheCommands",
            "django_valkey._async.cache_commands": "django_valkey._async.plain_cache_commands",
        },
    ),
]

_ASYNC_DEF = re.compile(r"^(\s*)async def ")
# Django's a* names: the coroutines of the source and their aliases (``alock = aget_lock``).
_A_METHOD = re.compile(r"^\s*async def (a\w+)\(|^    (a\w+) = a\w+$")


def _header(target: Target) -> str:
    return (
        f"# Generated from django_valkey/{target.source} by tools/unasync.py: do not edit.\n"
        "# Change the source and run `python tools/unasync.py`.\n"
    )


def render(target: Target) -> str:
    """The text of ``target``'s generated module."""
    lines = (PACKAGE / target.source).read_text().splitlines(keepends=True)
    mapping = {**(SYNC_NAMES if target.sync else {}), **target.names}
    if target.strip_a:
        for line in lines:
            found = _A_METHOD.match(line)
            if found is not None:
                name = found.group(1) or found.group(2)
                mapping[name] = name[1:]
    words = re.compile(r"\b(" + "|".join(re.escape(name) for name in sorted(mapping, key=len, reverse=True)) + r")\b")
    out: list[str] = []
    for line in lines:
        if target.sync:
            line = _ASYNC_DEF.sub(r"\1def ", line)
            line = re.sub(r"\bawait ", "", line)
            line = re.sub(r"\basync (for|with) ", r"\1 ", line)
        out.append(words.sub(lambda match: mapping[match.group(0)], line))
    return _header(target) + "".join(out)


# Classes generated inside a hand-written module, between two marker lines, so that every
# Protocol stays in protocols.py.
_BEGIN = "# ---- generated by tools/unasync.py from {name} below: do not edit ----\n"
_END = "# ---- end of generated code ----\n"


@dataclass
class Signatures:
    """A Protocol written from the public methods of a reference class: each signature (with its
    decorators and docstring) and ``...`` for a body. An async generator method becomes a plain
    ``def`` returning its ``AsyncIterator``, as a Protocol declares it."""

    source: str  # module under django_valkey/
    cls: str  # the reference class in it
    module: str  # the module holding the generated region
    protocol: str  # the Protocol's class line
    docstring: str
    exclude: frozenset[str]  # public methods that are not part of this Protocol
    names: dict[str, str]


SIGNATURES = [
    Signatures(
        source="_async/client_commands.py",
        cls="AsyncClientCommands",
        module="protocols.py",
        protocol="class AsyncCommandsProtocol(Protocol[AsyncRawT_co]):",
        docstring=(
            "The commands a client and a cache both have, with the same signatures (coroutines on the\n"
            "    async side, where ``iter_keys`` and ``sscan_iter`` are async iterators).\n\n"
            "    Written from ``AsyncClientCommands``, the reference implementation. The client and cache\n"
            "    Protocols extend it: the cache's method of each name calls the client's, inside its error\n"
            "    guard. ``get_client`` returns the raw client: the primary when ``write``, else a replica\n"
            "    if there is one.\n    "
        ),
        # The client's own (ClientProtocol adds them: the cache's differ), and an alias.
        exclude=frozenset({"connect", "set", "delete_many", "close", "lock"}),
        names={"Backend": "AsyncRawT_co", "DEFAULT_TIMEOUT": "..."},
    ),
    Signatures(
        source="_async/cluster_client_commands.py",
        cls="AsyncClusterClientCommands",
        module="protocols.py",
        protocol="class AsyncClusterCommandsProtocol(Protocol):",
        docstring=(
            "What a cluster client adds to ``AsyncClientProtocol``: django-valkey 0.4's cluster commands\n"
            "    (``keys`` gains ``target_nodes``). Written from ``AsyncClusterClientCommands``; the cluster\n"
            "    caches call these (their ``a*`` names too) and raise ``TypeError`` for a client without them.\n    "
        ),
        exclude=frozenset(),
        names={},
    ),
]

# The sync twin of an async Protocol, written from it: (module, async class, extra names). Its
# one-line members named in DROPPED are left out of the twin.
DROPPED = {"AsyncCacheProtocol": frozenset({"aclose"})}
REGIONS: list[tuple[str, str, dict[str, str]]] = [
    ("protocols.py", "AsyncRawPipeline", {"AsyncRawPipeline": "RawPipeline"}),
    (
        "protocols.py",
        "AsyncRawClient",
        {"AsyncRawClient": "RawClient", "AsyncRawPipeline": "RawPipeline", "aclose": "close"},
    ),
    ("protocols.py", "AsyncCommandsProtocol", {"AsyncCommandsProtocol": "CommandsProtocol", "AsyncRawT_co": "RawT_co"}),
    ("protocols.py", "AsyncClusterCommandsProtocol", {}),
    (
        "protocols.py",
        "AsyncCacheProtocol",
        {"AsyncCacheProtocol": "CacheProtocol", "AsyncCommandsProtocol": "CommandsProtocol", "AsyncRawT_co": "RawT_co"},
    ),
]

_SECTION = re.compile(r"^    # -{10,} (.+)$")


def _replace_region(text: str, name: str, generated: str, module: str) -> str:
    begin = _BEGIN.format(name=name)
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(_END)
    if not found or not found_end:
        raise SystemExit(f"{module}: the markers of the region generated from {name} are missing")
    return head + begin + generated.rstrip("\n") + "\n\n\n" + _END + "\n\n" + tail.lstrip("\n")


def _is_generator(node: ast.AST) -> bool:
    """Whether a function yields (not counting functions defined inside it)."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(child))
    return False


def render_signatures(spec: Signatures, text: str) -> str:
    """``text`` (of ``spec.module``) with the Protocol region rewritten from ``spec.cls``."""
    source = (PACKAGE / spec.source).read_text()
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == spec.cls)
    names = {**spec.names, "\x00": "\x00"}  # never empty: an empty alternation would match everywhere
    words = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    out = [f"{spec.protocol}\n", f'    """{spec.docstring}"""\n']
    overloaded = {
        node.name
        for node in cls.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)
    }
    previous_end = cls.body[0].lineno - 1
    for node in cls.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        for line in lines[previous_end : first - 1]:  # section comments: "# ---- sets" -> "# Sets"
            found = _SECTION.match(line.rstrip("\n"))
            if found is not None:
                out.append(f"\n    # {found.group(1)[0].upper()}{found.group(1)[1:]}\n")
        previous_end = node.end_lineno or node.lineno
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if node.name.startswith("_") or node.name in spec.exclude:
            continue
        overload = any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)
        if not overload and node.name in overloaded:
            continue  # a Protocol declares the overloads only, not the implementation
        body = node.body[0]
        if body.lineno == node.end_lineno == (node.body[-1].end_lineno or body.lineno) and body.lineno <= (
            node.returns.end_lineno if node.returns is not None and node.returns.end_lineno else node.lineno
        ):
            # A one-line stub (``@overload ... -> X: ...``): kept as it is.
            stub = "".join(lines[first - 1 : node.end_lineno]).rstrip()
            out.append("\n" + words.sub(lambda match: names[match.group(0)], stub) + "\n")
            continue
        docstring = (
            isinstance(body, ast.Expr) and isinstance(body.value, ast.Constant) and isinstance(body.value.value, str)
        )
        signature = "".join(lines[first - 1 : body.lineno - 1]).rstrip()
        if _is_generator(node):
            signature = signature.replace("async def ", "def ", 1)
        if docstring:
            doc = "".join(lines[body.lineno - 1 : body.end_lineno or body.lineno]).rstrip()
            member = f"{signature}\n{doc}\n        ..."
        else:
            member = f"{signature} ..."
        out.append("\n" + words.sub(lambda match: names[match.group(0)], member) + "\n")
    return _replace_region(text, spec.cls, "".join(out), spec.module)


def _class_block(lines: list[str], name: str) -> list[str]:
    """The lines of top-level class ``name``, up to the next top-level statement."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"class {name}("))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t)"):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def render_region(module: str, name: str, names: dict[str, str], text: str) -> str:
    """``text`` (of ``module``) with the sync twin of class ``name`` rewritten from it."""
    mapping = {**SYNC_NAMES, **names}
    words = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True)) + r")\b")
    out: list[str] = []
    dropped = DROPPED.get(name, frozenset())
    for line in _class_block(text.splitlines(keepends=True), name):
        member = re.match(r"\s+(?:async )?def (\w+)\(.*: \.\.\.$", line)
        if member is not None and member.group(1) in dropped:
            continue
        line = _ASYNC_DEF.sub(r"\1def ", line)
        line = re.sub(r"\bawait ", "", line)
        out.append(words.sub(lambda match: mapping[match.group(0)], line))
    return _replace_region(text, name, "".join(out), module)


def _ruff(text: str, path: Path, *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode not in (0, 1) or not done.stdout:
        raise SystemExit(f"ruff {' '.join(command)} failed on {path}: {done.stderr}")
    return done.stdout


def ruff_format(text: str, path: Path) -> str:
    """``text`` with its imports sorted and formatted as ruff (configured in pyproject.toml)
    would, so that generated code passes the lint and format gate like hand-written code."""
    text = _ruff(text, path, "check", "--select", "I", "--fix", "--quiet", "--exit-zero")
    return _ruff(text, path, "format")


def _outputs() -> list[tuple[Path, str]]:
    """Every generated module's text. Protocols first: one written from its reference class,
    then the sync twin written from that async one."""
    made = [(PACKAGE / target.target, render(target)) for target in TARGETS]
    texts: dict[str, str] = {}
    for spec in SIGNATURES:
        current = texts.get(spec.module) or (PACKAGE / spec.module).read_text()
        texts[spec.module] = ruff_format(render_signatures(spec, current), PACKAGE / spec.module)
    for module, name, names in REGIONS:
        current = texts.get(module) or (PACKAGE / module).read_text()
        texts[module] = render_region(module, name, names, current)
    made += [(PACKAGE / module, text) for module, text in texts.items()]
    return [(path, ruff_format(text, path)) for path, text in made]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the sync command layers from their async source.")
    parser.add_argument("--check", action="store_true", help="fail if a generated file is out of date")
    args = parser.parse_args(argv)
    stale = 0
    for path, wanted in _outputs():
        current = path.read_text() if path.exists() else ""
        if current == wanted:
            continue
        if args.check:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True), wanted.splitlines(keepends=True), str(path), "generated"
                )
            )
        else:
            path.write_text(wanted)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"{stale} generated file(s) out of date: run python tools/unasync.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
