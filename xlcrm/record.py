"""Records: dataclasses that share one ``__eq__``, ``__hash__`` and ``__repr__``.

Python 3.11's ``dataclass`` compiles every method it generates from source, one ``exec``
each, about 0.2 ms apiece: with init, repr and eq (and setattr, delattr and hash for a
frozen one) xlcrm's records cost 40 ms of every command's start, more than a typical
book's whole ledger. ``record`` lets ``dataclass`` generate only what differs per class
(``__init__``, and a frozen record's guards against assignment) and gives every record
the same equality, hash and repr, which read the class's fields as ``dataclass``'s would:
the same results, the same rules for which of them a class gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T] | None = None, /, *, frozen: bool = False, repr: bool = True) -> Any:
    """``dataclass(cls, frozen=frozen, repr=repr)``, with the shared methods."""

    def wrap(c: type[T]) -> type[T]:
        own_eq = "__eq__" in c.__dict__
        own_hash = c.__dict__.get("__hash__", MISSING)
        explicit_hash = not (own_hash is MISSING or (own_hash is None and own_eq))
        c = dataclass(c, frozen=frozen, repr=False, eq=False)
        fs = fields(c)
        c.__record_key__ = staticmethod(_getter([f.name for f in fs if f.compare]))
        if not own_eq:
            c.__eq__ = _eq
        if not explicit_hash:  # as dataclass: frozen records hash their fields, others none
            hashed = [f.name for f in fs if (f.compare if f.hash is None else f.hash)]
            c.__record_hash_key__ = staticmethod(_getter(hashed))
            c.__hash__ = _hash if frozen else None
        if repr and "__repr__" not in c.__dict__:
            c.__record_shown__ = tuple(f.name for f in fs if f.repr)
            c.__repr__ = _repr
        return c

    return wrap if cls is None else wrap(cls)


def _getter(names: list[str]) -> Callable[[Any], tuple]:
    """The named fields of a record as a tuple."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self.__record_key__(self) == other.__record_key__(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__record_hash_key__(self))


@recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{self.__class__.__qualname__}({shown})"
