"""Every scoped read, staff gate and scoped admin screen names a purpose of people.purposes."""

import ast
import importlib
from pathlib import Path

import pytest

from people import purposes

ROOT = Path(__file__).resolve().parents[2]
APPS = ("people", "courses", "certification", "hr", "cms", "lms", "lti")
SCOPE_CALLS = {"organisation_scope", "teacher_list_in_scope", "user_is_staff_in_scope",
               "user_has_staff_role", "staff_roles_for_user", "scope_roots", "scope_tops",
               "assignment_list_for_staff", "assignment_completion_by_school",
               "assignment_outstanding_list", "organisations_covered", "accounts_out_of_reach"}
# A function handing on the roles it was given (its caller named the purpose).
PASSED_ON = {"roles", "scope_roles", "self.scope_roles", "self.staff_roles", "purpose",
             "viewset.scope_roles", "self.write_roles", "viewset.write_roles"}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _value(module, node):
    """The object a Name or dotted Attribute stands for in the module, or None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    obj = getattr(module, node.id, None)
    for part in reversed(parts):
        obj = getattr(obj, part, None)
    return obj


def _purpose_problems():
    problems = []
    for path, dotted in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        checked = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SCOPE_CALLS:
                    roles = next((k.value for k in node.keywords if k.arg == "roles"), None)
                    if roles is None and any(k.arg is None for k in node.keywords):
                        continue  # **scope: checked where the dict is built
                    checked.append((node, roles, name))
                elif name == "staff_required":
                    roles = node.args[0] if node.args else next(
                        (k.value for k in node.keywords if k.arg == "roles"), None)
                    checked.append((node, roles, name))
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in ("scope_roles", "staff_roles", "write_roles")
                    for t in node.targets):
                checked.append((node, node.value, "scope_roles ="))
            elif isinstance(node, ast.Dict) and {getattr(k, "value", None) for k in node.keys} == {
                    "user", "roles"}:  # keyword arguments of a scoped read, built once
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "roles":
                        checked.append((node, value, "{'roles': ...}"))
        if not checked:
            continue
        module = importlib.import_module(dotted)
        for node, roles, name in checked:
            where = f"{path.relative_to(ROOT)}:{node.lineno} {name}"
            if roles is None:
                problems.append(f"{where}: no roles=")
            elif ast.unparse(roles) in PASSED_ON:
                continue
            elif not isinstance(_value(module, roles), purposes.Purpose):
                problems.append(f"{where}: roles={ast.unparse(roles)} is not a purpose of "
                                "people.purposes")
    return problems


def test_every_scope_names_a_purpose_from_the_table():
    problems = _purpose_problems()
    assert not problems, "Name the purpose from people/purposes.py:\n" + "\n".join(problems)


def test_desk_exports_read_with_the_desks_roles():
    """The HR desk's exports read rows through the roster, workload and assignment selectors:
    those purposes must grant exactly the desk's roles, or a file would hold another scope
    than the one its job records."""
    desk = set(purposes.HR_DESK)
    for purpose in (purposes.CERTIFICATE_ROSTER, purposes.WORKLOAD_REPORT):
        assert set(purpose) == desk, purpose.key


@pytest.mark.parametrize("key", sorted(purposes.PURPOSES))
def test_each_purpose_is_used(key):
    """A purpose in the table that nothing names is a stale line a reader would trust."""
    name = next(n for n, v in vars(purposes).items() if v is purposes.PURPOSES[key])
    used = any(f"purposes.{name}" in path.read_text(encoding="utf-8")
               for path, _dotted in _modules() if path.name != "purposes.py")
    aliased = {"HR_DESK": "DESK_ROLES", "HR_IMPORT": "IMPORT_ROLES",
               "CERTIFICATE_ROSTER": "ROSTER_ROLES"}
    assert used or name in aliased, key
