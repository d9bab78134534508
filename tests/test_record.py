"""``record``: dataclasses with shared equality, hash and repr behave as ``dataclass``'s own."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field, fields, replace

import pytest

from xlcrm.problems import Problem
from xlcrm.record import record


@record(frozen=True)
class Point:
    """A frozen record: compared, hashed and shown by its fields."""

    x: int
    y: int = 0
    label: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class PointDC:
    """The same, by ``dataclass``."""

    x: int
    y: int = 0
    label: str = field(default="", compare=False, repr=False)


@record
class Bag:
    """A mutable record: compared by its fields, so not hashable."""

    items: list[int] = field(default_factory=list)


@record
class Tagged:
    """A record with its own equality and hash."""

    tag: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tagged) and other.tag.lower() == self.tag.lower()

    def __hash__(self) -> int:
        return hash(self.tag.lower())


@record
class Node:
    """A record that may contain itself."""

    name: str
    child: object = None


def test_a_record_compares_hashes_and_shows_as_a_dataclass_does():
    a, b = Point(1, 2, "a"), Point(1, 2, "b")
    assert a == b and hash(a) == hash(b)  # label is not compared, nor hashed
    assert a != Point(2, 2) and Point(1) == Point(1, 0)
    assert repr(a) == "Point(x=1, y=2)"
    assert repr(a).replace("Point", "PointDC") == repr(PointDC(1, 2, "a"))
    assert (a == (1, 2)) is False and a.__eq__((1, 2)) is NotImplemented
    assert {a, b, Point(3)} == {Point(1, 2), Point(3, 0)}
    with pytest.raises(AttributeError):  # frozen: dataclass's own guard
        a.x = 5  # type: ignore[misc]
    assert replace(a, y=7) == Point(1, 7) and [f.name for f in fields(a)] == ["x", "y", "label"]
    assert pickle.loads(pickle.dumps(a)) == a


def test_a_mutable_record_is_compared_but_not_hashable():
    assert Bag([1]) == Bag([1]) and Bag([1]) != Bag([2])
    assert Bag.__hash__ is None
    with pytest.raises(TypeError):
        hash(Bag())
    assert repr(Bag([1, 2])) == "Bag(items=[1, 2])"


def test_a_records_own_methods_are_kept():
    assert Tagged("A") == Tagged("a") and hash(Tagged("A")) == hash(Tagged("a"))
    loop = Node("n")
    loop.child = loop
    assert repr(loop) == "Node(name='n', child=...)"


def test_xlcrms_records_are_records():
    p = Problem("error", "bad_date", "Sales", row=3, column="A")
    assert p == Problem("error", "bad_date", "Sales", row=3, column="A")
    assert hash(p) == hash(replace(p))
    assert repr(p).startswith("Problem(severity='error', code='bad_date', sheet='Sales'")
