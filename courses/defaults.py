"""The hour categories every installation starts with (city HR may add, rename, reorder and
deactivate them). Seeding is idempotent: existing rows are left as HR set them."""

# code, Chinese name, English name. The codes are the ones pages, events and declarations
# stored before categories were data, so every existing row keeps its category.
HOUR_CATEGORIES = [
    ("crisis", "心理危机识别与干预", "Crisis recognition and intervention"),
    ("knowledge", "心理健康知识", "Mental-health knowledge"),
    ("counselling", "心理辅导技能", "Counselling skills"),
    ("family", "家庭教育", "Family education"),
    ("other", "其他", "Other"),
]


def seed_hour_categories(apps=None) -> None:
    """Create the default hour categories once (city HR edit them in the admin: people/roles.py)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    try:
        HourCategory = apps.get_model("courses", "HourCategory")
    except LookupError:  # an early migration's state, before categories existed
        return
    for order, (code, name, name_en) in enumerate(HOUR_CATEGORIES, start=1):
        HourCategory.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "order": order * 10})
