/**
 * Test-only switches that turn one wall off so a test can show the other two still hold.
 * Outside NODE_ENV=test they cannot be set, and every wall is always on.
 */
export type Wall = "middleware" | "guard" | "rls";

const holder = globalThis as typeof globalThis & { __rampartWallsOff?: Set<Wall> };

export function wallEnabled(wall: Wall): boolean {
  if (process.env.NODE_ENV !== "test") return true;
  return !holder.__rampartWallsOff?.has(wall);
}

export function setWallForTest(wall: Wall, enabled: boolean): void {
  if (process.env.NODE_ENV !== "test") throw new Error("Walls can only be switched off in tests");
  holder.__rampartWallsOff ??= new Set();
  if (enabled) holder.__rampartWallsOff.delete(wall);
  else holder.__rampartWallsOff.add(wall);
}
