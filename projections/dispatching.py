"""Handlers found once per event class: a projector's ``singledispatchmethod`` without its per-call cost.

Reading ``self.on`` builds a new bound function (``functools.update_wrapper``) on every
access, that is once per event of a replay. :class:`HandlerCache` asks the dispatcher
once per concrete event class and keeps the function it chose (the same one, found
along the class's MRO), then calls it with the projector.
"""

from __future__ import annotations

from typing import Any


class HandlerCache:
    def __init__(self, owner: type, name: str = "on") -> None:
        getattr(owner, name)  # applies the dispatcher's deferred registrations, if any
        for klass in owner.__mro__:
            if name in vars(klass):
                self._dispatch = vars(klass)[name].dispatcher.dispatch
                break
        else:  # pragma: no cover - a programming error
            raise AttributeError(name)
        self._handlers: dict[type, Any] = {}

    def __call__(self, projector: Any, domain_event: Any) -> None:
        cls = type(domain_event)
        handler = self._handlers.get(cls)
        if handler is None:
            handler = self._handlers[cls] = self._dispatch(cls)
        handler(projector, domain_event)
