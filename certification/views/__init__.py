"""Pages of certification, by subject: `teacher` (the teacher's own certificates), `records` (HR over a
teacher's record and applications), `figures` (holding rates, the dashboard), `verify` (public
verification), `declarations` (outside hours declared and decided), `reach` (parent-school reach),
`policies` (the first-run policy checklist)."""
