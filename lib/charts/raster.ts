/** SVG to raster conversion with @resvg/resvg-js, using the fonts from ./fonts. */
import { Resvg } from "@resvg/resvg-js";
import { fontSetup } from "./fonts";

export interface Raster {
  width: number;
  height: number;
  /** Row-major RGBA bytes, 4 per pixel. */
  rgba: Uint8Array;
  /** The same image encoded as PNG. */
  png: Uint8Array;
}

/**
 * Rasterizes an SVG document at `scale` device pixels per SVG pixel (for example 2 for a
 * sharp image on high-density screens). Throws when no fonts are installed.
 */
export function rasterizeSvg(svg: string, scale = 1): Raster {
  if (!(scale > 0 && Number.isFinite(scale))) {
    throw new Error(`Raster scale must be a positive number; got ${scale}.`);
  }
  const fonts = fontSetup();
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontDirs: fonts.dirs,
      defaultFontFamily: fonts.family,
      sansSerifFamily: fonts.family,
    },
    fitTo: { mode: "zoom", value: scale },
  });
  const image = resvg.render();
  return {
    width: image.width,
    height: image.height,
    rgba: new Uint8Array(image.pixels),
    png: new Uint8Array(image.asPng()),
  };
}
