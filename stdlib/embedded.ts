// The standard library's Beagle sources, imported as text so that
// `bun build --compile` embeds them in single-file executables.
import effect from "./beagle.effect.bg" with { type: "text" };

export const embeddedStdlib: Record<string, string> = {
  "beagle.effect.bg": effect,
};
