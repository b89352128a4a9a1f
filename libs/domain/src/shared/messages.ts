/** Commands and events are readonly discriminated unions; `type` is the stable persisted name. */
export type Command<Type extends string, Data extends object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;
export type DomainEvent<Type extends string, Data extends object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/**
 * What the edge knows about a command that the domain needs for its decisions. The clock and the actor come in
 * here: deciders never read the wall clock.
 */
export interface CommandContext {
  readonly commandId: string;
  readonly actor: { readonly sub: string; readonly roles: readonly string[]; readonly org?: string };
  /** Business date of the fact (YYYY-MM-DD, Asia/Tokyo). */
  readonly occurredOn: string;
  /** Instant of recording (ISO-8601 UTC). */
  readonly now: string;
  /** Today's business date (Asia/Tokyo) at `now`: no fact may be dated later. */
  readonly today: string;
}

export interface Decider<C, E, S> {
  readonly initialState: () => S;
  readonly decide: (command: C, state: S, context: CommandContext) => readonly E[];
  readonly evolve: (state: S, event: E) => S;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
