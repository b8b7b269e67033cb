"""Customer-success analytics warehouse: raw contract, demo data generator and orchestration."""
