/*
 * The approver's icons, made at build time (vite.config.ts, mode `approver`):
 * a white tick on the widget's primary green, drawn from one geometry as SVG
 * (`icon.svg`, purpose `any`) and as PNG at the sizes install prompts require
 * (Chrome's installability criteria: 192 and 512 px). The PNGs are full-bleed
 * squares with the tick inside the central 80 % circle, so they serve as
 * maskable icons too (W3C Web App Manifest §"icon masks": the safe zone).
 * Node code: nothing here reaches the browser.
 */
import { crc32, deflateSync } from 'node:zlib';

/** The widget's default `--lf-color-primary`. */
export const ICON_BACKGROUND = '#1a7f37';
/** The tick's corners on a 512-unit square, and its stroke width. */
const TICK: readonly [number, number][] = [
  [154, 266],
  [225, 337],
  [364, 189],
];
const STROKE = 42;

/** The icon as SVG text; `rounded` gives the square rounded corners (the `any` icon; a maskable one is full-bleed). */
export function iconSvg({ rounded = true }: { rounded?: boolean } = {}): string {
  const [first, ...rest] = TICK;
  const path = `M${first![0]} ${first![1]}${rest.map(([x, y]) => `L${x} ${y}`).join('')}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">` +
    `<rect width="512" height="512"${rounded ? ' rx="96"' : ''} fill="${ICON_BACKGROUND}"/>` +
    `<path d="${path}" fill="none" stroke="#fff" stroke-width="${STROKE}" stroke-linecap="round" stroke-linejoin="round"/></svg>\n`
  );
}

/** Distance from (px, py) to the segment a–b. */
function segmentDistance(px: number, py: number, [ax, ay]: readonly [number, number], [bx, by]: readonly [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** One PNG chunk: length, type, data, CRC-32 over type and data (PNG §5.3). */
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * The icon as a `size` × `size` PNG (8-bit RGB, PNG §11.2.2 IHDR colour type
 * 2, filter 0 on every row): the tick is the set of points within half the
 * stroke of its segments (round caps and join), edges anti-aliased by
 * coverage over one pixel.
 */
export function iconPng(size: number): Buffer {
  const scale = 512 / size;
  const background = [1, 3, 5].map((i) => parseInt(ICON_BACKGROUND.slice(i, i + 2), 16));
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    rows[row] = 0;
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) * scale;
      const py = (y + 0.5) * scale;
      const distance = Math.min(segmentDistance(px, py, TICK[0]!, TICK[1]!), segmentDistance(px, py, TICK[1]!, TICK[2]!));
      const cover = Math.max(0, Math.min(1, (STROKE / 2 - distance) / scale + 0.5));
      for (let c = 0; c < 3; c++) rows[row + 1 + x * 3 + c] = Math.round(background[c]! + (255 - background[c]!) * cover);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}
