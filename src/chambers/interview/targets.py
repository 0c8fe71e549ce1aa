"""Variable target expressions: what a field, an API call or a code block may assign to.

A target is a Python expression built only from names, attribute access and subscripts with
literal keys, e.g. ``user.name.first`` or ``x['a'][0]``.  Nothing in a target can call code.
"""
from __future__ import annotations

import ast
from functools import lru_cache


@lru_cache(maxsize=4096)
def is_target(text: str) -> bool:
    """True when ``text`` is a legal, side-effect-free assignment target."""
    if not isinstance(text, str) or not text.strip():
        return False
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    return _legal(tree.body)


def _legal(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return not node.id.startswith("__")
    if isinstance(node, ast.Attribute):
        return not node.attr.startswith("_") and _legal(node.value)
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) and _legal(node.value)
    return False


def root_name(target: str) -> str:
    """The top-level Python name of a target: ``user`` for ``user.name.first``."""
    node = ast.parse(target.strip(), mode="eval").body
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    assert isinstance(node, ast.Name)
    return node.id


def assigned_targets(code: ast.AST) -> set[str]:
    """Every target a piece of code assigns, as source text (``x``, ``x.y``, ``x['k']``)."""
    found: set[str] = set()

    def add(target: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                add(element)
        elif isinstance(target, ast.Starred):
            add(target.value)
        elif isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
            text = ast.unparse(target)
            if is_target(text):
                found.add(text)

    for node in ast.walk(code):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            add(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            add(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    add(item.optional_vars)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
    return found


def assign(ns: dict, target: str, value) -> None:
    """Set ``target`` (a checked target expression) to ``value`` inside the namespace ``ns``."""
    if target.isidentifier():
        ns[target] = value
        return
    if not is_target(target):
        raise ValueError(f"{target!r} is not a variable name")
    ns["__chambers_value"] = value
    try:
        exec(f"{target.strip()} = __chambers_value", ns)  # noqa: S102 - a checked target
    finally:
        ns.pop("__chambers_value", None)


def delete(ns: dict, target: str) -> None:
    """Undefine ``target``; undefined already is fine."""
    if not is_target(target):
        raise ValueError(f"{target!r} is not a variable name")
    if target.isidentifier():
        ns.pop(target, None)
        return
    try:
        exec(f"del {target.strip()}", ns)  # noqa: S102 - a checked target
    except (NameError, AttributeError, KeyError, IndexError):
        pass
