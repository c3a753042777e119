/**
 * "Chrome on macOS" from a User-Agent string: enough to recognise one's own
 * devices in a list, with no dependency. Order matters: Edge and Opera say
 * Chrome too, Chrome says Safari, and every iPhone browser says Mac OS X.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** The browser and operating system a User-Agent names, each undefined when not recognised. */
export function describeAgent(userAgent: string | null): { browser?: string; os?: string } {
  const ua = userAgent ?? '';
  return { browser: BROWSERS.find(([pattern]) => pattern.test(ua))?.[1], os: SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1] };
}

/** "Chrome on Windows", "Chrome", "Windows", or null: for a person reading a mail or their phone. */
export function agentLabel(userAgent: string | null): string | null {
  const { browser, os } = describeAgent(userAgent);
  if (browser && os) return `${browser}, ${os}`;
  return browser ?? os ?? null;
}
