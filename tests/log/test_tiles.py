"""The log as C2SP tlog-tiles (docs/design.md §12.6): an independent client rebuilds the tree head and
an inclusion proof from /checkpoint, tiles and entry bundles alone (tests/factories/tiles_client.py)."""

from __future__ import annotations

import base64

import pytest

from registry.services.context import SYSTEM
from signing import merkle
from signing.tiles import decode_bundle, encode_index, parse_tile_path, tile_path
from tests.factories.tiles_client import TileClient, leaf_hash, root_from_path

N = 600  # two full level-0 tiles and a partial one of 88; a partial level-1 tile of 2


def _grow(rt, total: int, batch: int = 100) -> None:
    """Test records appended until the log holds ``total`` entries, then a checkpoint."""
    from registry.ledger import tree_size

    with rt.reading() as session:
        done = tree_size(session)
    while done < total:
        with rt.filing(SYSTEM) as ctx:
            for n in range(done, done + min(batch, total - done)):
                rt.ledger.append(
                    ctx.session,
                    kind="test",
                    body="gov_service",
                    record={"type": "test", "n": n, "filed_at": "2026-01-05T08:00:00Z"},
                )
        with rt.reading() as session:  # a body's first record also logs the creation of its key
            done = tree_size(session)
    with rt.filing(SYSTEM) as ctx:
        rt.ledger.publish_checkpoint(ctx.session)


@pytest.fixture
def tiles(rt, client):
    _grow(rt, N)
    log_key = rt.signing_keys.ensure("log").public_key

    def fetch(path: str) -> bytes:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True))
        return r.get_data()

    return TileClient(fetch, rt.settings.log_origin, log_key)


def test_a_client_rebuilds_the_tree_head_and_a_proof_from_tiles(tiles, client) -> None:
    size, root = tiles.read_checkpoint()
    assert size == N
    assert tiles.mth(0, size) == root  # the tree head, from tiles alone
    entries = tiles.entries(1)  # a full bundle: entries 256..511
    assert len(entries) == 256
    for i in (0, 255, 300, N - 1):
        bundle = tiles.entries(i // 256)
        leaf = leaf_hash(bundle[i % 256])
        assert leaf == tiles.subtree(0, i)  # bundle and level-0 tile agree
        proof = tiles.inclusion_proof(i)
        assert root_from_path(leaf, i, size, proof) == root
        merkle.verify_inclusion(leaf, i, size, proof, root)  # and onehall's own verifier agrees
    # level-1 hashes are the roots of the full level-0 tiles
    assert tiles._tile(1, 0)[1] == tiles.mth(256, 512)


def test_paths_headers_and_refusals(tiles, client) -> None:
    tiles.read_checkpoint()
    full = client.get("/tile/0/000")
    assert full.status_code == 200 and len(full.get_data()) == 8192
    assert full.headers["Content-Type"] == "application/octet-stream"
    assert "immutable" in full.headers["Cache-Control"]
    partial = client.get("/tile/0/002.p/88")
    assert len(partial.get_data()) == 88 * 32 and "immutable" not in partial.headers["Cache-Control"]
    assert client.get("/tile/1/000.p/2").status_code == 200
    cp = client.get("/checkpoint")
    assert cp.headers["Content-Type"].startswith("text/plain") and "immutable" not in cp.headers["Cache-Control"]
    for bad in (
        "/tile/0/003",
        "/tile/0/002",
        "/tile/0/002.p/89",
        "/tile/1/000",
        "/tile/0/2",
        "/tile/00/000",
        "/tile/0/x000/001",
        "/tile/entries/002.p/0",
        "/tile/64/000",
    ):
        assert client.get(bad).status_code == 404, bad
    bundle = decode_bundle(client.get("/tile/entries/000").get_data())
    assert (
        len(bundle) == 256
        and base64.b64encode(bundle[0]).decode()
        == client.get("/api/v1/log/entries?start=0&end=1").get_json()["items"][0]["leaf"]
    )


def test_index_encoding_of_the_spec() -> None:
    assert encode_index(1234067) == "x001/x234/067" and encode_index(0) == "000"
    assert tile_path(0, 1234067, 5) == "tile/0/x001/x234/067.p/5"
    assert tile_path(None, 1000) == "tile/entries/x001/000"
    assert parse_tile_path("tile/0/x001/x234/067.p/5").index == 1234067
