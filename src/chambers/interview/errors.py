"""Errors raised while loading or running an interview."""
from __future__ import annotations


class ChambersError(Exception):
    """Base of every error Chambers raises on purpose."""


class InterviewSourceError(ChambersError):
    """The interview file itself is wrong: names the file and line."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = path + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}" if where else message)


class UndefinedVariable(ChambersError):
    """No block in the interview offers to define a variable the logic needs."""

    def __init__(self, name: str, stack: list[str] | None = None):
        self.name = name
        self.stack = list(stack or [])
        super().__init__(f"There is no question or code block that defines {name!r}")


class InterviewCodeError(ChambersError):
    """Interview code raised an exception; carries where it happened."""

    def __init__(self, message: str, *, block: str, original: BaseException | None = None,
                 variables: list[str] | None = None):
        self.block = block
        self.original = original
        self.variables = list(variables or [])
        super().__init__(message)


class CircularLogic(ChambersError):
    """The logic kept seeking without reaching a screen."""


class NoEndpoint(ChambersError):
    """Every mandatory block finished and nothing is left to show."""

    def __init__(self) -> None:
        super().__init__("The interview ran to its end without reaching a screen to show; "
                         "an interview must end on a question")


class InputError(ChambersError):
    """Submitted values are invalid; ``problems`` maps field variable to a message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
