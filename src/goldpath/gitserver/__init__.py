"""The local git host's server side: who may push what, the push log, and push listeners."""

from goldpath.gitserver._listeners import PushListener, PushListeners
from goldpath.gitserver._push import ZERO_SHA, Push, RefUpdate
from goldpath.gitserver.errors import PushRefusedError

__all__ = [
    "ZERO_SHA",
    "Push",
    "PushListener",
    "PushListeners",
    "PushRefusedError",
    "RefUpdate",
]
