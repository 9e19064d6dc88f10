"""Pure pipeline logic for ``django_valkey.pipeline``: the commands of queued requests, and each
request's result from the pipeline's replies. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django_valkey._core.commands import Args, Request, as_eval
from django_valkey._core.herd import Stale

__all__ = ["Batch", "Outcome"]

Outcome = tuple[Any, BaseException | None]
"""A queued request's ``(value, None)``, or ``(None, error)`` when its command failed."""


def _fresh(value: object) -> object:
    """A ``HerdClient`` read in a pipeline cannot claim a stale value (that takes another round
    trip): it gets the stale value, as every reader but the claiming one does."""
    if isinstance(value, Stale):
        stale: object = value.value
        return stale
    if not isinstance(value, dict):
        return value
    found = cast("dict[object, object]", value)  # get_many's result
    if not any(isinstance(item, Stale) for item in found.values()):
        return found
    return {key: _fresh(item) for key, item in found.items()}


class Batch:
    """The requests queued on one pipeline: the commands to send (``commands``, in order) and,
    from the pipeline's replies (an exception in place of a failed command's reply), each
    request's outcome."""

    __slots__ = ("requests", "commands", "_spans")

    def __init__(self) -> None:
        self.requests: list[Request[Any]] = []
        self.commands: list[Args] = []
        self._spans: list[int] = []  # per request: -1 one command, 0 nothing to send, n a batch of n

    def __len__(self) -> int:
        return len(self.requests)

    def add(self, req: Request[Any]) -> None:
        self.requests.append(req)
        if req.batch is not None:
            self.commands.extend(req.batch)
            self._spans.append(len(req.batch))
        elif req.args is not None:
            # A pipeline does not resend a script the server answered NOSCRIPT for: send its text.
            self.commands.append(as_eval(req.args) if req.args[0] == "EVALSHA" else req.args)
            self._spans.append(-1)
        else:
            self._spans.append(0)

    def outcomes(self, replies: Sequence[Any]) -> list[Outcome]:
        """Each request's outcome: its parsed, decoded reply, or the error its command got (made
        clearer by the request's ``on_error``, as a single call would raise it)."""
        results: list[Outcome] = []
        at = 0
        for req, span in zip(self.requests, self._spans):
            reply: Any = None
            failed: Exception | None = None
            if span == -1:
                reply = replies[at]
                at += 1
                failed = reply if isinstance(reply, Exception) else None
            elif span > 0:
                part = list(replies[at : at + span])
                at += span
                reply = part
                failed = next((item for item in part if isinstance(item, Exception)), None)
            if failed is not None:
                results.append((None, _clearer(req, failed)))
                continue
            try:
                results.append((_fresh(req.parse(reply)), None))
            except Exception as exc:  # e.g. incr of a missing key: ValueError, as the call raises
                results.append((None, exc))
        return results


def _clearer(req: Request[Any], error: Exception) -> BaseException:
    better = req.on_error(error) if req.on_error is not None else None
    if better is None:
        return error
    better.__cause__ = error
    return better
