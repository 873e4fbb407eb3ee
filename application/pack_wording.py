"""What the reform office reads when an uploaded pack is refused (issue 12 items 2 and 6): each
problem as a Chinese sentence with the file and line to edit. The validator (rules.pack,
rules.scenarios) and the self-checks (rules.selfcheck) name the keys, values and rule ids of the
files; on the page each such word stands quoted 「…」 as the thing to change in the file, and
nothing else in Latin letters is left bare (file names, YAML, zip/tar and sizes aside)."""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"「[^」]*」|[A-Za-z0-9_\-./]*[A-Za-z]{2}[A-Za-z0-9_\-./]*")
"""A quoted span (left as it is) or a word with Latin letters (as tests/factories/crawl.TOKEN)."""
SINGLE_QUOTED = re.compile(r"'([^'\n]*)'")
TECHNICAL = frozenset({"YAML", "zip", "tar", ".tar.gz", "tar.gz", "KiB", "MiB", "UTF-8"})
FILE_NAME = re.compile(r"^[\w\-]+\.(yaml|yml|txt|md)$")
CLAUSE = re.compile(r"^XT-[0-9A-Za-z.\-_]+$")
SCENARIO = re.compile(r"^自检场景\d+「([^」]*)」")


def is_plain(word: str) -> bool:
    """A word with Latin letters a clerk may read bare: a format, a file's name, a clause id."""
    return word in TECHNICAL or bool(FILE_NAME.match(word) or CLAUSE.match(word))


def clerk_sentence(message: str) -> str:
    """The message with every key, value or id of the file quoted 「…」, ending as a sentence."""
    text = SINGLE_QUOTED.sub(lambda m: f"「{m.group(1)}」", str(message).strip())

    def quote(m: re.Match) -> str:
        word = m.group(0)
        if word.startswith("「"):
            return word
        core = word.strip(".-/")
        if not core or is_plain(core):
            return word
        return word.replace(core, f"「{core}」", 1)

    text = re.sub(r" ?(「[^」]*」) ?", r"\1", TOKEN.sub(quote, text)).replace("」「", "」、「")
    return text if text.endswith(("。", "？", "！")) else text + "。"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def scenario_line(scenarios_yaml: str, failure: str) -> int | None:
    """The line of the scenario a self-check failure names (by its name), in scenarios.yaml."""
    m = SCENARIO.match(failure)
    if not m or not m.group(1):
        return None
    for n, line in enumerate(scenarios_yaml.splitlines(), start=1):
        if "name:" in line and m.group(1) in line:
            return n
    return None


def problems(errors, self_check=(), files: dict[str, str] | None = None) -> list[Problem]:
    """Validator errors (rules.errors.PackError or text) and failed self-checks, for the page."""
    out = []
    for e in errors or ():
        if hasattr(e, "file"):
            out.append(Problem(e.file, e.line, clerk_sentence(e.message)))
        else:
            out.append(
                Problem(
                    "scenarios.yaml",
                    scenario_line((files or {}).get("scenarios.yaml", ""), str(e)),
                    clerk_sentence(str(e)),
                )
            )
    for f in self_check or ():
        out.append(
            Problem("scenarios.yaml", scenario_line((files or {}).get("scenarios.yaml", ""), f), clerk_sentence(f))
        )
    return out
