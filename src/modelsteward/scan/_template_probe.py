"""Render a chat template in Jinja2's immutable sandbox with probe messages, under bounds.

The sandbox stops attribute escapes but not resource abuse: ``'x' * 10**10``, doubling a
string in a loop, ``center(10**9)`` or an endless nested loop. This environment refuses
oversized operands in binary operators, concatenation, method calls and filters, caps the
output, and stops the render at a deadline (a trace hook that raises in the rendering thread).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from types import FrameType
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError, TemplateRuntimeError
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, modifies_known_mutable


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateLimits:
    """Bounds for one template analysis."""

    max_source_chars: int = 1_000_000
    max_value_len: int = 1_000_000
    """Longest string or list any single operation may produce."""
    max_int_arg: int = 100_000
    """Largest integer argument to a method or filter (widths, counts)."""
    max_output_chars: int = 2_000_000
    timeout_s: float = 2.0
    """Wall-clock budget for all probe renders together."""


class ResourceLimitError(Exception):
    """A render exceeded a bound of ``TemplateLimits``."""


class _ProbeCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # ``a ~ b`` compiles to a join the sandbox never sees; route it through the bound.
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _GenerationTag(Extension):
    """``{% generation %}`` (Hugging Face's assistant-mask marker): render the body."""

    tags = {"generation"}  # noqa: RUF012 - Extension API

    def parse(self, parser: Parser) -> list[nodes.Node]:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


class ProbeEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox that also bounds sizes; see the module docstring."""

    code_generator_class = _ProbeCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "//", "%"})

    def __init__(self, limits: TemplateLimits) -> None:
        super().__init__(
            trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _GenerationTag]
        )
        self.limits = limits
        self.filters = {name: self._bounded(fn) for name, fn in self.filters.items()}
        self.filters["tojson"] = self._bounded(_tojson)
        self.globals["raise_exception"] = _raise_exception
        self.globals["strftime_now"] = lambda fmt: time.strftime(str(fmt)[:64])
        self.globals["range"] = self._range

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Raise at once: the default returns an Undefined that prints as ''. A refused
        mutation of a list or dict is a broken template, not an escape."""
        kind = type(obj).__name__
        if modifies_known_mutable(obj, attribute):
            raise TemplateRuntimeError(f"the template mutates {kind}.{attribute}")
        raise SecurityError(f"access to attribute {attribute!r} of {kind!r} object is unsafe")

    def _range(self, *args: int) -> range:
        self._check_args(args, {})
        return range(*args)

    def bounded_concat(self, parts: tuple[Any, ...]) -> str:
        """Join ``parts`` as ``~`` does, refusing results over ``max_value_len``."""
        text = "".join(str(p) for p in parts)
        self._check_len(text)
        return text

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse ``**`` with large exponents and results over ``max_value_len``."""
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise ResourceLimitError(f"exponent {right} is too large")
        if operator in ("*", "+"):
            _check_product(left, right, self.limits.max_value_len)
        result = super().call_binop(context, operator, left, right)
        self._check_len(result)
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Bound method-call arguments (widths, counts, format specs) before calling."""
        __self._check_args(args, kwargs)
        receiver = getattr(__obj, "__self__", None)
        if isinstance(receiver, str | list) and args:
            longest = max((len(a) for a in args if isinstance(a, str | list)), default=0)
            _check_product(receiver, [None] * longest, __self.limits.max_value_len)
        result = super().call(__context, __obj, *args, **kwargs)
        __self._check_len(result)
        return result

    def _bounded(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._check_args(args, kwargs)
            sized = [a for a in args if isinstance(a, str | list)]
            if len(sized) >= 2:
                _check_product(sized[0], [None] * max(len(s) for s in sized[1:]), self._max)
            result = fn(*args, **kwargs)
            self._check_len(result)
            return result

        return wrapper

    @property
    def _max(self) -> int:
        return self.limits.max_value_len

    def _check_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and abs(value) > self.limits.max_int_arg:
                raise ResourceLimitError(f"integer argument {value} is too large")
            if isinstance(value, str) and _has_wide_spec(value):
                raise ResourceLimitError("format width is too large")

    def _check_len(self, value: object) -> None:
        if isinstance(value, str | list | tuple) and len(value) > self.limits.max_value_len:
            raise ResourceLimitError(f"a value of {len(value)} items exceeds the bound")


def _check_product(left: Any, right: Any, limit: int) -> None:
    sizes = [
        len(v) if isinstance(v, Sized) and not isinstance(v, dict) else None for v in (left, right)
    ]
    counts = [v for v in (left, right) if isinstance(v, int) and not isinstance(v, bool)]
    if sizes[0] is not None and sizes[1] is not None and sizes[0] + sizes[1] > limit:
        raise ResourceLimitError("concatenation result is too large")
    size = sizes[0] if sizes[0] is not None else sizes[1]
    if size is not None and counts and size * abs(counts[0]) > limit:
        raise ResourceLimitError("repetition result is too large")


def _has_wide_spec(text: str) -> bool:
    # '%999999999s' or '{:>999999999}' allocate the width before any other check runs.
    run = 0
    for ch in text:
        run = run + 1 if ch.isdigit() else 0
        if run > 6:
            return True
    return False


def _raise_exception(message: object) -> None:
    raise TemplateError(str(message))


def _tojson(value: Any, indent: int | None = None, **kwargs: Any) -> str:
    allowed = {k: v for k, v in kwargs.items() if k in ("separators", "sort_keys", "ensure_ascii")}
    return json.dumps(value, indent=indent, **allowed)


_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
_CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
PROBES: tuple[dict[str, Any], ...] = (
    {"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": True},
    {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the weather in Oslo?"},
            {"role": "assistant", "content": "", "tool_calls": [_CALL]},
            {"role": "tool", "name": "get_weather", "content": "12 C"},
            {"role": "assistant", "content": "It is 12 C."},
            {"role": "user", "content": "Thanks"},
        ],
        "tools": [_TOOL],
        "add_generation_prompt": True,
    },
)
"""Render inputs covering plain chat, system prompts and tool calls."""


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """What the probe renders ran into: None, or the first blocking error."""

    security: SecurityError | None = None
    limit: str | None = None


class _Deadline(Exception):
    pass


def probe_render(env: ProbeEnvironment, source: str) -> ProbeOutcome:
    """Render ``source`` with each of ``PROBES`` and report a sandbox block or a bound hit.

    Template errors (a template that refuses a role, a missing variable) are normal and
    ignored. Never raises for template content.
    """
    try:
        template = env.from_string(source)
    except (TemplateError, RecursionError, MemoryError, ValueError):
        return ProbeOutcome()
    deadline = time.monotonic() + env.limits.timeout_s
    for probe in PROBES:
        context = {"bos_token": "<s>", "eos_token": "</s>", **probe}
        try:
            _render_with_deadline(env, template.generate(context), deadline)
        except SecurityError as exc:
            return ProbeOutcome(security=exc)
        except ResourceLimitError as exc:
            return ProbeOutcome(limit=str(exc))
        except _Deadline:
            return ProbeOutcome(limit=f"rendering took longer than {env.limits.timeout_s} s")
        except (RecursionError, MemoryError, OverflowError) as exc:
            return ProbeOutcome(limit=type(exc).__name__)
        except Exception:  # noqa: S112 - template errors are expected for some probes
            continue
    return ProbeOutcome()


def _interruptible(frame: FrameType) -> bool:
    """Frames of the template and of the engine that renders it; never a frame the garbage
    collector or an unrelated callback runs in, where an exception is lost."""
    name = frame.f_code.co_filename
    return name == "<template>" or name == __file__ or f"{os.sep}jinja2{os.sep}" in name


def _render_with_deadline(env: ProbeEnvironment, chunks: Any, deadline: float) -> None:
    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if time.monotonic() > deadline and _interruptible(frame):
            raise _Deadline
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        total = 0
        for chunk in chunks:
            total += len(chunk)
            if total > env.limits.max_output_chars:
                raise ResourceLimitError(f"output exceeds {env.limits.max_output_chars} chars")
    finally:
        sys.settrace(previous)
