"""N ``cache.get`` calls, for counting their instructions under valgrind's callgrind.

    python benchmarks/callgrind_get.py LOCATION N [--observer]

The cost of one call is the difference between a run with N calls and a run with none, divided
by N (everything else, imports and Django's setup included, is the same in both runs). Run the
N=0 case twice first so that every ``.pyc`` is written, and set ``PYTHONHASHSEED=0``:

    export PYTHONHASHSEED=0
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.0 python benchmarks/callgrind_get.py URL 0
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.n python benchmarks/callgrind_get.py URL 2000
    callgrind_annotate /tmp/cg.0 | grep 'PROGRAM TOTALS'; callgrind_annotate /tmp/cg.n | grep 'PROGRAM TOTALS'

LOCATION is a running server (its database 0 gets one key); the script starts none, so the
count holds only this process. ``--observer`` sets a do-nothing ``OPTIONS["OBSERVER"]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str]) -> int:
    location, count = argv[0], int(argv[1])
    options = {"OBSERVER": "django_valkey.observers.Observer"} if "--observer" in argv[2:] else {}
    from django.conf import settings

    settings.configure(
        CACHES={"default": {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": location, "OPTIONS": options}},
        USE_TZ=True,
    )
    import django

    django.setup()
    from django.core.cache import caches

    cache = caches["default"]
    cache.set("hit", {"id": 1, "name": "a cached thing"})
    assert cache.get("hit") is not None  # connected, and every code path warm
    get = cache.get
    for _ in range(count):
        get("hit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
