"""Every import inside a function says why it is not at the top of its module.

STYLE.md wants imports at the top, so a local import needs a reason: a `#` comment on its own
line (the first or last line of a multi-line import) or directly above it, where one comment may
cover a block of consecutive imports (isort's blank lines between sections included). Imports
under `if TYPE_CHECKING:` never run and are exempt. The files checked are those of the root
packages in `.importlinter` and `config`, without their migrations.
"""

from __future__ import annotations

import ast
import io
import tokenize

from tests.test_layers import ROOT, root_packages


def comment_lines(source: str) -> tuple[set[int], set[int]]:
    """The lines that carry a comment, and those that hold nothing but one."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    comments = [token for token in tokens if token.type == tokenize.COMMENT]
    alone = {token.start[0] for token in comments if not token.line[: token.start[1]].strip()}
    return {token.start[0] for token in comments}, alone


def is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")


def local_imports(nodes, in_function: bool = False):
    for node in nodes:
        if is_type_checking(node):
            yield from local_imports(node.orelse, in_function)  # its body never runs
            continue
        if in_function and isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from local_imports(ast.iter_child_nodes(node), inner)


def unexplained_imports(source: str) -> list[int]:
    """The first line of each local import in `source` that no comment explains."""
    comments, comment_only = comment_lines(source)
    blank = {number for number, line in enumerate(source.splitlines(), 1) if not line.strip()}
    imports = sorted(local_imports([ast.parse(source)]), key=lambda node: node.lineno)
    import_lines = {line for node in imports for line in range(node.lineno, node.end_lineno + 1)}
    unexplained = []
    for node in imports:
        above = node.lineno - 1
        # A comment above a block of imports covers them all.
        while above in import_lines or (above in blank and above - 1 in import_lines):
            above -= 1
        if not comments & {node.lineno, node.end_lineno} and above not in comment_only:
            unexplained.append(node.lineno)
    return unexplained


def test_every_local_import_gives_its_reason():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in [*root_packages(), "config"]
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line in unexplained_imports(path.read_text())
    ]

    assert not offenders, "local imports without a reason comment:\n" + "\n".join(offenders)


def test_the_check_flags_a_bare_local_import_and_accepts_an_explained_one():
    bare = "def f():\n    x = 1\n    import json\n    from os import path\n"
    explained = "def f():\n    x = 1\n    # lazily: only f needs them\n    import json\n"
    explained += "\n    from os import path\n"
    guarded = "def f():\n    if TYPE_CHECKING:\n        import json\n"

    assert unexplained_imports(bare) == [3, 4]
    assert unexplained_imports(explained) == []
    assert unexplained_imports(guarded) == []
