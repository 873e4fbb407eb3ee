"""Read YAML into plain Python values while remembering the line of every key and item.

The pack validator must point the reform office at the exact line of a mistake, so we
compose the node tree ourselves and record each node's start line by its path.

Sizes are bounded (issue 13 item 7), so a hostile file is refused quickly with its line: at
most MAX_BYTES of text, MAX_DEPTH levels, MAX_ALIASES alias uses, and MAX_NODES nodes once
aliases are expanded (a "billion laughs" alias bomb composes to a few nodes, then expands
exponentially: the count stops it at the first node over the budget).
"""

from __future__ import annotations

import copy
import functools

import yaml

from .shapes import JSON, YamlPath

Lines = dict[YamlPath, int]
"""The 1-based line of every key and item of a document, by its path."""


class YamlProblem(Exception):
    """Bad YAML, with the 1-based line where the parser stopped."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


MAX_BYTES = 512 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 200
MAX_NODES = 100_000


class _Loader(yaml.SafeLoader):
    """The safe loader, composing at most MAX_DEPTH levels (deeper: refused at that line,
    before the composer's recursion gets anywhere near Python's limit)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves it unannotated
                raise YamlProblem(event.start_mark.line + 1, f"YAML 嵌套超过 {MAX_DEPTH} 层，拒绝读取")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Budget:
    """What one document may still spend: nodes (aliases expanded) and alias uses."""

    def __init__(self) -> None:
        self.nodes = MAX_NODES
        self.aliases = MAX_ALIASES
        self.seen: set[int] = set()

    def spend(self, node: yaml.Node, depth: int) -> None:
        line = node.start_mark.line + 1
        self.nodes -= 1
        if self.nodes < 0:
            raise YamlProblem(line, f"YAML 展开后超过 {MAX_NODES} 个节点（别名嵌套引用过多？），拒绝读取")
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"YAML 嵌套超过 {MAX_DEPTH} 层，拒绝读取")
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.seen:  # a node met again: an alias use
                self.aliases -= 1
                if self.aliases < 0:
                    raise YamlProblem(line, f"YAML 别名引用超过 {MAX_ALIASES} 次，拒绝读取")
            self.seen.add(id(node))


def load_with_lines(text: str) -> tuple[JSON, Lines]:
    """Parse one YAML document; return (value, {path: line}) with 1-based lines.

    A pack is read twice per check-and-publish and once per worker start: the same text is
    parsed once per process (the pure-Python composer is the slow part), and each caller gets
    its own copy of the value to change as it likes. A refused text is not remembered."""
    value, lines = _parsed(text)
    return copy.deepcopy(value), dict(lines)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[JSON, Lines]:
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlProblem(1, f"文件超过 {MAX_BYTES // 1024} KiB，拒绝读取")
    try:
        node = _compose_fast(text)
        if node is _SLOW:
            node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"YAML 语法错误: {exc.problem or exc}") from None
    except RecursionError:
        raise YamlProblem(1, f"YAML 嵌套过深（超过 {MAX_DEPTH} 层），拒绝读取") from None
    lines: Lines = {}
    if node is None:
        return None, lines
    constructor = _Loader("")
    return _build(node, (), lines, constructor, _Budget()), lines


_SLOW = yaml.Node("", "", None, None)  # (a marker: compose with the pure-Python composer)
_CLoader = getattr(yaml, "CSafeLoader", None)  # libyaml's, when PyYAML was built with it
FAST_DEPTH = MAX_DEPTH // 2


def _compose_fast(text: str) -> yaml.Node | None:
    """The node tree composed by libyaml (ten times faster: a worker's start parses the pack), for
    a text that nests at most FAST_DEPTH levels (counted first, on libyaml's events) and parses;
    else `_SLOW`: the pure-Python composer then takes it, with its depth limit and its errors,
    exactly as without libyaml. Both compose the same nodes with the same lines."""
    if _CLoader is None:
        return _SLOW
    try:
        loader = _CLoader(text)
        try:
            depth = 0
            while loader.check_event():
                event = loader.get_event()
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    depth += 1
                    if depth > FAST_DEPTH:
                        return _SLOW
                elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    depth -= 1
        finally:
            loader.dispose()
        node: yaml.Node | None = yaml.compose(text, Loader=_CLoader)
        return node
    except Exception:  # any YAML error: said as the pure-Python composer says it
        return _SLOW


def _build(node: yaml.Node, path: YamlPath, lines: Lines, constructor: _Loader, budget: _Budget) -> JSON:
    budget.spend(node, len(path))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, JSON] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(key_node.start_mark.line + 1, "键必须是文字")
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlProblem(key_node.start_mark.line + 1, f"键必须是文字: {key!r}")
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, f"重复的键 '{key}'")
            out[key] = _build(value_node, path + (key,), lines, constructor, budget)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), lines, constructor, budget) for i, child in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


def line_of(lines: Lines, path: YamlPath) -> int:
    """The line of `path`, or of its nearest recorded ancestor."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
