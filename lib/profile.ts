/**
 * Run profiles. `smoke` runs each notebook in seconds for the tests, `cpu` (the default) is the
 * reduced setting that fits a 2-core machine, and `full` uses the paper-scale settings meant
 * for a GPU backend. Select one with the environment variable `HW5_PROFILE`.
 */
export type ProfileName = "smoke" | "cpu" | "full";

export const PROFILE_NAMES: readonly ProfileName[] = ["smoke", "cpu", "full"];

/** Reads `HW5_PROFILE`; unset means `cpu`. */
export function profileName(env: NodeJS.ProcessEnv = process.env): ProfileName {
  const value = (env.HW5_PROFILE ?? "cpu").trim().toLowerCase();
  if (!(PROFILE_NAMES as readonly string[]).includes(value)) {
    throw new Error(
      `Invalid HW5_PROFILE="${env.HW5_PROFILE}". Use one of: ${PROFILE_NAMES.join(", ")}.`,
    );
  }
  return value as ProfileName;
}

/** Picks the setting of the active profile from one value per profile. */
export function byProfile<T>(settings: Record<ProfileName, T>, name: ProfileName = profileName()): T {
  return settings[name];
}
