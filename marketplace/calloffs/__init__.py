"""Call-offs: placement requests, sealed offers, awards and placements."""
