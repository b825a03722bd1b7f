import type { ServiceError } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';

/** Everything a call's Observable told its subscriber, once it has settled. */
export interface CallOutcome<T> {
  messages: T[];
  completed: boolean;
  error: ServiceError | undefined;
  /** How many times it settled (complete or error): must be 1. */
  settlements: number;
}

/** Subscribes and resolves with what arrived once the call completes or fails; keeps listening a little longer to catch a second settlement. */
export function callOutcome<T>(call$: Observable<T>, graceMs = 50): Promise<CallOutcome<T>> {
  const outcome: CallOutcome<T> = {
    messages: [],
    completed: false,
    error: undefined,
    settlements: 0,
  };
  return new Promise((resolve) => {
    const settled = (): void => {
      outcome.settlements++;
      if (outcome.settlements === 1) setTimeout(() => resolve(outcome), graceMs);
    };
    call$.subscribe({
      next: (message) => outcome.messages.push(message),
      error: (error: ServiceError) => {
        outcome.error = error;
        settled();
      },
      complete: () => {
        outcome.completed = true;
        settled();
      },
    });
  });
}
