"""Community grants: funding pots, groups' expressions of interest, due diligence, decisions,
payments, and the awarded groups added to the directory."""
