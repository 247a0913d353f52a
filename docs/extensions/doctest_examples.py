"""A griffe extension: renders the project's doctest examples as code.

The package's docstrings write an `Example:` header followed by doctest lines
level with it (so `--doctest-modules` runs them as written), sometimes with
a sentence of prose first. Google-style parsers only take indented lines as
a section's content, and read a singular `Example:` as an admonition whose
body is Markdown, where `>>>` would become nested block quotes. When the
docs are built this extension indents such a section and fences each run of
doctest lines as `pycon` code; the source stays as it is.
"""

import re

import griffe

_HEADER = re.compile(r"^Examples?:\s*$")
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def fence_examples(text: str) -> str:
    """Indents unindented `Example:` sections and fences their doctests.

    Args:
        text: str. A cleaned (dedented) docstring.

    Returns:
        The docstring with the body of each unindented `Example:` or
        `Examples:` section indented by four spaces and each run of doctest
        lines (from `>>>` to the next blank line) fenced as `pycon`. Sections
        that are already indented are left alone.

    Example:
    >>> fence_examples("Sum.\\n\\nExample:\\n>>> 1 + 1\\n2")
    'Sum.\\n\\nExample:\\n    ```pycon\\n    >>> 1 + 1\\n    2\\n    ```'
    """
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        i += 1
        if not _HEADER.match(out[-1]):
            continue
        body = []
        while i < len(lines) and not _SECTION.match(lines[i]):
            body.append(lines[i])
            i += 1
        first = next((line for line in body if line.strip()), "")
        if first.startswith((" ", "\t")):
            out.extend(body)
            continue
        in_code = False
        for line in body:
            if line.startswith(">>>") and not in_code:
                out.append("    ```pycon")
                in_code = True
            elif not line.strip() and in_code:
                out.append("    ```")
                in_code = False
            out.append("    " + line if line.strip() else "")
        if in_code:
            out.append("    ```")
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    """Fences the unindented doctest examples of every loaded object."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        """Rewrites `obj`'s docstring in place before it is rendered."""
        if obj.docstring is not None:
            obj.docstring.value = fence_examples(obj.docstring.value)
