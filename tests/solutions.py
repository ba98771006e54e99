"""Reading a chapter's exercises and solutions from its MyST source, to check what a student edition leaves out."""

import re
from pathlib import Path

SOLUTION = r"```\{solution-start\}.*?```\n(.*?)```\{solution-end\}"


def squeezed(text: str) -> str:
    return "".join(text.split())  # highlighted code and rendered math split text differently from the source


def exercise_labels(source: Path) -> list[str]:
    return re.findall(r"```\{exercise\}\n:label: (\S+)", source.read_text())


def solution_lines(source: Path) -> list[str]:
    """From each solution in the chapter's source, its longest stretch of text outside math and markup that appears
    nowhere else in the chapter (a solution may repeat a line of the chapter's own code, which the student sees)."""
    text = source.read_text()
    elsewhere = squeezed(re.sub(SOLUTION, "", text, flags=re.DOTALL))
    lines = []
    for block in re.findall(SOLUTION, text, flags=re.DOTALL):
        own = [stretch for line in block.splitlines() if not line.startswith(("```", ":"))
               for stretch in re.split(r"\$[^$]*\$|[*`]", line) if squeezed(stretch) not in elsewhere]
        assert own, f"a solution in {source.name} has no text of its own:\n{block}"
        lines.append(max(own, key=len))
    return lines
