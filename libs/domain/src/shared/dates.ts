/** Business dates are plain `YYYY-MM-DD` strings in Asia/Tokyo; arithmetic is done on calendar fields only. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isBusinessDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.toISOString().slice(0, 10) === value;
}

/** The Asia/Tokyo calendar date of an instant (JST has no daylight saving time: UTC+9 all year). */
export function tokyoDateOf(instant: Date): string {
  return new Date(instant.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}
