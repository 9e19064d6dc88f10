"""The static gates bite: the type checkers really fail on a broken conformance case.

mypy and pyright run on small copies in a temp dir, with the project's own configuration (strict,
``warn_unused_ignores``; pyright ``enableTypeIgnoreComments = false`` and
``reportUnnecessaryTypeIgnoreComment``). One run of each checker covers three files:

- ``ok.py``: a conformance case as in ``typecheck/``; both checkers must pass it;
- ``broken.py``: the same case with one wrong parameter type; both must reject it;
- ``fixed_negative.py``: a negative case whose error was "fixed" while its ignore comments stayed;
  both must report the now-unused ignore, which is how a negative case that stops failing breaks CI.

A second test checks that ``typecheck/`` has an ``assert_type`` for every public cache method.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"

OK = """
from __future__ import annotations

from typing import Any

from django_valkey.protocols import SerializerProtocol


class UpperSerializer:
    def __init__(self, options: object = None) -> None:
        pass

    def dumps(self, value: Any) -> bytes:
        return str(value).upper().encode()

    def loads(self, value: bytes) -> Any:
        return value.decode()


def conforms(serializer: UpperSerializer) -> SerializerProtocol:
    return serializer
"""

BROKEN = OK.replace("def loads(self, value: bytes)", "def loads(self, value: str)").replace(
    "return value.decode()", "return value"
)

FIXED_NEGATIVE = OK.replace("def conforms(", "def was_negative(").replace(
    "    return serializer\n",
    "    return serializer  # type: ignore[return-value]  # pyright: ignore[reportReturnType]\n",
)


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (it is in the dev extra)")
    return found


def _mypy_errors(files: list[Path], cache_dir: Path) -> dict[str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", str(cache_dir), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors: dict[str, list[str]] = defaultdict(list)
    for line in run.stdout.splitlines():
        path, sep, rest = line.partition(":")
        if sep and ": error:" in rest:
            errors[Path(path).name].append(rest.split(": error:", 1)[1].strip())
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return errors


def _pyright_errors(files: list[Path]) -> dict[str, list[str]]:
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    run = subprocess.run(
        [_tool("pyright"), "--outputjson", "-p", str(CONFIG), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    report = json.loads(run.stdout)
    errors: dict[str, list[str]] = defaultdict(list)
    for diag in report["generalDiagnostics"]:
        if diag["severity"] == "error":
            errors[Path(diag["file"]).name].append(f"{diag['message']} ({diag.get('rule', '')})")
    return errors


def test_both_checkers_reject_a_broken_case_and_a_stale_negative(tmp_path: Path) -> None:
    files = []
    for name, text in (("ok.py", OK), ("broken.py", BROKEN), ("fixed_negative.py", FIXED_NEGATIVE)):
        path = tmp_path / name
        path.write_text(text)
        files.append(path)
    mypy = _mypy_errors(files, tmp_path / ".mypy_cache")
    pyright = _pyright_errors(files)

    assert mypy["ok.py"] == [] and pyright["ok.py"] == []

    assert len(mypy["broken.py"]) == 1 and "[return-value]" in mypy["broken.py"][0]
    assert len(pyright["broken.py"]) == 1 and '"loads" is an incompatible type' in pyright["broken.py"][0]

    assert mypy["fixed_negative.py"] == ['Unused "type: ignore" comment  [unused-ignore]']
    assert len(pyright["fixed_negative.py"]) == 1
    assert 'Unnecessary "# pyright: ignore" rule: "reportReturnType"' in pyright["fixed_negative.py"][0]


# ---------------------------------------------------------------- assert_type coverage

CACHES = {
    "ValkeyCache": "django_valkey.cache",
    "AsyncValkeyCache": "django_valkey.async_cache.cache",
    "ClusterValkeyCache": "django_valkey.cluster_cache.cache",
    "AsyncClusterValkeyCache": "django_valkey.cluster_cache.cache",
}
NOT_METHODS = {"CLIENT_PROTOCOL", "DEFAULT_CLIENT_CLASS"}


def _asserted_members() -> dict[str, set[str]]:
    """Per annotated class (each side of a union): the members used inside ``assert_type(...)``."""
    seen: dict[str, set[str]] = defaultdict(set)
    for path in (ROOT / "typecheck").rglob("check_*.py"):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = {
                a.arg: [part.strip() for part in ast.unparse(a.annotation).split("|")]
                for a in func.args.args
                if a.annotation is not None
            }
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and ast.unparse(call.func) == "assert_type":
                    for node in ast.walk(call.args[0]):
                        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                            for annotation in params.get(node.value.id, []):
                                seen[annotation].add(node.attr)
                        if isinstance(node, ast.Compare) and isinstance(node.comparators[0], ast.Name):
                            if isinstance(node.ops[0], ast.In):
                                for annotation in params.get(node.comparators[0].id, []):
                                    seen[annotation].add("__contains__")
    return seen


@pytest.mark.parametrize("name", sorted(CACHES))
def test_every_public_cache_member_has_an_assert_type(name: str) -> None:
    module = __import__(CACHES[name], fromlist=[name])
    cls = getattr(module, name)
    public = {member for member in dir(cls) if not member.startswith("_")} - NOT_METHODS
    missing = sorted(public - _asserted_members()[name])
    assert missing == [], f"typecheck/ has no assert_type for {name}.{{{', '.join(missing)}}}"


def test_lz4_stubs_match_the_installed_lz4() -> None:
    """``stubs/lz4`` agrees with the runtime module (stubtest, with an allowlist of unused parts)."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "lz4", "--allowlist", "stubs/lz4-stubtest-allowlist.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MYPYPATH": "stubs"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
