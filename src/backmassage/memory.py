"""A bounded memory: what the engine, a batch and answer parsing remember, in flat memory."""

import itertools
from typing import Any


class Memory(dict):  # type: ignore[type-arg]
    """A dict of at most ``limit`` entries: when full, it forgets the older half."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def keep(self, key: Any, value: Any) -> Any:
        if len(self) >= self.limit:
            for old in list(itertools.islice(self, max(1, self.limit // 2))):
                del self[old]
        self[key] = value
        return value

    def recall(self, key: Any, owner: object) -> Any:
        """What ``keep_for`` kept under ``key`` for this very ``owner``, or None.

        For keys made of ``id(owner)``: the entry keeps its owner alive, so while it is kept
        no other object can have that id; the identity check covers an entry outliving that.
        """
        known = self.get(key)
        return known[1] if known is not None and known[0] is owner else None

    def keep_for(self, key: Any, owner: object, value: Any) -> Any:
        self.keep(key, (owner, value))
        return value
