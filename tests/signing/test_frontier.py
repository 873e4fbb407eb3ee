"""The right edge of the log (signing.frontier) gives RFC 9162 roots from leaf bytes alone."""

from __future__ import annotations

import pytest

from signing import merkle
from signing.frontier import Frontier


def test_every_root_matches_the_whole_tree_and_survives_a_round_trip():
    f, hashes = Frontier(), []
    assert f.root() == merkle.EMPTY_ROOT
    for i in range(70):
        hashes.append(f.append(b"leaf %d" % i))
        assert f.root() == merkle.root_hash(hashes), i
        assert Frontier.from_json(f.to_json()).root() == f.root()
    g = f.copy()
    g.append(b"one more")
    assert f.size == 70 and g.size == 71 and g.root() != f.root()


def test_a_frontier_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError):
        Frontier(3, [bytes(32)])  # size 3 has two complete subtrees
