"""The function registry: the only functions an expression can call.

An explicit table, not a namespace: a name missing here cannot be reached by any
spelling. Each evaluator keeps its own implementation table keyed by these names, and
a test asserts that both tables cover exactly this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

ArgKind = str
"""'number', 'bool', 'any', 'T' (all 'T' arguments share one type) or 'digits'
(a whole-number literal 0..MAX_ROUND_DIGITS)."""


@dataclass(frozen=True)
class Function:
    """Signature and meaning of one function, as the checker and the docs see it."""

    name: str
    params: tuple[str, ...]
    args: tuple[ArgKind, ...]
    result: str  # 'number', 'bool' or 'T'
    min_args: int
    rest: ArgKind | None = None  # kind of further arguments when variadic
    aggregate: bool = False
    keywords: tuple[str, ...] = ()  # params that may be passed by name
    doc: str = ""

    def signature(self) -> str:
        """`round(x, n=0) -> number`, as shown in messages and docs."""
        parts = [p if i < self.min_args else f"{p}=…" for i, p in enumerate(self.params)]
        if self.rest:
            parts.append("...")
        return f"{self.name}({', '.join(parts)}) -> {self.result}"


def _fn(name: str, params: str, args: str, result: str, doc: str, **kw: object) -> Function:
    names = tuple(p for p in params.split(",") if p)
    kinds = tuple(a for a in args.split(",") if a)
    min_args = int(kw.pop("min_args", len(names)))  # type: ignore[call-overload]
    return Function(name, names, kinds, result, min_args, doc=doc, **kw)  # type: ignore[arg-type]


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        _fn("min", "a,b", "number,number", "number", "smallest argument", rest="number"),
        _fn("max", "a,b", "number,number", "number", "largest argument", rest="number"),
        _fn("abs", "x", "number", "number", "absolute value"),
        _fn(
            "round",
            "x,n",
            "number,digits",
            "number",
            "half away from zero (四舍五入) to n decimals",
            min_args=1,
            keywords=("n",),
        ),
        _fn("floor", "x", "number", "number", "largest whole number <= x"),
        _fn("ceil", "x", "number", "number", "smallest whole number >= x"),
        _fn("sqrt", "x", "number", "number", "square root; null when x < 0"),
        _fn("clip", "x,lo,hi", "number,number,number", "number", "min(max(x, lo), hi)"),
        _fn("coalesce", "a,b", "T,T", "T", "first argument that is not null", rest="T"),
        _fn("is_null", "x", "any", "bool", "true when x is null (never null itself)"),
        _fn("if_null", "x,default", "T,T", "T", "x, or default when x is null"),
        _fn("between", "x,lo,hi", "number,number,number", "bool", "lo <= x <= hi"),
        _fn(
            "safe_div",
            "a,b,default",
            "number,number,number",
            "number",
            "a / b; null (or default) when b is 0 or null",
            min_args=2,
            keywords=("default",),
        ),
        _fn("sum", "x", "number", "number", "sum over the group; nulls skipped", aggregate=True),
        _fn("mean", "x", "number", "number", "mean over the group; nulls skipped", aggregate=True),
        _fn(
            "minimum",
            "x",
            "number",
            "number",
            "smallest value in the group; nulls skipped",
            aggregate=True,
        ),
        _fn(
            "maximum",
            "x",
            "number",
            "number",
            "largest value in the group; nulls skipped",
            aggregate=True,
        ),
        _fn(
            "count",
            "x",
            "any",
            "number",
            "rows in the group, or non-null values of x",
            aggregate=True,
            min_args=0,
        ),
        _fn("any", "x", "bool", "bool", "some value is true; nulls skipped", aggregate=True),
        _fn("all", "x", "bool", "bool", "no value is false; nulls skipped", aggregate=True),
    )
}
