"""MongoDB access: one module per collection; every function takes the organization first."""
