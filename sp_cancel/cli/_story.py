"""The demo narrator: numbered sections, what was asked and what Amazon did."""

from __future__ import annotations

from sp_cancel.cli._output import Output

__all__ = ["DemoStory"]


class DemoStory:
    """What ``sp-cancel demo`` tells: numbered sections, and which workflow succeeded how."""

    def __init__(self, out: Output) -> None:
        """Tell the story on ``out``."""
        self.out = out
        self.number = 0
        self.successes: dict[str, str] = {}

    def section(self, title: str) -> None:
        """Start the next numbered section."""
        self.number += 1
        self.out.heading(f"{self.number}. {title}")

    def say(self, text: str) -> None:
        """A sentence of the story."""
        self.out.line(text)

    def succeeded(self, workflow: str, what: str) -> None:
        """Record that ``workflow`` (a ``SellerClient`` method) succeeded, and what it did."""
        self.successes.setdefault(workflow, what)
