// Counts turns of the event loop (setImmediate callbacks) while work runs: a step that never
// yields lets none happen, so "did other work get to run?" is asked without timing anything.

export interface TurnCounter {
  /** Turns so far. */
  readonly turns: number;
  stop(): void;
}

export function countTurns(): TurnCounter {
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) {
      setImmediate(tick);
    }
  };
  setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      ticking = false;
    },
  };
}
