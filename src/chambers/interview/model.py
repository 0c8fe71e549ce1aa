"""An interview: its blocks in file order plus the indexes the engine needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .blocks import Block, CodeBlock, QuestionBlock, TemplateBlock


@dataclass
class Interview:
    name: str
    path: str
    blocks: list[Block]
    metadata: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    default_role: str | None = None
    calls_process_action: bool = False
    definers: dict[str, list[Block]] = field(default_factory=dict)
    by_name: dict[str, Block] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for block in self.blocks:
            self.by_name[block.name] = block
            for name in block.defines():
                self.definers.setdefault(name, []).append(block)
        self.calls_process_action = any(
            isinstance(b, CodeBlock) and "process_action(" in b.source for b in self.blocks)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or self.name)

    @property
    def short_title(self) -> str:
        return str(self.metadata.get("short title") or self.title)

    @property
    def sweep(self) -> list[Block]:
        """The ``initial`` and ``mandatory`` blocks in file order."""
        return [b for b in self.blocks if b.initial or b.mandatory]

    @property
    def events(self) -> frozenset[str]:
        """Names of every ``event:`` the interview defines (cron and e-mail look these up)."""
        names = {b.event for b in self.blocks if b.event}
        names |= {b.template_name for b in self.blocks if isinstance(b, TemplateBlock)}
        return frozenset(names)

    def candidates(self, name: str) -> list[Block]:
        """Blocks offering to define ``name``, the one latest in the file first."""
        return list(reversed(self.definers.get(name, [])))

    def question(self, block_name: str) -> QuestionBlock | None:
        block = self.by_name.get(block_name)
        return block if isinstance(block, QuestionBlock) else None

    def checkin_interval_ms(self, default: int) -> int:
        value = self.features.get("checkin interval", default)
        try:
            value = int(value)
        except (TypeError, ValueError):
            return default
        return 0 if value <= 0 else max(value, 1000)
