"""System checks of certification's deployment (`manage.py check --deploy`)."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=True)
def signing_key_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the key that signs certificate PDFs (and the records' checkpoints) is missing
    or unreadable: every PDF download would then answer 500."""
    from .signing import _paths

    try:
        key, cert, self_signed = _paths()
    except ImproperlyConfigured as error:
        return [checks.Warning(
            f"Certificate PDFs cannot be signed: {error}", id="certification.W001",
            hint="Set DJANGO_CERTIFICATE_SIGNING_KEY and DJANGO_CERTIFICATE_SIGNING_CERT to "
                 "the authority's PEM files (docs/deploy.md).")]
    if self_signed:
        return [checks.Warning(
            "Certificate PDFs are signed with a self-signed demo key made on first use.",
            id="certification.W002",
            hint="Set DJANGO_CERTIFICATE_SIGNING_KEY and DJANGO_CERTIFICATE_SIGNING_CERT.")]
    missing = [str(path) for path in (key, cert) if not path.is_file()]
    if missing:
        return [checks.Warning(
            "The certificate signing key or certificate cannot be read: " + ", ".join(missing),
            id="certification.W003",
            hint="Certificate PDF downloads answer 500 until the files are in place.")]
    return []
