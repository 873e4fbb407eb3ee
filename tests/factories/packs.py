"""Rules packs as a reform office uploads them: the bundled pack's files under another version, zipped."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from rules.pack import default_pack_dir
from tests.factories.pages import a_and_b, login, published_item, ui  # noqa: F401
from tests.factories.workers import eventually, other_worker  # noqa: F401

PACK = Path(default_pack_dir())


def pack_texts(version: str = "1.0.1", response_hours: str = "2", narrow: bool = False) -> dict[str, str]:
    """The bundled pack's files under another version; `narrow`: its first grant (a chief
    representative decides instant items) then covers commitment items only, and the pack's own
    scenarios, which expect the old grant, are left out (see the self-check test)."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(PACK.glob("*.yaml"))}
    head = files["pack.yaml"].replace('version: "1.0.0"', f'version: "{version}"')
    files["pack.yaml"] = re.sub(r"response_hours: 1\b", f"response_hours: {response_hours}", head)
    if narrow:
        files["powers.yaml"] = files["powers.yaml"].replace(
            "item.case_type: [instant]", "item.case_type: [commitment]", 1
        )
        del files["scenarios.yaml"]
    return files


def zip_of(files: dict[str, str], top: str = "xiangtan-2018/", extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(top + name, text)
        for name, raw in (extra or {}).items():
            zf.writestr(name, raw)
    return out.getvalue()
