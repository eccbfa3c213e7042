/**
 * Learning-rate schedules, evaluated per optimisation step. The trainer applies them by setting
 * the optimiser's learning rate before each step.
 */

export type LearningRateSchedule =
  | { kind: "constant" }
  /**
   * Linear warm-up from base/warmupSteps to base over `warmupEpochs`, then half a cosine from
   * base down to base * finalFraction (default 0) at the last step.
   */
  | { kind: "cosine"; warmupEpochs?: number; finalFraction?: number }
  /** Multiply by `factor` every `everyEpochs` epochs. */
  | { kind: "step"; everyEpochs: number; factor: number };

export interface ScheduleClock {
  /** Zero-based index of the step about to run. */
  step: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Learning rate for the step `clock.step` of a run whose base rate is `base`. */
export function learningRateAt(base: number, schedule: LearningRateSchedule, clock: ScheduleClock): number {
  const { step, stepsPerEpoch, totalSteps } = clock;
  switch (schedule.kind) {
    case "constant":
      return base;
    case "step":
      return base * Math.pow(schedule.factor, Math.floor(step / (schedule.everyEpochs * stepsPerEpoch)));
    case "cosine": {
      const warmupSteps = Math.round((schedule.warmupEpochs ?? 0) * stepsPerEpoch);
      if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
      const floor = base * (schedule.finalFraction ?? 0);
      const span = Math.max(1, totalSteps - warmupSteps);
      const progress = Math.min(1, (step - warmupSteps) / span);
      return floor + 0.5 * (base - floor) * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/** One-line description for logs and cache keys, for example "cosine (warm-up 1 epoch)". */
export function describeSchedule(schedule: LearningRateSchedule): string {
  switch (schedule.kind) {
    case "constant":
      return "constant";
    case "step":
      return `x${schedule.factor} every ${schedule.everyEpochs} epochs`;
    case "cosine":
      return schedule.warmupEpochs ? `cosine (warm-up ${schedule.warmupEpochs} epochs)` : "cosine";
  }
}
