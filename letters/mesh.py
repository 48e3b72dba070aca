"""MESH, NHS England's secure messaging service, as the letters use it (mesh-client): one client from the settings,
and the address GP Connect routes a letter by (docs/deployment.md, "Letters to GP practices over MESH")."""

from django.conf import settings

from referrals.models import Patient


def configured() -> bool:
    return bool(settings.MESH_URL and settings.MESH_MAILBOX)


def client():
    """A MeshClient for the service's mailbox; close it (use it in a `with`)."""
    from mesh_client import MeshClient

    cert = (settings.MESH_CLIENT_CERT, settings.MESH_CLIENT_KEY) if settings.MESH_CLIENT_CERT else None
    return MeshClient(settings.MESH_URL, settings.MESH_MAILBOX, settings.MESH_PASSWORD,
                      shared_key=settings.MESH_SHARED_KEY.encode() or None, cert=cert,
                      verify=settings.MESH_CA_CERT or None, max_retries=0, timeout=60,
                      application_name="social-prescribing-service")


def recipient(patient: Patient) -> str:
    """The practice's own MESH mailbox where it has one (Practice.mesh_mailbox), else MESH's automated routing."""
    return patient.practice.mesh_mailbox or routing_address(patient)


def routing_address(patient: Patient) -> str:
    """MESH's automated routing to the practice the person is registered with (GP Connect Messaging,
    integration_mesh.md): GPPROVIDER_<NHS number>_<date of birth DDMMYYYY>_<surname>."""
    return f"GPPROVIDER_{patient.nhs_number}_{patient.date_of_birth:%d%m%Y}_{patient.family_name}"
