/** The time part of a generated workflow or schedule id: 2026-12-07T06:00:00Z → `20261207-060000`, sortable and readable. */
export const idStamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
