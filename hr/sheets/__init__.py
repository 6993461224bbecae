"""The openpyxl plumbing of the HR desk: columns, value normalisation, safe reading, safe writing."""
