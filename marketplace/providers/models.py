from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

import tenants


class Provider(tenants.Organisation):
    """An independent or non-maintained special school (or group) that bids for placements.

    Its name is the legal name; the full profile (need codes, placement types, documents, rate
    card) arrives with the purchasing-system work.
    """

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    companies_house_number: Mapped[str | None] = mapped_column(String(8), index=True)
    charity_number: Mapped[str | None] = mapped_column(String(12))
    dfe_urn: Mapped[str | None] = mapped_column(String(7), index=True)
    ofsted_urn: Mapped[str | None] = mapped_column(String(10))

    __mapper_args__ = {"polymorphic_identity": tenants.OrganisationKind.PROVIDER}
