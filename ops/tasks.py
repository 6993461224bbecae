"""Nightly backup, kept with its retention and optionally copied to object storage."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from .backup import backup_create, backups_prune

logger = logging.getLogger(__name__)


@shared_task(name="ops.backup_nightly")
def backup_nightly() -> str:
    """Write tonight's archive, prune to 7 daily, 4 weekly and 12 monthly, and copy the archive
    to the `backups` storage where one is configured."""
    out = Path(settings.BACKUP_DIR)
    path = backup_create(out_dir=out)
    for old in backups_prune(directory=out):
        logger.info("backup pruned: %s", old.name)
    if settings.BACKUP_STORAGE:
        with path.open("rb") as f:
            storages[settings.BACKUP_STORAGE].save(path.name, File(f))
    logger.info("backup written: %s", path)
    return str(path)
