from django.db import migrations


def seal(apps, schema_editor):
    """Seal the ledger entries and certificate events written before the chains existed."""
    from certification.records import event_content, event_key, ledger_content, ledger_key
    from people import chain

    ChainHead = apps.get_model("people", "ChainHead")
    TrainingEntry = apps.get_model("certification", "TrainingEntry")
    CertificateEvent = apps.get_model("certification", "CertificateEvent")
    chain.backfill(TrainingEntry.objects.all(), key_of=ledger_key, content_of=ledger_content,
                   order=("teacher_id", "pk"), head_model=ChainHead)
    chain.backfill(CertificateEvent.objects.select_related("certificate"), key_of=event_key,
                   content_of=event_content, order=("certificate__teacher_id", "pk"),
                   head_model=ChainHead)


class Migration(migrations.Migration):

    dependencies = [
        ("certification", "0004_records_hash_chains"),
        ("people", "0005_seal_existing_audit_entries"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop, elidable=True)]
