from django.db import migrations


def seal(apps, schema_editor):
    """Seal the audit entries written before the chains existed, per organisation, in order."""
    from people import chain

    AuditEntry = apps.get_model("people", "AuditEntry")
    ChainHead = apps.get_model("people", "ChainHead")
    chain.backfill(AuditEntry.objects.all(), key_of=chain.audit_key,
                   content_of=chain.audit_content, order=("organisation_id", "pk"),
                   head_model=ChainHead)


class Migration(migrations.Migration):

    dependencies = [("people", "0004_records_hash_chains")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop, elidable=True)]
