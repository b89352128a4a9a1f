/**
 * Event type names, one string each. Every event read brings its type as a fresh copy (from a SQLite row or a gRPC
 * message); handing out the one kept here means a reader comparing types (every projection does, per event)
 * compares the same string, and a reader keeping the type (the audit trail keeps every event's) keeps no copies.
 * Bounded: a log with more names than this starts over.
 */
const TYPE_NAMES_KEPT = 1024;
const typeNames = new Map<string, string>();

export function typeName(type: string): string {
  const kept = typeNames.get(type);
  if (kept !== undefined) return kept;
  if (typeNames.size >= TYPE_NAMES_KEPT) typeNames.clear();
  typeNames.set(type, type);
  return type;
}
