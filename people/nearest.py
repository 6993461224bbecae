"""The one rule of "the nearest rule up the tree applies", in its two forms side by side.

Policies are data per subtree (cycle hours, holding targets, the new-teacher period, staffing
rules, calendars, workload credits and norms): the row of the nearest organisation at or above
a school applies, the row keyed "" applies everywhere else, and a default where there is none.

- `nearest_rule(rules, path, default)`: Python, for one organisation's path;
- `nearest_rule_expression(rules, path_field, default, output_field)`: SQL, one CASE choosing
  the same value for each row of a queryset by the path in `path_field`.

`rules` maps organisation paths to values in both. tests/people/test_nearest_rule.py compares
the two on every organisation of a tree, on the day a rule changes.
"""

from __future__ import annotations

from django.db.models import Case, Field, Value, When

from .models import Organisation


def ancestor_paths(path: str) -> list[str]:
    """A path and the paths of its ancestors, root first."""
    step = Organisation.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def nearest_rule(rules: dict[str, object], path: str, default=None):
    """The value of the rule nearest at or above `path` ("" keys the rule for everywhere),
    else `default`."""
    for candidate in reversed(["", *ancestor_paths(path)]):
        if candidate in rules:
            return rules[candidate]
    return default


def nearest_rule_expression(rules: dict[str, object], path_field: str, default,
                            output_field: Field):
    """`nearest_rule` for each row, by the organisation path in `path_field` (e.g.
    "school__path"), as one CASE over the (few) organisations that set a rule: the longest
    path that prefixes the row's wins."""
    default = Value(rules.get("", default), output_field=output_field)
    whens = [When(**{f"{path_field}__startswith": path},
                  then=Value(value, output_field=output_field))
             for path, value in sorted(rules.items(), key=lambda kv: -len(kv[0])) if path]
    return Case(*whens, default=default, output_field=output_field) if whens else default
