"""A small, strict subset of JSON Schema for manifest input/params schemas.

Supported keywords: type, properties, required, additionalProperties (false
only), items, minItems, maxItems, minimum, maximum, minLength, maxLength,
enum. That is all the shipped models need, and an unknown keyword is a
manifest error rather than something silently ignored.
"""

import math

KNOWN = {
    "type", "properties", "required", "additionalProperties", "items",
    "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength",
    "enum", "description", "default",
}
TYPES = {"object", "array", "integer", "number", "string", "boolean"}


class SchemaError(ValueError):
    """The schema itself is malformed (a manifest problem)."""


class ValidationError(ValueError):
    """A value does not match its schema (a caller problem)."""


def check_schema(s, where="schema"):
    if not isinstance(s, dict):
        raise SchemaError(f"{where}: not an object")
    unknown = set(s) - KNOWN
    if unknown:
        raise SchemaError(f"{where}: unsupported keywords {sorted(unknown)}")
    if s.get("type") not in TYPES:
        raise SchemaError(f"{where}: type must be one of {sorted(TYPES)}")
    if s.get("additionalProperties", False) is not False:
        raise SchemaError(f"{where}: additionalProperties may only be false")
    for name, sub in s.get("properties", {}).items():
        check_schema(sub, f"{where}.{name}")
    if "items" in s:
        check_schema(s["items"], f"{where}[]")


def _type_ok(t, v):
    # bool is an int in Python; JSON keeps them apart.
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, {"object": dict, "array": list, "string": str,
                          "boolean": bool}[t])


def _numbers_ok(items, v):
    """Fast path for arrays of plain numbers (images): True if every item
    is valid; False means "check slowly", which also finds the message."""
    t = items["type"]
    if t not in ("number", "integer") or not set(items) <= {"type", "minimum", "maximum", "description"}:
        return False
    lo = items.get("minimum", -math.inf)
    hi = items.get("maximum", math.inf)
    for x in v:
        tx = type(x)
        if tx is float:
            if t == "integer" or not math.isfinite(x):
                return False
        elif tx is not int:
            return False
        if not lo <= x <= hi:
            return False
    return True


def validate(s, v, where="input"):
    t = s["type"]
    if not _type_ok(t, v):
        raise ValidationError(f"{where}: want {t}, got {type(v).__name__}")
    if "enum" in s and v not in s["enum"]:
        raise ValidationError(f"{where}: not one of {s['enum']}")
    if t in ("integer", "number"):
        if v != v or v in (float("inf"), float("-inf")):
            raise ValidationError(f"{where}: not a finite number")
        if "minimum" in s and v < s["minimum"]:
            raise ValidationError(f"{where}: {v} < minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            raise ValidationError(f"{where}: {v} > maximum {s['maximum']}")
    elif t == "string":
        if "minLength" in s and len(v) < s["minLength"]:
            raise ValidationError(f"{where}: shorter than {s['minLength']}")
        if "maxLength" in s and len(v) > s["maxLength"]:
            raise ValidationError(f"{where}: longer than {s['maxLength']}")
    elif t == "array":
        if "minItems" in s and len(v) < s["minItems"]:
            raise ValidationError(f"{where}: fewer than {s['minItems']} items")
        if "maxItems" in s and len(v) > s["maxItems"]:
            raise ValidationError(f"{where}: more than {s['maxItems']} items")
        if "items" in s:
            items = s["items"]
            if _numbers_ok(items, v):
                return
            for i, x in enumerate(v):
                try:
                    validate(items, x, "")
                except ValidationError as e:
                    # The path is built only on failure: a 64-pixel image
                    # must not cost 64 string formats.
                    raise ValidationError(f"{where}[{i}]{e}") from None
    elif t == "object":
        props = s.get("properties", {})
        for name in s.get("required", []):
            if name not in v:
                raise ValidationError(f"{where}: missing {name!r}")
        for name, x in v.items():
            if name not in props:
                raise ValidationError(f"{where}: unknown field {name!r}")
            try:
                validate(props[name], x, "")
            except ValidationError as e:
                raise ValidationError(f"{where}.{name}{e}") from None
