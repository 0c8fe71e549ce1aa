"""The evaluation model: one run of an interview ("assembling" it).

Every request runs the interview from the top: ``initial`` blocks every time, ``mandatory``
blocks in order until each completes, and whenever code or text touches an undefined name the
engine seeks a block that defines it (the latest one in the file first).  A run ends on a
screen or on an :class:`~.outcomes.Outcome` raised by a stopping function.
"""
from __future__ import annotations

import re
import traceback
from typing import Any

from .blocks import AttachmentBlock, Block, CodeBlock, ObjectsBlock, QuestionBlock, TemplateBlock
from .context import Run, activate
from .errors import CircularLogic, InterviewCodeError, NoEndpoint, UndefinedVariable
from .outcomes import Outcome, StopRun, TargetedTemplate
from .screen import Screen, build_screen
from .targets import assign

MAX_PASSES = 400
MAX_BLOCK_RETRIES = 200
_MISSING = object()
_NAME_IN_MESSAGE = re.compile(r"name '([^']+)' is not defined|'([^']+)' is not defined")


class _ShowQuestion(Exception):
    def __init__(self, screen: Screen):
        self.screen = screen


class _Restart(Exception):
    """A seek defined its variable: the pass starts again from the top."""


class _ForcedSeek(Exception):
    def __init__(self, name: str):
        self.name = name


def missing_name(exc: BaseException) -> str | None:
    """The variable an exception says is undefined, or None if it is some other error."""
    if not isinstance(exc, NameError):
        return None
    name = getattr(exc, "name", None)
    if name:
        return name
    match = _NAME_IN_MESSAGE.search(str(exc))
    return (match.group(1) or match.group(2)) if match else None


def assemble(run: Run) -> Screen | Outcome:
    """Run the interview once and return the screen to show or the outcome that ended it."""
    with activate(run):
        return _Assembler(run).outcome()


def evaluate_in(run: Run, expression: str) -> Any:
    """Evaluate an expression in the answers, seeking anything it needs.  Used by ``need`` etc."""
    return eval(expression, run.ns)  # noqa: S307 - interview code is trusted author code


class _Assembler:
    def __init__(self, run: Run):
        self.run = run
        self.interview = run.interview
        self.ns = run.ns

    # The outer loop ---------------------------------------------------------------------------
    def outcome(self) -> Screen | Outcome:
        for _ in range(MAX_PASSES):
            try:
                self._pass()
            except _Restart:
                continue
            except _ShowQuestion as shown:
                return shown.screen
            except StopRun as stop:
                return stop.outcome
        raise CircularLogic("the interview kept seeking variables without reaching a screen "
                            f"(last sought: {', '.join(self.run.seeking) or 'nothing'})")

    def _pass(self) -> None:
        self.run.seeking.clear()
        if not self.interview.calls_process_action:
            from .actions import process_action
            self._guard(process_action)
        answered = self.run.internal["answered"]
        for block in self.interview.sweep:
            if block.initial:
                self._guard(lambda b=block: self._run_block(b))
                continue
            if block.name in answered:
                continue
            self._guard(lambda b=block: self._run_block(b))
            if not isinstance(block, QuestionBlock):
                answered.add(block.name)
        raise NoEndpoint()

    def _guard(self, step) -> None:
        """Run one top-level step; an undefined name is sought and the pass restarts."""
        try:
            step()
        except _ForcedSeek as forced:
            if self.seek(forced.name, force=True):
                raise _Restart() from None
            self._pop_event(forced.name)  # nothing defines it: forgiven, and forgotten
        except NameError as exc:
            name = missing_name(exc)
            if name is None:
                raise
            self.seek(name)
            raise _Restart() from None

    def _run_block(self, block: Block) -> None:
        if isinstance(block, CodeBlock):
            self._exec(block)
        elif isinstance(block, QuestionBlock):
            self._ask(block, sought=None)
        else:
            for name in sorted(block.defines()):
                self._define_from(block, name)

    # The event stack (process_action() lives in actions.py) ------------------------------------------------------
    def _event_stack(self) -> list[dict[str, Any]]:
        stacks = self.run.internal.setdefault("event_stack", {})
        return stacks.setdefault(self.run.identity.session_uid, [])

    def _pop_event(self, name: str) -> None:
        stack = self._event_stack()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i]["action"] == name:
                del stack[i]
                return

    # Seeking ------------------------------------------------------------------------------------
    def seek(self, name: str, *, force: bool = False) -> bool:
        run = self.run
        if name in run.seeking:
            raise CircularLogic(f"{name!r} is needed to define itself "
                                f"(seeking {' → '.join(run.seeking + [name])})")
        run.seeking.append(name)
        try:
            for block in self.interview.candidates(name):
                if self._define_from(block, name, force=force):
                    return True
            if name in run.forgiven:
                return False
            raise UndefinedVariable(name, list(reversed(run.seeking)))
        finally:
            if run.seeking and run.seeking[-1] == name:
                run.seeking.pop()

    def _define_from(self, block: Block, name: str, *, force: bool = False) -> bool:
        if isinstance(block, QuestionBlock):
            self._ask(block, sought=name)
        if isinstance(block, CodeBlock):
            if block.event == name:
                self._pop_event(name)
                self._exec(block)
                return True
            old = self.ns.pop(name, _MISSING) if (force and name.isidentifier()) else _MISSING
            self._exec(block)
            if self._is_defined(name):
                return True
            if old is not _MISSING:
                self.ns[name] = old
            return False
        if isinstance(block, TemplateBlock):
            return self._define_template(block)
        if isinstance(block, AttachmentBlock):
            from .attachments import assemble_attachment
            collection = assemble_attachment(self.run, block.spec)
            self._assign(name, collection)
            return True
        if isinstance(block, ObjectsBlock):
            from .namespace import object_class
            for target, class_name in block.objects:
                if target == name:
                    self._assign(target, object_class(self.run, class_name)(target))
            return True
        return False

    def _define_template(self, block: TemplateBlock) -> bool:
        from .markup import render_mako
        from .objects import DALazyTemplate
        if block.target:
            content = self._with_seeking(lambda: render_mako(block.content, self.ns, name=block.where))
            raise StopRun(TargetedTemplate(target=str(block.target), content=content))
        self._assign(block.template_name, DALazyTemplate(block.template_name, content=block.content,
                                                         subject=block.subject))
        return True

    def _with_seeking(self, step):
        """Run ``step`` (rendering, evaluating); seek what it needs and retry, not restarting."""
        for _ in range(MAX_BLOCK_RETRIES):
            try:
                return step()
            except NameError as exc:
                name = missing_name(exc)
                if name is None:
                    raise
                self.seek(name)
        raise CircularLogic("too many retries")

    def _is_defined(self, name: str) -> bool:
        if name.isidentifier():
            return name in self.ns
        try:
            eval(name, self.ns)  # noqa: S307 - a checked target expression
            return True
        except (NameError, AttributeError, KeyError, IndexError):
            return False

    def _assign(self, target: str, value: Any) -> None:
        assign(self.ns, target, value)

    # Running code -------------------------------------------------------------------------------
    def _exec(self, block: CodeBlock) -> None:
        """Run a code block; a name it lacks is sought and the block re-runs from its first line."""
        for _ in range(MAX_BLOCK_RETRIES):
            try:
                for needed in block.need:
                    eval(needed, self.ns)  # noqa: S307
                exec(block.compiled, self.ns)  # noqa: S102 - interview code is author code
                return
            except (StopRun, _ShowQuestion, _Restart, _ForcedSeek):
                raise
            except NameError as exc:
                name = missing_name(exc)
                if name is None:
                    raise self._code_error(block, exc) from exc
                if name in self.run.seeking:
                    raise CircularLogic(f"{block.where}: {name!r} is needed to define itself") from None
                self.seek(name)
            except (UndefinedVariable, CircularLogic, InterviewCodeError, NoEndpoint):
                raise
            except Exception as exc:  # noqa: BLE001 - report any author error with where it was
                raise self._code_error(block, exc) from exc
        raise CircularLogic(f"{block.where}: the block kept needing new variables")

    def _code_error(self, block: Block, exc: BaseException) -> InterviewCodeError:
        return InterviewCodeError(f"{type(exc).__name__}: {exc} (in the block at {block.where})",
                                  block=block.name, original=exc,
                                  variables=list(reversed(self.run.seeking)))

    # Questions ----------------------------------------------------------------------------------
    def _ask(self, block: QuestionBlock, sought: str | None) -> None:
        for needed in block.need:
            eval(needed, self.ns)  # noqa: S307
        screen = build_screen(self.run, block, sought=sought)
        raise _ShowQuestion(screen)


_ENGINE_DIR = __file__.rsplit("/", 1)[0]


def format_exception(exc: BaseException) -> str:
    """A traceback of the interview's own code: the engine's frames and exception chain left out."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_ENGINE_DIR)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames),
             *traceback.format_exception_only(type(exc), exc)]
    return "".join(lines)
