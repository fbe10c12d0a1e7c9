"""Specifications, their versions and acceptances, and local schedules in the API."""
from flask_login import current_user

import tenants

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (AcceptanceQuerySchema, AcceptanceSchema, DraftInputSchema,
                      InForceQuerySchema, LocalScheduleChangeSchema, LocalScheduleInputSchema,
                      LocalScheduleSchema, PublishSchema, SpecificationChangeSchema,
                      SpecificationInputSchema, SpecificationSchema, VersionInputSchema,
                      VersionSchema)

# Two resources: /specifications and /local-schedules.
blp = api_blueprint("api_specifications", __name__, url_prefix="",
                    description="The core specification, contract terms and lot specifications "
                                "with their versions and providers' acceptances; authorities' "
                                "local schedules.")


@blp.get("/specifications")
@blp.response(200, SpecificationSchema(many=True))
@blp.paginate(**PAGINATION)
def specifications(pagination_parameters):
    """Every specification: core, contract terms, then each lot's (drafts only for the host)."""
    return page_items(pagination_parameters, services.page_of_specifications(
        pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/specifications")
@blp.arguments(SpecificationInputSchema)
@blp.response(201, SpecificationSchema)
@errors(omit=(409,))
def create_specification(data):
    """Add a specification (host administrators)."""
    return services.create_specification(current_user, **data)


@blp.get("/specifications/in-force")
@blp.arguments(InForceQuerySchema, location="query")
@blp.response(200, VersionSchema(many=True))
def in_force(query):
    """The versions in force at a time (now by default) that apply to a call-off in a lot:
    core, contract terms and the lot's specification."""
    return services.versions_in_force(query["at"] or tenants.utcnow(), query["lot_id"])


@blp.get("/specifications/acceptances")
@blp.arguments(AcceptanceQuerySchema, location="query")
@blp.response(200, AcceptanceSchema(many=True))
@blp.paginate(**PAGINATION)
def acceptances(query, pagination_parameters):
    """Providers' acceptances, newest first: every provider's for the host and authorities,
    its own for a provider."""
    return page_items(pagination_parameters, services.page_of_acceptances(
        pagination_parameters.page, pagination_parameters.page_size, query["version_id"]))


@blp.get("/specifications/<id:specification_id>")
@blp.response(200, SpecificationSchema)
def specification(specification_id):
    """One specification with its versions."""
    return services.get_specification(specification_id)


@blp.patch("/specifications/<id:specification_id>")
@blp.arguments(SpecificationChangeSchema)
@blp.response(200, SpecificationSchema)
@errors(omit=(409,))
def rename_specification(data, specification_id):
    """Change a specification's title (host administrators)."""
    return services.rename_specification(current_user, specification_id, **data)


@blp.get("/specifications/<id:specification_id>/versions")
@blp.response(200, VersionSchema(many=True))
@blp.paginate(**PAGINATION)
def versions(specification_id, pagination_parameters):
    """A specification's versions, newest first (drafts only for the host)."""
    return page_items(pagination_parameters, services.page_of_versions(
        specification_id, pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/specifications/<id:specification_id>/versions")
@blp.arguments(DraftInputSchema)
@blp.response(201, VersionSchema)
def create_draft(data, specification_id):
    """Start the next version as a draft (host administrators; one draft at a time)."""
    return services.create_draft(current_user, specification_id, **data)


@blp.get("/specifications/<id:specification_id>/versions/<id:version_id>")
@blp.response(200, VersionSchema)
def version(specification_id, version_id):
    """One version (a draft only for the host)."""
    return services.get_version(version_id, specification_id)


@blp.patch("/specifications/<id:specification_id>/versions/<id:version_id>")
@blp.arguments(VersionInputSchema)
@blp.response(200, VersionSchema)
def update_draft(data, specification_id, version_id):
    """Change a draft (host administrators); a published version is immutable (409)."""
    return services.update_draft(current_user, version_id, specification_id=specification_id,
                                 **data)


@blp.post("/specifications/<id:specification_id>/versions/<id:version_id>/publish")
@blp.arguments(PublishSchema)
@blp.response(200, VersionSchema)
def publish(data, specification_id, version_id):
    """Publish a draft, in force from the start of ``effective_on`` (UK time); providers are
    emailed to accept it by then (host administrators)."""
    return services.publish_version(current_user, version_id, specification_id=specification_id,
                                    **data)


@blp.post("/specifications/<id:specification_id>/versions/<id:version_id>/accept")
@blp.response(201, AcceptanceSchema)
def accept(specification_id, version_id):
    """Accept a version in force or upcoming, for the provider (provider users)."""
    return services.accept_version(current_user, version_id, specification_id)


@blp.get("/local-schedules")
@blp.response(200, LocalScheduleSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def local_schedules(pagination_parameters):
    """The authority's own local schedules, current first (placement officers and managers)."""
    return page_items(pagination_parameters, services.page_of_local_schedules(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/local-schedules")
@blp.arguments(LocalScheduleInputSchema)
@blp.response(201, LocalScheduleSchema)
@errors(omit=(409,))
def create_local_schedule(data):
    """Write a local schedule (placement officers and managers)."""
    return services.create_local_schedule(current_user, **data)


@blp.get("/local-schedules/<id:schedule_id>")
@blp.response(200, LocalScheduleSchema)
@errors(403)
def local_schedule(schedule_id):
    """One of the authority's local schedules."""
    return services.get_local_schedule(current_user, schedule_id)


@blp.patch("/local-schedules/<id:schedule_id>")
@blp.arguments(LocalScheduleChangeSchema)
@blp.response(200, LocalScheduleSchema)
def update_local_schedule(data, schedule_id):
    """Save a new revision of a current local schedule (placement officers and managers)."""
    return services.update_local_schedule(current_user, schedule_id, **data)


@blp.post("/local-schedules/<id:schedule_id>/archive")
@blp.response(200, LocalScheduleSchema)
def archive_local_schedule(schedule_id):
    """Archive a local schedule (placement officers and managers)."""
    return services.archive_local_schedule(current_user, schedule_id)
