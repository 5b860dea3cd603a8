"""A base for the small immutable-by-convention records the knowledge is built from.

They are plain classes with ``__slots__`` rather than NamedTuples or dataclasses because the
program defines them at every start, and a NamedTuple costs about ten times more to define
(see bench/bench_startup.py). This base gives them equality and a readable repr.
"""


class Record:
    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self) -> int:
        return hash((type(self), *(repr(getattr(self, n)) for n in self.__slots__)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"
