import type { CommandContext, Decider } from '@ismap/domain';
import { DomainError } from '@ismap/domain';

export const TEST_CONTEXT: CommandContext = {
  commandId: '00000000-0000-4000-8000-000000000001',
  actor: { sub: 'test-secretariat', roles: ['secretariat'] },
  occurredOn: '2021-03-12',
  now: '2026-11-21T00:00:00.000Z',
  today: '2026-11-21',
};

/** given(events) / when(command) / then(events | error code), the shape of emmett's DeciderSpecification. */
export function deciderSpecification<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C, context: Partial<CommandContext> = {}) {
          const run = (): readonly E[] => {
            const state = events.reduce(decider.evolve, decider.initialState());
            return decider.decide(command, state, { ...TEST_CONTEXT, ...context });
          };
          return {
            then(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            thenThrows(code: string): void {
              let error: unknown;
              try {
                run();
              } catch (e) {
                error = e;
              }
              expect(error).toBeInstanceOf(DomainError);
              expect((error as DomainError).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
