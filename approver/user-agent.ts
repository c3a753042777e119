/** A browser and a system named from a `User-Agent` header; either is undefined when not recognised. */
export interface UserAgentParts {
  browser?: string;
  system?: string;
}

/*
 * Order matters: Edge's header also says Chrome and Safari, Chrome's also
 * says Safari, and iOS browsers carry their own token (CriOS, FxiOS, EdgiOS)
 * beside Safari's. Each pattern is the browser's own token.
 */
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:HeadlessChrome|Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/* iPadOS 13+ says "Macintosh" (and only touch tells it apart): it reads as macOS, which is what the person chose to present. Android says Linux too. */
const SYSTEMS: readonly [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
];

/** "Chrome" and "Windows" from a `User-Agent`: a small parser, enough to tell a person which of their browsers asks. */
export function parseUserAgent(userAgent: string | null | undefined): UserAgentParts {
  if (!userAgent) return {};
  return {
    browser: BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1],
    system: SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1],
  };
}
