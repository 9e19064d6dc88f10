"""The compatibility matrix: the test suite on more supported Python/Django pairs.

``nox`` runs both sessions; ``nox -s "tests(py3.10-django4.2)" -- tests/test_api.py`` runs one
session on chosen test files. Interpreters are looked up on PATH, then under ``~/.pyenv/versions``.
Virtualenvs are reused between runs and pip's download cache is shared, so a rerun is quick.
"""

from __future__ import annotations

import glob
import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# (Python, Django series, pip requirement): the oldest and the newest supported pair, and the
# oldest Python of Django 6. (.ci/run's main suite covers Python 3.11 with Django 5.2.)
MATRIX = [
    ("3.10", "4.2", "django>=4.2,<5"),
    ("3.12", "6", "django>=6,<7"),
    ("3.13", "6", "django>=6,<7"),
]


# Tests of the servers' behaviour (faults, topologies, pools, the client cache under writers):
# they take three quarters of the suite's time and depend little on the Python and Django
# versions. The main environment (.ci/run) runs them all; each also runs in one matrix session
# (the async deadline and error tests on the oldest Python, where asyncio differs most), and
# every session runs the rest of the suite.
SHARES = {
    "3.10": [
        "tests/test_resilience.py",
        "tests/test_errors.py",
        "tests/test_error_policy.py",
        "tests/test_resilience_faults.py",
        "tests/test_tls.py",
        "tests/test_client_cache.py",
    ],
    "3.12": [
        "tests/test_pool_bounds.py",
        "tests/test_faults_harness.py",
        "tests/test_fault_behaviour.py",
        "tests/topology/test_command_topologies.py",
    ],
    "3.13": [
        "tests/test_client_cache_staleness.py",
        "tests/topology/test_cluster.py",
        "tests/topology/test_sentinel.py",
        "tests/topology/test_cluster_circuits.py",
        "tests/topology/test_cluster_client_cache.py",
        "tests/topology/test_glide_cluster.py",
    ],
}


def ignored(python: str) -> list[str]:
    """``--ignore`` options for the matrix session on ``python``: the other sessions' shares."""
    return [f"--ignore={path}" for version, paths in SHARES.items() if version != python for path in paths]


def interpreter(version: str) -> str:
    """``pythonX.Y`` from PATH, else the newest pyenv build of that version."""
    found = shutil.which(f"python{version}")
    if found:
        return found
    builds = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    return builds[-1] if builds else version


@nox.session
@nox.parametrize(
    "python,django",
    [nox.param(interpreter(py), req, id=f"py{py}-django{series}") for py, series, req in MATRIX],
)
def tests(session: nox.Session, django: str) -> None:
    """The pytest suite (with its share of ``SHARES``), with the package's ``test`` and ``typing``
    extras (the suite checks that the type-checking gates bite) and Django pinned."""
    session.install("-e", ".[test,typing]", django)
    if shutil.which("node") is None:
        session.install("pyright[nodejs]")  # the pyright wheel runs on Node.js
    session.run(
        "python", "-c", "import sys, django; print('Python', sys.version.split()[0], 'Django', django.__version__)"
    )
    python = next(py for py, _, req in MATRIX if req == django)
    chosen = session.posargs or ["tests", *ignored(python)]
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *chosen)


@nox.session(python=interpreter("3.13"))
def django_suite(session: nox.Session) -> None:
    """Django's own cache tests (tests/django_suite/run.py) on the newest Django, which may ask
    more of a backend than the Django in .ci/run's main environment."""
    session.install("-e", ".[test]", "django>=6,<7")
    session.run("python", "tests/django_suite/run.py", *session.posargs)
