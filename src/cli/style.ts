// Colour for what the commands print, on or off as a whole: on when stdout / stderr is a terminal,
// off with NO_COLOR, forced with FORCE_COLOR (src/log/setup.ts wantsColor decides, as for logs).
// Plain SGR codes; with colour off every function returns its text unchanged.

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

const COLOURED: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  red: sgr(31, 39),
  cyan: sgr(36, 39),
};

const PLAIN: Style = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s };

export function createStyle(color: boolean): Style {
  return color ? COLOURED : PLAIN;
}
