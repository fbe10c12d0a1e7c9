"""Uplift rules as data (issue 12 §4): how a placement's weekly fees rise over time. The columns
live on the purchasing system (the region's default), on a call-off (its override) and on each
placement (the rule agreed), so this module sits below all three. The arithmetic is the cost
engine's (``placements.engine``); this module only stores a rule.

Percentages are integer basis points (250 = 2.5%)."""
import enum

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class UpliftKind(enum.StrEnum):
    NONE = "none"
    FIXED_APRIL = "fixed_april"
    FIXED_ANNIVERSARY = "fixed_anniversary"
    INDEX_LINKED = "index_linked"

    @property
    def label(self):
        return {
            UpliftKind.NONE: "No uplift",
            UpliftKind.FIXED_APRIL: "A fixed percentage each 1 April",
            UpliftKind.FIXED_ANNIVERSARY: "A fixed percentage on each anniversary of the start",
            UpliftKind.INDEX_LINKED: "Linked to an index the host keeps",
        }[self]


class UpliftRuleColumns:
    """A stored uplift rule. ``uplift_kind`` None means "not set here" (a call-off that follows
    the system's default); a placement always has one. A proposal for an uplift must reach the
    authority ``uplift_notice_months`` before it takes effect (2: by 31 January for 1 April)."""

    uplift_kind: Mapped[str | None] = mapped_column(String(20))
    uplift_percent_bp: Mapped[int | None] = mapped_column(Integer)
    uplift_index_code: Mapped[str | None] = mapped_column(String(20))
    uplift_reference_month: Mapped[int | None] = mapped_column(Integer)
    uplift_cap_bp: Mapped[int | None] = mapped_column(Integer)
    uplift_floor_bp: Mapped[int | None] = mapped_column(Integer)
    uplift_review_above_bp: Mapped[int | None] = mapped_column(Integer)
    uplift_notice_months: Mapped[int | None] = mapped_column(Integer)

    UPLIFT_COLUMNS = ("uplift_kind", "uplift_percent_bp", "uplift_index_code",
                      "uplift_reference_month", "uplift_cap_bp", "uplift_floor_bp",
                      "uplift_review_above_bp", "uplift_notice_months")

    def uplift_values(self):
        """The rule's columns as a dict (to copy a default onto a placement)."""
        return {name: getattr(self, name) for name in self.UPLIFT_COLUMNS}
