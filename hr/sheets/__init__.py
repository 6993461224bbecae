"""The sheet plumbing of the HR desk: columns, value normalisation, safety checks before any
parser (safety), reading with calamine and csv (reading), streamed writing (writing)."""
