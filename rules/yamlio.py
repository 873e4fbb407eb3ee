"""Read YAML into plain Python values while remembering the line of every key and item.

The pack validator must point the reform office at the exact line of a mistake, so we
compose the node tree ourselves and record each node's start line by its path.
"""
from __future__ import annotations

import yaml

Path = tuple


class YamlProblem(Exception):
    """Bad YAML, with the 1-based line where the parser stopped."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    pass


def load_with_lines(text: str) -> tuple[object, dict[Path, int]]:
    """Parse one YAML document; return (value, {path: line}) with 1-based lines."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"YAML 语法错误: {exc.problem or exc}") from None
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    constructor = _Loader("")
    return _build(node, (), lines, constructor), lines


def _build(node, path, lines, constructor):
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlProblem(key_node.start_mark.line + 1, f"键必须是文字: {key!r}")
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, f"重复的键 '{key}'")
            out[key] = _build(value_node, path + (key,), lines, constructor)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), lines, constructor) for i, child in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of `path`, or of its nearest recorded ancestor."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
