"""The shape of the national data set: how many of everything at a scale, and the distributions
its rows are drawn from. Figures are plausible, not official; their sources are named where
there is one.

- England has 153 authorities with education duties; about 34,000 children are in independent
  and non-maintained special schools (DfE, Special educational needs in England, 2024), at a
  cost of about £2.18bn a year: a mean of about £64,000 a placement.
- Primary needs follow the DfE's shares for those schools: autism and social, emotional and
  mental health needs are most of them; boys are about three in four.
- Weekly fees by placement type are set so the mean annual cost lands near that £64,000: a day
  place around £1,300 a week for 38 weeks, a 38-week residential place around £3,300, a 52-week
  place around £4,900.
"""
import math
from dataclasses import dataclass

# England's nine regions. The North West is the demo region: its authorities and lots are the
# seed's own. Each other region gets its own three lots on the host's system (a national system
# lotted by region, as national frameworks are), so a call-off invites the providers of its
# region only, about as many as a regional system would.
REGIONS = [
    ("NW", "North West"), ("LON", "London"), ("SE", "South East"), ("EE", "East of England"),
    ("WM", "West Midlands"), ("YH", "Yorkshire and the Humber"), ("SW", "South West"),
    ("EM", "East Midlands"), ("NE", "North East"),
]
# Postcode areas per region for children's home districts (a district is not identifying).
POSTCODE_AREAS = {
    "NW": ["M", "SK", "WA", "L", "PR", "BB", "LA", "CH", "CW", "BL", "OL", "WN", "FY", "CA"],
    "LON": ["E", "N", "SE", "SW", "W", "NW", "CR", "BR", "HA", "IG", "EN", "UB"],
    "SE": ["GU", "RH", "TN", "ME", "CT", "BN", "PO", "SO", "OX", "RG", "MK", "HP"],
    "EE": ["CB", "CM", "CO", "IP", "NR", "PE", "SG", "AL", "LU", "SS"],
    "WM": ["B", "CV", "DY", "WS", "WV", "ST", "TF", "WR", "HR"],
    "YH": ["LS", "BD", "HX", "HD", "WF", "S", "DN", "HU", "YO", "HG"],
    "SW": ["BS", "BA", "EX", "PL", "TQ", "TR", "TA", "GL", "SN", "BH", "DT"],
    "EM": ["NG", "DE", "LE", "LN", "NN"],
    "NE": ["NE", "SR", "DH", "TS", "DL"],
}
GENERATED_AUTHORITY_KINDS = ["County", "Borough", "City", "District"]
ENGLISH_AUTHORITIES = 153

# DfE primary need codes with rough shares among children in independent special schools.
NEED_WEIGHTS = [("ASD", 38), ("SEMH", 30), ("SLCN", 7), ("MLD", 5), ("SLD", 6), ("PMLD", 2),
                ("SPLD", 3), ("HI", 1), ("VI", 1), ("MSI", 1), ("PD", 3), ("OTH", 3)]
PLACEMENT_TYPE_WEIGHTS = [("day", 82), ("residential_38", 11), ("residential_52", 7)]
# Median weekly core fee (pence) and spread (log-normal sigma) by placement type.
FEE_MEDIAN = {"day": 1_150_00, "residential_38": 3_000_00, "residential_52": 4_500_00}
FEE_SIGMA = 0.22
# What providers offer: (placement types, share of providers).
PROVIDER_TYPE_MIX = [
    (("day",), 62), (("day", "residential_38"), 14), (("residential_38",), 4),
    (("residential_38", "residential_52"), 9), (("residential_52",), 6),
    (("day", "residential_38", "residential_52"), 5),
]
AGE_RANGES = [((4, 11), 10), ((5, 16), 12), ((7, 16), 14), ((11, 16), 14), ((11, 19), 22),
              ((5, 19), 16), ((8, 19), 8), ((16, 25), 4)]
GENDER_MIX = [(("female", "male"), 80), (("male",), 15), (("female",), 5)]
END_REASONS = [("completed", 70), ("moved_setting", 12), ("breakdown", 7), ("left_area", 6),
               ("no_longer_responsible", 3), ("other", 2)]


@dataclass(frozen=True)
class Plan:
    """How many of each thing to make at ``scale`` (1.0 is national)."""

    scale: float
    seed: int
    years: int = 10

    @property
    def regions(self):
        """Regions with call-offs: all nine from scale 0.9; the North West alone below 0.15.
        Providers, authorities' call-offs and so the invitations per call-off scale together."""
        return REGIONS[:max(1, min(len(REGIONS), round(len(REGIONS) * self.scale)))]

    @property
    def authorities(self):
        """All 153 from scale 0.1; fewer below (never fewer than the region's own)."""
        return ENGLISH_AUTHORITIES if self.scale >= 0.1 else max(
            30, round(ENGLISH_AUTHORITIES * self.scale * 10))

    @property
    def providers(self):
        return max(24, round(3_000 * self.scale))

    @property
    def call_offs(self):
        return max(60, round(200_000 * self.scale))

    @property
    def placements(self):
        """All placements, from call-offs and recorded off-framework."""
        return max(80, round(300_000 * self.scale))


def weighted(rng, pairs):
    """One value of ``pairs`` ((value, weight), ...), by weight."""
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def lognormal_pence(rng, median, sigma, step=500):
    """A fee near ``median`` pence, rounded to ``step`` pence (£5 by default)."""
    value = median * math.exp(rng.gauss(0, sigma))
    return max(step, int(round(value / step)) * step)
