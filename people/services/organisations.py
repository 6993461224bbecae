"""Writes about organisations: the tree, its moves and removals, student counts."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .. import purposes
from ..audit import audit_record
from ..models import AuditEntry, Organisation, StudentCount, Teacher
from ..selectors import organisations_covered
from ..text import fold

User = get_user_model()


@transaction.atomic
def organisation_create(*, code: str, name: str, kind: str,
                        parent: Organisation | None = None, actor=None, **fields) -> Organisation:
    """Add an organisation under `parent` (or as a root); treebeard gives it its place. With
    an `actor` (a person), a role that grants the tree's purpose must cover the parent."""
    if actor is not None:
        _tree_write_check(actor, parent)
    node = Organisation(code=code, name=name, kind=kind, **fields)
    node.clean()  # a code that differs from one in use only by case or width is refused
    if parent is None:
        node = Organisation.add_root(instance=node)
    else:
        parent.refresh_from_db()  # treebeard reads numchild from the instance
        node = parent.add_child(instance=node)
    if actor is not None:
        audit_record(actor=actor, action=AuditEntry.Action.ORGANISATION_CHANGE, organisation=node,
                     target=node.code, detail="create")
    return node


@transaction.atomic
def organisation_update(*, organisation: Organisation, parent: Organisation | None,
                        actor=None, **fields) -> Organisation:
    """Change an organisation's fields and, when `parent` differs, move it (its subtree, teachers
    and history go with it: only the tree path changes).

    With an `actor` (a person): a role granting the tree's purpose covers the organisation; a
    move or a change of kind needs one role over both its current parent and its destination
    (a school leaves a district only by HR above both)."""
    current = organisation.get_parent(update=True)
    if actor is not None:
        stored = Organisation.objects.get(pk=organisation.pk)
        _tree_write_check(actor, stored)
        moving = parent is not None and (current is None or current.pk != parent.pk)
        if moving or fields.get("kind", stored.kind) != stored.kind:
            _tree_write_check(actor, current or stored, parent or current or stored)
    changed = [key for key, value in fields.items() if getattr(organisation, key) != value]
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.save(update_fields=list(fields) or None)
    if parent is not None and (current is None or current.pk != parent.pk):
        parent.refresh_from_db()
        organisation.move(parent, pos="last-child")
        organisation.refresh_from_db()
        changed.append("parent")
    if actor is not None and changed:
        audit_record(actor=actor, action=AuditEntry.Action.ORGANISATION_CHANGE,
                     organisation=organisation, target=organisation.code, detail=", ".join(changed))
    return organisation


class OrganisationWriteRefused(PermissionDenied):
    """The actor's roles for this write do not cover the organisation (or the destination)."""


def _tree_write_check(actor, *organisations) -> None:
    if any(o is None for o in organisations):
        if getattr(actor, "is_superuser", False):
            return  # a root: only a superuser adds or moves one
        raise OrganisationWriteRefused(_("Only a superuser changes the top of the tree."))
    if not organisations_covered(actor, *organisations, roles=purposes.ORGANISATION_TREE):
        raise OrganisationWriteRefused(
            _("You may change organisations only where one HR role of yours covers both the "
              "organisation and where it goes."))


@transaction.atomic
def student_count_record(*, organisation: Organisation, on: date, count: int, actor=None) -> None:
    """Record a school's number of students on a day (the day's figure is replaced); a count
    that changes writes an audit line, which a report snapshot's comparison names."""
    before = (StudentCount.objects.filter(organisation=organisation, on=on)
              .values_list("count", flat=True).first())
    if before == count:
        return
    StudentCount.objects.update_or_create(organisation=organisation, on=on, defaults={"count": count})
    audit_record(actor=actor, action=AuditEntry.Action.STUDENT_COUNT_CHANGE,
                 organisation=organisation, target=organisation.code,
                 detail=f"{on.isoformat()}: {'—' if before is None else before} -> {count}")


@transaction.atomic
def organisations_remove(*, organisation_ids: list[int]) -> int:
    """Remove organisations (and their subtrees) that have no teachers; returns how many."""
    nodes = list(Organisation.objects.filter(pk__in=organisation_ids))
    for node in nodes:
        if Teacher.objects.filter(school__path__startswith=node.path).exists():
            raise PermissionDenied(_("An organisation with teachers cannot be removed."))
    count = len(nodes)
    # Deepest first, so a parent never goes before its children are gone.
    for node in sorted(nodes, key=lambda n: -n.depth):
        if Organisation.objects.filter(pk=node.pk).exists():
            Organisation.objects.filter(pk=node.pk).delete()
    return count


@transaction.atomic
def organisations_bulk_add(*, rows: list[dict], batch_size: int = 2000) -> dict[str, Organisation]:
    """Add many organisations at once (an organisation sheet's new rows), in treebeard's own
    path scheme: each row has code, name, kind, stages, is_boarding and `parent` (the code of an
    existing organisation or of an earlier row; None for a root). Rows come parents first.
    A few queries per parent instead of several per node; returns the new nodes by code.
    """
    steplen = Organisation.steplen
    parents = {o.code: o for o in Organisation.objects.filter(
        code__in={row["parent"] for row in rows if row["parent"]})}
    next_step: dict[str, int] = {}
    added: dict[str, Organisation] = {}
    extra_children: dict[int, int] = {}

    def step_under(path: str | None, existing: Organisation | None) -> int:
        key = path or ""
        if key not in next_step:
            if existing is not None:
                last = existing.get_last_child()
                next_step[key] = Organisation._str2int(last.path[-steplen:]) + 1 if last else 1
            elif path is None:
                last = Organisation.get_last_root_node()
                next_step[key] = Organisation._str2int(last.path[:steplen]) + 1 if last else 1
            else:
                next_step[key] = 1
        step = next_step[key]
        next_step[key] = step + 1
        return step

    for row in rows:
        parent = added.get(row["parent"]) or parents.get(row["parent"])
        depth = parent.depth + 1 if parent else 1
        step = step_under(parent.path if parent else None, parent if row["parent"] in parents else None)
        node = Organisation(code=row["code"], code_key=fold(row["code"]), name=row["name"],
                            kind=row["kind"],
                            stages=row.get("stages", 0), is_boarding=row.get("is_boarding", False),
                            depth=depth, numchild=0,
                            path=Organisation._get_path(parent.path if parent else "", depth, step))
        if parent is not None:
            if row["parent"] in added:
                parent.numchild += 1
            else:
                extra_children[parent.pk] = extra_children.get(parent.pk, 0) + 1
        added[row["code"]] = node
    Organisation.objects.bulk_create(list(added.values()), batch_size=batch_size)
    for pk, count in extra_children.items():
        Organisation.objects.filter(pk=pk).update(numchild=F("numchild") + count)
    if any(node.pk is None for node in added.values()):  # backends that return no ids
        ids = dict(Organisation.objects.filter(code__in=list(added)).values_list("code", "pk"))
        for code, node in added.items():
            node.pk = ids[code]
    return added
