/** A clock the emulator tests move by hand: pass `clock: () => clock.now` to an emulator. */
export interface ManualClock {
  now: number;
  advance(ms: number): void;
}

/** A frozen instant both emulators' tests start from (after the seeded data's base date). */
export const TEST_START_MS = Date.UTC(2026, 10, 20, 12, 0, 0);

export function manualClock(start = TEST_START_MS): ManualClock {
  return {
    now: start,
    advance(ms: number) {
      this.now += ms;
    },
  };
}
