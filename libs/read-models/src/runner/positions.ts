import type { Position } from '@ismap/event-store';

/**
 * `comparePositions` without BigInt, for the per-event paths: both stores give canonical decimals (no leading
 * zeros), so the longer string is the larger position and equal lengths compare as text.
 */
export function positionAfter(position: Position, checkpoint: Position | undefined): boolean {
  if (checkpoint === undefined) return true;
  if (position.length !== checkpoint.length) return position.length > checkpoint.length;
  return position > checkpoint;
}
