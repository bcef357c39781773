/** Deterministic synthetic frames for the safety tests (no fixtures on disk). */
export interface TestFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
}

function frame(
  width: number,
  height: number,
  px: (x: number, y: number) => [number, number, number],
): TestFrame {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y);
      const o = (y * width + x) * 3;
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = b;
    }
  }
  return { rgb, width, height };
}

/** 320×240 diagonal colour gradient (exercises the downscale path). */
export const gradient = (): TestFrame =>
  frame(320, 240, (x, y) => [Math.round((x * 255) / 319), Math.round((y * 255) / 239), 128]);

/** 224×224 black/white checkerboard of 16-pixel squares (already the input size: no resize). */
export const checkerboard = (): TestFrame =>
  frame(224, 224, (x, y) =>
    (Math.floor(x / 16) + Math.floor(y / 16)) % 2 === 0 ? [0, 0, 0] : [255, 255, 255],
  );

/** 160×120 skin-tone ellipse on a dark red background (exercises the upscale path). */
export const skinPatch = (): TestFrame =>
  frame(160, 120, (x, y) => {
    const dx = (x - 80) / 55;
    const dy = (y - 60) / 45;
    return dx * dx + dy * dy <= 1 ? [224, 172, 138] : [60, 20, 25];
  });
